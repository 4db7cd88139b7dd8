/**
 * The memory and knowledge policies over the synthesized dev (Functions) and prod (AKS) stacks:
 * each passes them as the program builds them, and catches the stack with one thing weakened the
 * way a careless change would (a key turned back on, a public endpoint in prod, periodic backup, a
 * missing diagnostic setting, a key-reading or control-plane role, a data role on the whole account).
 */
import * as assert from "node:assert/strict";
import { builtInRoles } from "../../components/azure/ids";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { sharedDevAndProd } from "../support/shared-synthesis";
import { agentDataCases } from "./cases/agent-data";
import { describeCases, runPolicy, violationMessages } from "./harness";

type Inputs = Record<string, unknown>;

const cosmos = "azure-native:cosmosdb:DatabaseAccount";
const search = "azure-native:search:Service";
const sqlRoleAssignment = "azure-native:cosmosdb:SqlResourceSqlRoleAssignment";
const roleAssignment = "azure-native:authorization:RoleAssignment";
const diagnostics = "azure-native:monitor:DiagnosticSetting";

const roleIds = {
    contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
    documentDbAccountContributor: "5bd9cd88-fe45-4216-938b-f97437e15450",
    cosmosAccountReader: "fbdf93bf-df7d-467e-a4d2-9458aa1360c8",
};

function only(
    resources: readonly RecordedResource[],
    match: (r: RecordedResource) => boolean,
): RecordedResource {
    const found = resources.filter(match);
    assert.equal(found.length, 1, `exactly one match, found ${found.map((r) => r.name).join(", ")}`);
    return found[0]!;
}

/** The stack with `target`'s inputs changed (the shared synthesis stays untouched). */
function changed(
    resources: readonly RecordedResource[],
    match: (r: RecordedResource) => boolean,
    edit: (inputs: Inputs) => void,
): RecordedResource[] {
    const target = only(resources, match);
    return resources.map((r) => {
        if (r !== target) return r;
        const inputs = structuredClone(r.inputs);
        edit(inputs);
        return { ...r, inputs };
    });
}

const ofType = (type: string) => (r: RecordedResource) => r.type === type;

/** The role definition id of a built-in role, in the shape the assignments carry. */
function withRole(inputs: Inputs, roleGuid: string): void {
    inputs.roleDefinitionId = String(inputs.roleDefinitionId).replace(/[^/]+$/, roleGuid);
}

describe("policy pack: memory and knowledge", () => describeCases(agentDataCases));

describe("policy pack: memory and knowledge over the synthesized stacks", function () {
    this.timeout(60_000);
    let dev: SynthResult;
    let prod: SynthResult;

    before(async () => {
        [dev, prod] = await sharedDevAndProd();
    });

    for (const policy of [
        "cosmos-local-auth-disabled",
        "search-local-auth-disabled",
        "cosmos-data-role-scoped",
        "data-roles-data-plane-only",
        "diagnostics-to-workspace",
    ])
        it(`${policy} passes the dev and prod stacks as built`, async () => {
            assert.deepEqual(await violationMessages(policy, dev.resources), []);
            assert.deepEqual(await violationMessages(policy, prod.resources), []);
        });

    for (const policy of [
        "data-public-network-disabled-in-production",
        "cosmos-continuous-backup-in-production",
    ])
        it(`${policy} passes prod as built and does not judge dev`, async () => {
            assert.deepEqual(await violationMessages(policy, prod.resources), []);
            const devResult = await runPolicy(policy, dev.resources);
            assert.deepEqual(devResult.violations, []);
            assert.ok(devResult.notApplicable.some((n) => /"dev" is not production/.test(n.reason ?? "")));
        });

    it("cosmos-local-auth-disabled catches account keys and key-based metadata writes turned back on", async () => {
        const stack = changed(dev.resources, ofType(cosmos), (i) => {
            i.disableLocalAuth = false;
            delete i.disableKeyBasedMetadataWriteAccess;
        });
        const found = await violationMessages("cosmos-local-auth-disabled", stack);
        assert.equal(found.length, 2);
        assert.match(found[0] ?? "", /^Set disableLocalAuth: true/);
        assert.match(found[1] ?? "", /^Set disableKeyBasedMetadataWriteAccess: true/);
    });

    it("search-local-auth-disabled catches API keys allowed beside roles", async () => {
        const stack = changed(prod.resources, ofType(search), (i) => {
            delete i.disableLocalAuth;
            i.authOptions = { aadOrApiKey: { aadAuthFailureMode: "http401WithBearerChallenge" } };
        });
        const found = await violationMessages("search-local-auth-disabled", stack);
        assert.deepEqual(found.length, 2);
        assert.match(found[0] ?? "", /^Set disableLocalAuth: true/);
        assert.match(found[1] ?? "", /^Remove authOptions/);
    });

    it("data-public-network-disabled-in-production catches a public prod account and search service", async () => {
        for (const type of [cosmos, search]) {
            const stack = changed(prod.resources, ofType(type), (i) => (i.publicNetworkAccess = "Enabled"));
            const found = await violationMessages("data-public-network-disabled-in-production", stack);
            assert.equal(found.length, 1, type);
            assert.match(
                found[0] ?? "",
                new RegExp(
                    `^Set publicNetworkAccess: "Disabled" on the prod ${type === cosmos ? "Cosmos DB account" : "AI Search service"} \\(found Enabled\\)`,
                ),
            );
        }
        // Left out, the service's default is public.
        const unset = changed(prod.resources, ofType(cosmos), (i) => delete i.publicNetworkAccess);
        assert.equal(
            (await violationMessages("data-public-network-disabled-in-production", unset)).length,
            1,
        );
    });

    it("cosmos-continuous-backup-in-production catches periodic backup and an unstated tier in prod", async () => {
        const periodic = changed(
            prod.resources,
            ofType(cosmos),
            (i) => (i.backupPolicy = { type: "Periodic" }),
        );
        assert.deepEqual(await violationMessages("cosmos-continuous-backup-in-production", periodic), [
            'Set backupPolicy: { type: "Continuous", continuousModeProperties: { tier: "Continuous30Days" } } on the prod account (found Periodic).',
        ]);
        const none = changed(prod.resources, ofType(cosmos), (i) => delete i.backupPolicy);
        assert.match(
            (await violationMessages("cosmos-continuous-backup-in-production", none))[0] ?? "",
            /found the periodic default/,
        );
        const untiered = changed(
            prod.resources,
            ofType(cosmos),
            (i) => (i.backupPolicy = { type: "Continuous" }),
        );
        assert.match(
            (await violationMessages("cosmos-continuous-backup-in-production", untiered))[0] ?? "",
            /^State backupPolicy.continuousModeProperties.tier/,
        );
    });

    it("diagnostics-to-workspace catches a Cosmos DB account and a search service without diagnostics", async () => {
        for (const [type, what] of [
            [cosmos, "Cosmos DB account"],
            [search, "AI Search service"],
        ] as const) {
            const target = only(prod.resources, ofType(type));
            const nameKey = type === cosmos ? "accountName" : "searchServiceName";
            const stack = prod.resources.filter(
                (r) =>
                    !(
                        r.type === diagnostics &&
                        String(r.inputs.resourceUri).endsWith(`/${String(target.inputs[nameKey])}`)
                    ),
            );
            assert.equal(stack.length, prod.resources.length - 1, what);
            const found = await violationMessages("diagnostics-to-workspace", stack);
            assert.deepEqual(found.length, 1, found.join("\n"));
            assert.match(found[0] ?? "", new RegExp(`^${what} "${target.name}" has no diagnostic setting`));
        }
    });

    it("data-roles-data-plane-only catches a key-reading role for the deployer and an ARM role for the backend on Cosmos DB", async () => {
        const deployerOnSearch = (r: RecordedResource) =>
            r.type === roleAssignment && r.name.endsWith("-knowledge-deployer-index-data-contributor");
        const backendOnSearch = (r: RecordedResource) =>
            r.type === roleAssignment && r.name.endsWith("-knowledge-aks-index-reader");
        const account = only(prod.resources, ofType(cosmos));
        const accountId = String(only(prod.resources, ofType(sqlRoleAssignment)).inputs.scope).replace(
            /\/dbs\/.*$/,
            "",
        );
        // The deployer gets DocumentDB Account Contributor on the account (it can list the keys).
        const keyReader = changed(prod.resources, deployerOnSearch, (i) => {
            i.scope = accountId;
            withRole(i, roleIds.documentDbAccountContributor);
        });
        const found = await violationMessages("data-roles-data-plane-only", keyReader);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0] ?? "",
            new RegExp(`grants DocumentDB Account Contributor on Cosmos DB account "${account.name}"`),
        );
        // The backend's identity gets Cosmos DB Account Reader (read-only keys) on the account.
        const workloadReader = changed(prod.resources, backendOnSearch, (i) => {
            i.scope = accountId;
            withRole(i, roleIds.cosmosAccountReader);
        });
        assert.match(
            (await violationMessages("data-roles-data-plane-only", workloadReader))[0] ?? "",
            /grants Cosmos DB Account Reader Role on Cosmos DB account/,
        );
        // The backend's identity gets any other Azure RBAC role on the account.
        const workloadArm = changed(prod.resources, backendOnSearch, (i) => {
            i.scope = accountId;
            withRole(i, builtInRoles.monitoringMetricsPublisher);
        });
        assert.match(
            (await violationMessages("data-roles-data-plane-only", workloadArm))[0] ?? "",
            /gives a workload identity an Azure RBAC role on Cosmos DB account/,
        );
    });

    it("data-roles-data-plane-only catches Contributor and a control-plane role for the backend on AI Search", async () => {
        const backendOnSearch = (r: RecordedResource) =>
            r.type === roleAssignment && r.name.endsWith("-knowledge-functions-index-reader");
        const contributor = changed(dev.resources, backendOnSearch, (i) => withRole(i, roleIds.contributor));
        assert.match(
            (await violationMessages("data-roles-data-plane-only", contributor))[0] ?? "",
            /grants Contributor on AI Search service .*: it can read the admin keys/,
        );
        const serviceContributor = changed(dev.resources, backendOnSearch, (i) =>
            withRole(i, builtInRoles.searchServiceContributor),
        );
        assert.deepEqual(await violationMessages("data-roles-data-plane-only", serviceContributor), [
            `Role assignment "acp-dev-knowledge-functions-index-reader" gives a workload identity a control-plane role (${builtInRoles.searchServiceContributor}) on AI Search service "acp-dev-knowledge-service"; workloads get only Search Index Data Reader or Search Index Data Contributor.`,
        ]);
    });

    it("cosmos-data-role-scoped catches the data role widened to the account, and a custom role", async () => {
        const widened = changed(dev.resources, ofType(sqlRoleAssignment), (i) => {
            i.scope = String(i.scope).replace(/\/dbs\/.*$/, "");
        });
        assert.match(
            (await violationMessages("cosmos-data-role-scoped", widened))[0] ?? "",
            /^Scope the data role to the database or container it is for/,
        );
        const custom = changed(dev.resources, ofType(sqlRoleAssignment), (i) => {
            i.roleDefinitionId = String(i.roleDefinitionId).replace(
                /[^/]+$/,
                "7c0e0a6a-5f4b-4d1e-9e3e-2b6f0a1c9d77",
            );
        });
        assert.match(
            (await violationMessages("cosmos-data-role-scoped", custom))[0] ?? "",
            /^Grant Cosmos DB Built-in Data Reader \(…0001\) or Data Contributor \(…0002\)/,
        );
    });
});
