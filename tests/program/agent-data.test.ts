/**
 * Agent memory (Cosmos DB) and the knowledge index (AI Search) in the synthesized dev (Functions)
 * and prod (AKS) stacks: the hardening Azure enforces at run time, the data-plane grants, the
 * private endpoints of the private backend, and the settings each host reads, fed to the Node
 * host's real settings reader. Plus the stack that opts out, and the configuration Azure would refuse.
 */
import * as assert from "node:assert/strict";
import { readSettings } from "functions-app/node-host/settings";
import { memoryPartitionKeyPath } from "functions-app/memory/cosmos-memory-store";
import { builtInRoles } from "../../components/azure/ids";
import { parseStackConfig } from "../../components/config/parse";
import { cosmosDataContributorRoleId } from "../../components/data/agent-memory";
import { mockDeployerObjectId, mockSubscriptionId } from "../../scripts/lib/mocks";
import { synthesize, type RecordedResource, type SynthResult } from "../../scripts/lib/synthesize";
import { sharedDevAndProd } from "../support/shared-synthesis";
import { shippedConfig, shippedStack } from "../support/shipped-stacks";
import { plain, roleOf, stackView } from "../support/synth";
import { podEnvironment, workloadObjects } from "../support/workload-objects";
import { dependencyGraph } from "./graph";

type Obj = Record<string, unknown>;

const types = {
    account: "azure-native:cosmosdb:DatabaseAccount",
    database: "azure-native:cosmosdb:SqlResourceSqlDatabase",
    container: "azure-native:cosmosdb:SqlResourceSqlContainer",
    sqlRoleAssignment: "azure-native:cosmosdb:SqlResourceSqlRoleAssignment",
    search: "azure-native:search:Service",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    diagnostics: "azure-native:monitor:DiagnosticSetting",
    privateEndpoint: "azure-native:network:PrivateEndpoint",
    dnsZoneGroup: "azure-native:network:PrivateDnsZoneGroup",
    zone: "azure-native:privatedns:PrivateZone",
    zoneLink: "azure-native:privatedns:VirtualNetworkLink",
    workspace: "azure-native:operationalinsights:Workspace",
    settings: "azure-native:web:WebAppApplicationSettings",
    propagation: "pulumi-nodejs:dynamic/agents-azure:RolePropagation",
} as const;

/** The id the mock runtime gives an azure-native resource (scripts/lib/mocks.ts). */
function mockId(r: RecordedResource, nameInput: string): string {
    const [, module, kind] = r.type.split(":");
    return `/subscriptions/${mockSubscriptionId}/resourceGroups/${String(r.inputs.resourceGroupName)}/providers/Microsoft.${module}/${kind}/${String(r.inputs[nameInput])}`;
}

const today = new Date("2026-12-01T00:00:00Z");

/** The grants and endpoints every stack with memory and knowledge must hold. */
function checkCommon(result: SynthResult, backendIdentityGrant: string, deployerType: string) {
    const { one, ofType } = stackView(result);
    const account = one(types.account);
    const accountId = mockId(account, "accountName");
    const search = one(types.search);
    const searchId = mockId(search, "searchServiceName");
    const workspaceId = mockId(one(types.workspace), "workspaceName");

    // Entra only: no keys for data, no key-based metadata writes, TLS 1.2.
    assert.equal(account.inputs.disableLocalAuth, true);
    assert.equal(account.inputs.disableKeyBasedMetadataWriteAccess, true);
    assert.equal(account.inputs.minimalTlsVersion, "Tls12");
    assert.equal(account.inputs.kind, "GlobalDocumentDB");
    // RBAC only on AI Search; authOptions cannot accompany disableLocalAuth.
    assert.equal(search.inputs.disableLocalAuth, true);
    assert.equal(search.inputs.authOptions, undefined);

    const container = one(types.container);
    const resource = container.inputs.resource as Obj;
    assert.deepEqual((resource.partitionKey as Obj).paths, [memoryPartitionKeyPath]);
    // The memory store sets `ttl` per note; Cosmos DB honours item ttl only with TTL on (-1).
    assert.equal(resource.defaultTtl, -1);

    // The backend's identity: data-plane Data Contributor on the container, nothing on the account's ARM side.
    const backendPrincipal = one(types.roleAssignment, backendIdentityGrant).inputs.principalId;
    const [sql] = ofType(types.sqlRoleAssignment);
    assert.ok(sql && ofType(types.sqlRoleAssignment).length === 1);
    assert.equal(sql.inputs.principalId, backendPrincipal);
    assert.equal(
        sql.inputs.roleDefinitionId,
        `${accountId}/sqlRoleDefinitions/${cosmosDataContributorRoleId}`,
    );
    assert.equal(sql.inputs.scope, `${accountId}/dbs/agents/colls/memory`);
    const armOnCosmos = ofType(types.roleAssignment).filter((r) =>
        String(r.inputs.scope).startsWith(accountId),
    );
    assert.deepEqual(armOnCosmos, [], "no ARM role on the Cosmos DB account");

    // AI Search: the backend reads indexes; the deployer defines and loads them.
    const onSearch = ofType(types.roleAssignment).filter((r) => r.inputs.scope === searchId);
    const grants = onSearch.map(
        (r) => `${String(r.inputs.principalId)}:${roleOf(r)}:${String(r.inputs.principalType)}`,
    );
    assert.deepEqual(
        grants.sort(),
        [
            `${String(backendPrincipal)}:${builtInRoles.searchIndexDataReader}:ServicePrincipal`,
            `${mockDeployerObjectId}:${builtInRoles.searchIndexDataContributor}:${deployerType}`,
            `${mockDeployerObjectId}:${builtInRoles.searchServiceContributor}:${deployerType}`,
        ].sort(),
    );
    // The index definition waits for the deployer's grants to apply.
    const propagation = ofType(types.propagation).find((r) =>
        r.name.endsWith("knowledge-deployer-propagation"),
    );
    assert.ok(propagation);
    const graph = dependencyGraph(result.resources);
    for (const deployerGrant of onSearch.filter((r) => r.inputs.principalId === mockDeployerObjectId))
        assert.ok(graph.waitsFor(propagation, deployerGrant), `propagation waits for ${deployerGrant.name}`);

    // Both send every log and metric to the workspace.
    for (const id of [accountId, searchId]) {
        const diag = ofType(types.diagnostics).filter((d) => d.inputs.resourceUri === id);
        assert.equal(diag.length, 1, id);
        assert.equal(diag[0]?.inputs.workspaceId, workspaceId);
        assert.deepEqual(diag[0]?.inputs.logs, [{ categoryGroup: "allLogs", enabled: true }]);
    }
    return { account, search, container };
}

/** What the Node host makes of `env` (with the settings it needs besides memory). */
function hostSettingsFrom(env: Record<string, string>) {
    const result = readSettings(env);
    assert.ok(result.ok, result.ok ? "" : result.errors.join("; "));
    return result.settings;
}

describe("agent memory and knowledge in the synthesized stacks", function () {
    // Two syntheses in the first hook: seconds on an idle machine, a minute or more on a busy one.
    this.timeout(180_000);
    let dev: SynthResult;
    let prod: SynthResult;

    before(async () => {
        [dev, prod] = await sharedDevAndProd();
    });

    it("dev (Functions): serverless memory with 7-day continuous backup, public endpoints that admit Entra tokens only", () => {
        const { account, search, container } = checkCommon(dev, "functions-blob-owner", "User");
        assert.deepEqual(account.inputs.capabilities, [{ name: "EnableServerless" }]);
        assert.deepEqual(account.inputs.backupPolicy, {
            type: "Continuous",
            continuousModeProperties: { tier: "Continuous7Days" },
        });
        // A serverless container refuses any throughput setting.
        assert.equal(container.inputs.options, undefined);
        // Flex Consumption here has no VNet integration: no private path, so public + Entra only.
        assert.equal(account.inputs.publicNetworkAccess, "Enabled");
        assert.equal(search.inputs.publicNetworkAccess, "Enabled");
        assert.deepEqual((search.inputs.sku as Obj).name, "basic");
        assert.equal(stackView(dev).ofType(types.privateEndpoint).length, 0);
    });

    it("dev: the function app's settings give the host the memory container and the knowledge index", () => {
        const properties = plain(stackView(dev).one(types.settings).inputs.properties, true) as Record<
            string,
            string
        >;
        const settings = hostSettingsFrom(properties);
        const account = stackView(dev).one(types.account);
        assert.deepEqual(settings.memory, {
            endpoint: `https://${String(account.inputs.accountName)}.documents.azure.com:443/`,
            database: "agents",
            container: "memory",
        });
        const search = stackView(dev).one(types.search);
        assert.equal(
            properties.KNOWLEDGE_SEARCH_ENDPOINT,
            `https://${String(search.inputs.searchServiceName)}.search.windows.net`,
        );
        assert.equal(properties.KNOWLEDGE_SEARCH_INDEX, "knowledge");
        assert.deepEqual(dev.outputs.memory, {
            cosmosAccount: account.inputs.accountName,
            endpoint: settings.memory?.endpoint,
            database: "agents",
            container: "memory",
        });
        assert.deepEqual(dev.outputs.knowledge, {
            searchService: search.inputs.searchServiceName,
            endpoint: properties.KNOWLEDGE_SEARCH_ENDPOINT,
            indexName: "knowledge",
            indexDefinedByProgram: true,
        });
    });

    it("prod (AKS): autoscale memory with 30-day continuous backup, both reached only through private endpoints", () => {
        const { account, search, container } = checkCommon(prod, "aks-snippets-owner", "ServicePrincipal");
        assert.deepEqual(account.inputs.capabilities, []);
        assert.deepEqual(container.inputs.options, { autoscaleSettings: { maxThroughput: 4000 } });
        assert.deepEqual(account.inputs.backupPolicy, {
            type: "Continuous",
            continuousModeProperties: { tier: "Continuous30Days" },
        });
        assert.equal(account.inputs.publicNetworkAccess, "Disabled");
        assert.equal(search.inputs.publicNetworkAccess, "Disabled");
        assert.deepEqual(search.inputs.sku, { name: "standard" });
        assert.equal(search.inputs.replicaCount, 2);

        const { ofType, one } = stackView(prod);
        const vnetId = mockId(one("azure-native:network:VirtualNetwork"), "virtualNetworkName");
        for (const [target, nameInput, groupId, zoneName] of [
            [account, "accountName", "Sql", "privatelink.documents.azure.com"],
            [search, "searchServiceName", "searchService", "privatelink.search.windows.net"],
        ] as const) {
            const targetId = mockId(target, nameInput);
            const endpoints = ofType(types.privateEndpoint).filter((pe) =>
                (pe.inputs.privateLinkServiceConnections as Obj[]).some(
                    (c) => c.privateLinkServiceId === targetId,
                ),
            );
            assert.equal(endpoints.length, 1, groupId);
            const endpoint = endpoints[0]!;
            assert.deepEqual((endpoint.inputs.privateLinkServiceConnections as Obj[])[0]?.groupIds, [
                groupId,
            ]);
            assert.equal((endpoint.inputs.subnet as Obj).id, `${vnetId}/subnets/private-endpoints`);
            const zone = ofType(types.zone).find((z) => z.inputs.privateZoneName === zoneName);
            assert.ok(zone, zoneName);
            const zoneId = mockId(zone, "privateZoneName");
            const group = ofType(types.dnsZoneGroup).find(
                (g) => g.inputs.privateEndpointName === endpoint.inputs.privateEndpointName,
            );
            assert.deepEqual((group?.inputs.privateDnsZoneConfigs as Obj[])[0]?.privateDnsZoneId, zoneId);
            // The pods resolve the service's name to the endpoint: the zone is linked to their VNet.
            assert.ok(
                ofType(types.zoneLink).some(
                    (l) =>
                        l.inputs.privateZoneName === zoneName &&
                        (l.inputs.virtualNetwork as Obj).id === vnetId,
                ),
                `${zoneName} is linked to the VNet`,
            );
        }
    });

    it("prod: the tool pods' environment gives the Node host the memory container and the knowledge index", () => {
        const env = podEnvironment(workloadObjects(prod));
        const settings = hostSettingsFrom(env);
        const account = stackView(prod).one(types.account);
        assert.deepEqual(settings.memory, {
            endpoint: `https://${String(account.inputs.accountName)}.documents.azure.com:443/`,
            database: "agents",
            container: "memory",
        });
        assert.match(
            env.KNOWLEDGE_SEARCH_ENDPOINT ?? "",
            /^https:\/\/acp-prod-knowledge-[0-9a-f]{6}\.search\.windows\.net$/,
        );
        assert.equal(env.KNOWLEDGE_SEARCH_INDEX, "knowledge");
    });

    it("defines the index where pulumi up reaches AI Search (dev, after the deployer's grants), and not where it is private (prod)", () => {
        const definitionType = "pulumi-nodejs:dynamic/agents-knowledge:SearchIndexDefinition";
        const [definition] = stackView(dev).ofType(definitionType);
        assert.ok(definition, "dev defines the knowledge index");
        const component = stackView(dev).one("agents:knowledge:SearchIndex");
        assert.equal(definition.parent, component.urn);
        const propagation = dev.resources.find((r) => r.name.endsWith("-knowledge-deployer-propagation"));
        assert.ok(propagation, "the deployer's grants are waited on");
        assert.ok(
            (component.dependencies ?? []).includes(propagation.urn),
            "the index waits for the deployer's grants to apply",
        );
        assert.equal(
            stackView(prod).ofType(definitionType).length,
            0,
            "prod's private service is not called",
        );
        assert.equal(
            (prod.outputs.knowledge as { indexDefinedByProgram?: boolean }).indexDefinedByProgram,
            false,
        );
    });

    it("a stack that opts out of memory has no account, no memory settings, no output; knowledge stays", async () => {
        const result = await synthesize(shippedStack("dev", { memory: "false" }));
        const { ofType, one } = stackView(result);
        for (const type of [types.account, types.database, types.container, types.sqlRoleAssignment])
            assert.equal(ofType(type).length, 0, type);
        const properties = plain(one(types.settings).inputs.properties, true) as Record<string, string>;
        assert.equal(hostSettingsFrom(properties).memory, undefined);
        assert.equal(result.outputs.memory, undefined);
        assert.equal(one(types.search).inputs.disableLocalAuth, true);
        assert.ok(result.outputs.knowledge);
    });
});

describe("memory and knowledge configuration Azure would refuse", () => {
    const parse = (overrides: Record<string, string>) =>
        parseStackConfig(
            {
                ...shippedConfig("dev"),
                ...Object.fromEntries(
                    Object.entries(overrides).map(([k, v]) => [`agents-control-plane:${k}`, v]),
                ),
            },
            { stack: "dev", today },
        );
    const errorsOf = (overrides: Record<string, string>) => {
        const result = parse(overrides);
        return result.ok ? [] : result.errors;
    };

    it("the shipped stacks choose serverless in dev and autoscale in prod", () => {
        const devResult = parse({});
        assert.ok(devResult.ok);
        assert.deepEqual(devResult.config.memory, {
            throughput: { mode: "serverless" },
            backupTier: "Continuous7Days",
        });
        const prodResult = parseStackConfig(shippedConfig("prod"), { stack: "prod", today });
        assert.ok(prodResult.ok, prodResult.ok ? "" : prodResult.errors.join("\n"));
        assert.deepEqual(prodResult.config.memory, {
            throughput: { mode: "autoscale", maxThroughput: 4000 },
            backupTier: "Continuous30Days",
        });
        assert.deepEqual(prodResult.config.knowledge, { sku: "standard", replicaCount: 2 });
    });

    it("refuses an autoscale maximum that is not a multiple of 1000, and one out of range", () => {
        assert.deepEqual(errorsOf({ memoryThroughput: "autoscale", memoryAutoscaleMaxThroughput: "1500" }), [
            "agents-control-plane:memoryAutoscaleMaxThroughput: must be a multiple of 1000 (got 1500)",
        ]);
        assert.match(
            errorsOf({ memoryAutoscaleMaxThroughput: "400" }).join(),
            /must be an integer from 1000 to 100000/,
        );
    });

    it("refuses the free search tier with the AKS backend (no private endpoints) and replicas a tier cannot have", () => {
        const aks = errorsOf({
            backend: "aks",
            apimSku: "StandardV2",
            aksAuthorizedIpRanges: '["203.0.113.0/24"]',
            searchSku: "free",
        });
        assert.deepEqual(aks, [
            'agents-control-plane:searchSku: free has no private endpoints, and the AKS backend reaches AI Search only through one; use "basic" or above, or set knowledge: false',
        ]);
        assert.deepEqual(errorsOf({ searchSku: "free", searchReplicaCount: "2" }), [
            "agents-control-plane:searchReplicaCount: must be 1 on the free tier (got 2)",
        ]);
        assert.deepEqual(errorsOf({ searchSku: "basic", searchReplicaCount: "4" }), [
            "agents-control-plane:searchReplicaCount: must be at most 3 on the basic tier (got 4)",
        ]);
        // Without knowledge the tier is not used, so nothing is refused.
        assert.deepEqual(errorsOf({ knowledge: "false", searchSku: "free", searchReplicaCount: "2" }), []);
    });

    it("names the allowed values of every choice", () => {
        assert.deepEqual(
            errorsOf({ memoryThroughput: "provisioned", memoryBackupTier: "Periodic", memory: "yes" }),
            [
                'agents-control-plane:memoryThroughput: must be "serverless" or "autoscale" (got "provisioned")',
                'agents-control-plane:memoryBackupTier: must be "Continuous7Days" or "Continuous30Days" (got "Periodic")',
                'agents-control-plane:memory: must be true or false (got "yes")',
            ],
        );
    });
});
