import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { forwardedCallerHeader } from "functions-app/contract";
import { builtInRoles, stableGuid } from "../../components/azure/ids";
import { rolePropagationDiff } from "../../components/azure/role-propagation";
import { evaluate } from "../../policypacks/control-plane/evaluate";
import { parseStackConfig } from "../../components/config/parse";
import { devConfigWith } from "./fixtures";
import { dependencyGraph } from "./graph";
import { mockTenantId } from "../../scripts/lib/mocks";
import { sharedStacks, sharedSynthesis } from "../support/shared-synthesis";
import { shippedStack } from "../support/shipped-stacks";
import { plain, roleOf, stackView } from "../support/synth";
import {
    SynthError,
    synthesize,
    type RecordedResource,
    type SynthResult,
} from "../../scripts/lib/synthesize";

type Obj = Record<string, unknown>;

const roles = {
    blobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    queueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    acrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
    networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
    aksClusterAdmin: "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
};

/** Helpers over one synthesized stack. */
function view(result: SynthResult) {
    const { ofType, one } = stackView(result);
    /** Every Kubernetes object of `kind` ("apps/v1:Deployment"), by either delivery. */
    const k8sAll = (kind: string): Obj[] => {
        const viaApi = ofType(`kubernetes:${kind}`).map((r) => r.inputs);
        const [group, name] = [kind.slice(0, kind.lastIndexOf(":")), kind.slice(kind.lastIndexOf(":") + 1)];
        const apiVersion = group.replace(/^core\//, "");
        const viaRunCommand = ofType(clusterObjectsType).flatMap((r) =>
            (plain(r.inputs.objects, true) as Obj[]).filter(
                (o) => o.apiVersion === apiVersion && o.kind === name,
            ),
        );
        return [...viaApi, ...viaRunCommand];
    };
    const k8s = (kind: string): Obj => {
        const all = k8sAll(kind);
        const [only] = all;
        assert.ok(only && all.length === 1, `exactly one ${kind}, found ${all.length}`);
        return only;
    };
    return { ofType, one, k8s, k8sAll };
}

const clusterObjectsType = "pulumi-nodejs:dynamic/agents-aks:ClusterObjects";

/** Id the mock runtime gives an azure-native resource (scripts/lib/mocks.ts). */
function mockId(r: RecordedResource, nameInput: string): string {
    const [, module, kind] = r.type.split(":");
    const sub = "66666666-7777-4888-9999-000000000000";
    return `/subscriptions/${sub}/resourceGroups/${String(r.inputs.resourceGroupName)}/providers/Microsoft.${module}/${kind}/${String(r.inputs[nameInput])}`;
}

/** Configuration is judged on a fixed day, so runtime support windows do not move the tests. */
const today = new Date("2026-12-01T00:00:00Z");

describe("prod stack on the AKS backend, synthesized under mocks", function () {
    this.timeout(60_000);
    let prod: SynthResult & { durationMs: number };
    let v: ReturnType<typeof view>;

    before(async () => {
        prod = await synthesize(shippedStack("prod"));
        v = view(prod);
    });

    it("builds the private network, the AKS backend and its workload instead of a function app", () => {
        const types = new Set(prod.resources.map((r) => r.type));
        for (const t of [
            "agents:network:Network",
            "agents:storage:ToolStorage",
            "agents:aks:AksBackend",
            "agents:aks:AksCluster",
            "agents:aks:ToolRegistry",
            "agents:aks:ToolImage",
            "agents:kubernetes:McpWorkload",
            "azure-native:containerservice:ManagedCluster",
            "azure-native:containerregistry:Registry",
            "azure-native:managedidentity:FederatedIdentityCredential",
            "azure-native:network:VirtualNetwork",
            "azure-native:network:PrivateEndpoint",
            "docker-build:index:Image",
            clusterObjectsType,
        ]) {
            assert.ok(types.has(t), `missing ${t}`);
        }
        for (const t of ["azure-native:web:WebApp", "azure-native:web:AppServicePlan"])
            assert.ok(!types.has(t), t);
        assert.equal((prod.outputs.backend as Obj).kind, "aks");
    });

    it("keeps the registry and the storage endpoints in place after they moved to the components that own them", () => {
        // Each resource answers to the URN it had under its former parent, so `pulumi up` moves its
        // state instead of deleting and recreating it (a new registry would lose every image).
        const formerUrns: Record<string, string> = {
            "acp-prod-aks-registry":
                "agents:aks:AksCluster$azure-native:containerregistry:Registry::acp-prod-aks-registry",
            "acp-prod-aks-registry-diagnostics":
                "agents:aks:AksCluster$azure-native:monitor:DiagnosticSetting::acp-prod-aks-registry-diagnostics",
            "acp-prod-aks-tools-blob-pe":
                "agents:network:Network$azure-native:network:PrivateEndpoint::acp-prod-network-tools-blob-pe",
            "acp-prod-aks-tools-queue-pe":
                "agents:network:Network$azure-native:network:PrivateEndpoint::acp-prod-network-tools-queue-pe",
            "acp-prod-aks-tools-blob-pe-dns":
                "agents:network:Network$azure-native:network:PrivateDnsZoneGroup::acp-prod-network-tools-blob-pe-dns",
            "acp-prod-aks-tools-queue-pe-dns":
                "agents:network:Network$azure-native:network:PrivateDnsZoneGroup::acp-prod-network-tools-queue-pe-dns",
        };
        for (const [name, former] of Object.entries(formerUrns)) {
            const moved = prod.resources.find((r) => r.name === name);
            assert.ok(moved, `no resource ${name}`);
            // (azure-native adds aliases of its own, for the API versions' type tokens.)
            const formerUrn = `urn:pulumi:prod::agents-control-plane::${former}`;
            assert.ok(moved.aliases?.includes(formerUrn), `${name} does not answer to ${formerUrn}`);
            const owner = prod.resources.find((r) => r.urn === moved.parent)?.type;
            assert.equal(
                owner,
                name.includes("registry") ? "agents:aks:ToolRegistry" : "agents:storage:ToolStorage",
            );
        }
    });

    it("hardens the cluster: Entra RBAC, no local accounts, OIDC and workload identity, Cilium policy, private API", () => {
        const c = v.one("azure-native:containerservice:ManagedCluster").inputs;
        assert.equal(c.enableRBAC, true);
        assert.deepEqual(c.aadProfile, { managed: true, enableAzureRBAC: true, tenantID: mockTenantId });
        assert.equal(c.disableLocalAccounts, true);
        assert.deepEqual(c.oidcIssuerProfile, { enabled: true });
        assert.equal(((c.securityProfile as Obj).workloadIdentity as Obj).enabled, true);
        const net = c.networkProfile as Obj;
        assert.equal(net.networkPolicy, "cilium");
        assert.equal(net.networkPlugin, "azure");
        assert.equal(net.networkPluginMode, "overlay");
        assert.equal(net.serviceCidr, "172.16.0.0/16");
        const api = c.apiServerAccessProfile as Obj;
        assert.equal(api.enablePrivateCluster, true);
        assert.equal(api.enablePrivateClusterPublicFQDN, false);
        assert.equal(api.authorizedIPRanges, undefined);
        // Unpinned: AKS creates the cluster on the region's default (supported) version.
        assert.equal(c.kubernetesVersion, undefined);
        assert.equal((c.identity as Obj).type, "UserAssigned");
    });

    it("runs a fixed system pool for add-ons and an autoscaled tools pool, both on the node subnet without public IPs", () => {
        const pools = v.one("azure-native:containerservice:ManagedCluster").inputs.agentPoolProfiles as Obj[];
        const [system, tools] = pools;
        assert.ok(system && tools, "a system and a tools pool");
        assert.equal(system.mode, "System");
        assert.equal(system.count, 3);
        assert.equal(system.enableAutoScaling, false);
        assert.deepEqual(system.nodeTaints, ["CriticalAddonsOnly=true:NoSchedule"]);
        assert.equal(tools.mode, "User");
        assert.equal(tools.enableAutoScaling, true);
        assert.deepEqual([tools.minCount, tools.maxCount], [3, 10]);
        for (const p of pools) {
            assert.match(String(p.vnetSubnetID), /VirtualNetwork\/acp-prod-vnet\/subnets\/aks-nodes$/);
            assert.equal(p.enableNodePublicIP, false);
            assert.equal(p.vmSize, "Standard_D4ds_v5");
        }
    });

    it("sends Container Insights and the cluster's resource logs to the workspace", () => {
        const cluster = v.one("azure-native:containerservice:ManagedCluster");
        const clusterId = mockId(cluster, "resourceName");
        const oms = (cluster.inputs.addonProfiles as Record<string, Obj>).omsagent;
        assert.ok(oms, "the omsagent add-on");
        assert.equal(oms.enabled, true);
        assert.match(
            String((oms.config as Obj).logAnalyticsWorkspaceResourceID),
            /Workspace\/acp-prod-logs$/,
        );
        assert.equal((oms.config as Obj).useAADAuth, "true");
        const dcr = v.one("azure-native:monitor:DataCollectionRule").inputs;
        assert.match(
            String(((dcr.destinations as Obj).logAnalytics as Obj[])[0]?.workspaceResourceId),
            /Workspace\/acp-prod-logs$/,
        );
        assert.equal(
            v.one("azure-native:monitor:DataCollectionRuleAssociation").inputs.resourceUri,
            clusterId,
        );
        const setting = v
            .ofType("azure-native:monitor:DiagnosticSetting")
            .find((s) => s.inputs.resourceUri === clusterId);
        assert.ok(setting, "diagnostic setting on the cluster");
        assert.deepEqual(setting.inputs.logs, [{ categoryGroup: "allLogs", enabled: true }]);
        assert.match(String(setting.inputs.workspaceId), /Workspace\/acp-prod-logs$/);
    });

    it("federates the workload identity to the service account, trusting the cluster's OIDC issuer", () => {
        const fic = v.one("azure-native:managedidentity:FederatedIdentityCredential").inputs;
        const issuer = (prod.outputs.backend as Obj).oidcIssuerUrl;
        const clusterName = "acp-prod-aks-cluster";
        const expectedIssuer = `https://westeurope.oic.prod-aks.azure.com/${mockTenantId}/${stableGuid("mock", "azure-native:containerservice:ManagedCluster", clusterName, "issuer")}/`;
        assert.equal(issuer, expectedIssuer);
        assert.equal(fic.issuer, issuer);
        assert.equal(fic.subject, "system:serviceaccount:mcp-tools:mcp-tools");
        assert.deepEqual(fic.audiences, ["api://AzureADTokenExchange"]);
        const uami = v.one("azure-native:managedidentity:UserAssignedIdentity", "-workload-identity");
        assert.equal(fic.resourceName, uami.inputs.resourceName);
        // The service account the pods run as is exactly that subject, annotated with the identity.
        const sa = v.k8s("core/v1:ServiceAccount").metadata as Obj;
        assert.equal(`system:serviceaccount:${String(sa.namespace)}:${String(sa.name)}`, fic.subject);
        const clientId = stableGuid(
            "mock",
            "azure-native:managedidentity:UserAssignedIdentity",
            uami.name,
            "client",
        );
        assert.equal((sa.annotations as Obj)["azure.workload.identity/client-id"], clientId);
    });

    it("grants the workload identity blob owner on the snippets container, queue contributor on the account, knowledge reader and the telemetry publisher only", () => {
        const uami = v.one("azure-native:managedidentity:UserAssignedIdentity", "-workload-identity");
        const principal = stableGuid("mock", uami.type, uami.name, "principal");
        const grants = v
            .ofType("azure-native:authorization:RoleAssignment")
            .filter((r) => r.inputs.principalId === principal);
        const account = v.one("azure-native:storage:StorageAccount");
        const container = v.one("azure-native:storage:BlobContainer");
        const search = v.one("azure-native:search:Service");
        const appInsights = v.one("azure-native:applicationinsights:Component");
        assert.deepEqual(
            grants.map((g) => [roleOf(g), g.inputs.scope]).sort(),
            [
                [roles.blobDataOwner, mockId(container, "containerName")],
                [roles.queueDataContributor, mockId(account, "accountName")],
                [builtInRoles.searchIndexDataReader, mockId(search, "searchServiceName")],
                [builtInRoles.monitoringMetricsPublisher, mockId(appInsights, "resourceName")],
            ].sort(),
        );
        for (const g of grants) assert.equal(g.inputs.principalType, "ServicePrincipal");
    });

    it("scopes every other role assignment to one resource (subnets, registry, cluster), never Owner or Contributor", () => {
        const cluster = v.one("azure-native:containerservice:ManagedCluster");
        const registry = v.one("azure-native:containerregistry:Registry");
        const kubelet = stableGuid("mock", cluster.type, cluster.name, "kubelet-object");
        const byName = (suffix: string) => v.one("azure-native:authorization:RoleAssignment", suffix).inputs;
        const pull = byName("-kubelet-acr-pull");
        assert.equal(pull.principalId, kubelet);
        assert.equal(pull.scope, mockId(registry, "registryName"));
        assert.equal(roleOf({ inputs: pull } as RecordedResource), roles.acrPull);
        const push = byName("-deployer-acr-push");
        assert.equal(push.scope, mockId(registry, "registryName"));
        assert.equal(roleOf({ inputs: push } as RecordedResource), roles.acrPush);
        const admin = byName("-deployer-cluster-admin");
        assert.equal(admin.scope, mockId(cluster, "resourceName"));
        assert.equal(roleOf({ inputs: admin } as RecordedResource), roles.aksClusterAdmin);
        for (const [suffix, subnet] of [
            ["-nodes-subnet-network", "aks-nodes"],
            ["-lb-subnet-network", "internal-lb"],
        ] as const) {
            const grant = byName(suffix);
            assert.match(String(grant.scope), new RegExp(`VirtualNetwork/acp-prod-vnet/subnets/${subnet}$`));
            assert.equal(roleOf({ inputs: grant } as RecordedResource), roles.networkContributor);
        }
        for (const r of v.ofType("azure-native:authorization:RoleAssignment")) {
            assert.doesNotMatch(String(r.inputs.scope), /^\/subscriptions\/[^/]+\/?$/, r.name);
            assert.ok(
                !["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c"].includes(
                    roleOf(r),
                ),
            );
        }
        assert.equal(registry.inputs.adminUserEnabled, false);
        assert.equal(registry.inputs.anonymousPullEnabled, false);
    });

    it("lays out the VNet with a delegated gateway subnet, security groups, and storage behind private endpoints", () => {
        const vnet = v.one("azure-native:network:VirtualNetwork").inputs;
        assert.deepEqual(vnet.addressSpace, { addressPrefixes: ["10.60.0.0/16"] });
        const subnets = Object.fromEntries((vnet.subnets as Obj[]).map((s) => [String(s.name), s]));
        assert.deepEqual(Object.fromEntries(Object.entries(subnets).map(([k, s]) => [k, s.addressPrefix])), {
            "aks-nodes": "10.60.0.0/22",
            apim: "10.60.4.0/24",
            "internal-lb": "10.60.5.0/27",
            "private-endpoints": "10.60.5.32/27",
        });
        assert.deepEqual(subnets.apim?.delegations, [
            { name: "apim-outbound", serviceName: "Microsoft.Web/serverFarms" },
        ]);
        for (const s of Object.values(subnets))
            assert.match(String((s.networkSecurityGroup as Obj).id), /NetworkSecurityGroup\//);
        for (const name of ["aks-nodes", "internal-lb", "private-endpoints"])
            assert.equal(subnets[name]?.defaultOutboundAccess, false, name);
        const backendNsg = v.one("azure-native:network:NetworkSecurityGroup", "-backend-nsg").inputs;
        const allow = (backendNsg.securityRules as Obj[]).find((r) => r.name === "allow-gateway-to-backend")!;
        assert.equal(allow.sourceAddressPrefix, "10.60.4.0/24");
        assert.deepEqual(allow.destinationPortRanges, ["80", "8080"]);

        const account = v.one("azure-native:storage:StorageAccount");
        assert.equal(account.inputs.publicNetworkAccess, "Disabled");
        assert.deepEqual(account.inputs.networkRuleSet, { defaultAction: "Deny", bypass: "None" });
        assert.equal(account.inputs.allowSharedKeyAccess, false);
        // Storage's endpoints; memory's and knowledge's are checked in agent-data.test.ts, Content
        // Safety's in content-safety.test.ts.
        const endpoints = v
            .ofType("azure-native:network:PrivateEndpoint")
            .map((e) => e.inputs)
            .filter((e) => /-tools-(blob|queue)-pe$/.test(String(e.privateEndpointName)));
        assert.deepEqual(
            endpoints.map((e) => (e.privateLinkServiceConnections as Obj[])[0]?.groupIds).sort(),
            [["blob"], ["queue"]],
        );
        for (const e of endpoints) {
            assert.equal(
                (e.privateLinkServiceConnections as Obj[])[0]?.privateLinkServiceId,
                mockId(account, "accountName"),
            );
            assert.match(String((e.subnet as Obj).id), /subnets\/private-endpoints$/);
        }
        assert.deepEqual(
            v
                .ofType("azure-native:privatedns:PrivateZone")
                .map((z) => z.inputs.privateZoneName)
                .sort(),
            [
                "privatelink.blob.core.windows.net",
                "privatelink.cognitiveservices.azure.com",
                "privatelink.documents.azure.com",
                "privatelink.queue.core.windows.net",
                "privatelink.search.windows.net",
                "privatelink.vaultcore.azure.net",
            ],
        );
        assert.equal(v.ofType("azure-native:privatedns:VirtualNetworkLink").length, 6);
        assert.equal(v.ofType("azure-native:network:PrivateDnsZoneGroup").length, 6);
    });

    it("joins the StandardV2 gateway to the VNet through outbound integration on the apim subnet", () => {
        const apim = v.one("azure-native:apimanagement:ApiManagementService").inputs;
        assert.deepEqual(apim.sku, { name: "StandardV2", capacity: 2 });
        assert.equal(apim.virtualNetworkType, "External");
        assert.match(
            String((apim.virtualNetworkConfiguration as Obj).subnetResourceId),
            /VirtualNetwork\/acp-prod-vnet\/subnets\/apim$/,
        );
    });

    it("points the gateway's backend at the internal load balancer, which admits only the gateway's subnet", () => {
        const backend = v.one("azure-native:apimanagement:Backend").inputs;
        assert.equal(backend.url, "http://10.60.5.10:80");
        assert.equal((prod.outputs.backend as Obj).url, backend.url);
        const svc = v.k8s("core/v1:Service");
        assert.equal((svc.spec as Obj).type, "LoadBalancer");
        const annotations = (svc.metadata as Obj).annotations as Obj;
        assert.equal(annotations["service.beta.kubernetes.io/azure-load-balancer-internal"], "true");
        assert.equal(annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"], "10.60.5.10");
        assert.equal(
            annotations["service.beta.kubernetes.io/azure-load-balancer-internal-subnet"],
            "internal-lb",
        );
        const policy = v
            .k8sAll("networking.k8s.io/v1:NetworkPolicy")
            .find((p) => String((p.metadata as Obj).name).endsWith("-gateway-only"))!;
        assert.match(JSON.stringify(policy.spec), /"cidr":"10\.60\.4\.0\/24"/);
    });

    it("configures the Node host to accept the gateway's token and reach storage and the backplane by identity", () => {
        const deployment = v.k8s("apps/v1:Deployment");
        const pod = ((deployment.spec as Obj).template as Obj).spec as Obj;
        const [container] = pod.containers as Obj[];
        assert.ok(container, "the deployment has a container");
        const env = Object.fromEntries((container.env as Obj[]).map((e) => [String(e.name), e.value]));
        assert.equal(env.AUTH_ISSUER, `https://login.microsoftonline.com/${mockTenantId}/v2.0`);
        assert.equal(
            env.AUTH_JWKS_URI,
            `https://login.microsoftonline.com/${mockTenantId}/discovery/v2.0/keys`,
        );
        const audience = v
            .ofType("azure-native:apimanagement:NamedValue")
            .find((n) => n.inputs.namedValueId === "backend-audience")!.inputs.value;
        assert.equal(env.AUTH_AUDIENCE, plain(audience));
        const account = String(v.one("azure-native:storage:StorageAccount").inputs.accountName);
        assert.equal(env.SNIPPETS_STORAGE_ACCOUNT_URL, `https://${account}.blob.core.windows.net`);
        assert.equal(env.SSE_BACKPLANE_QUEUE_URL, `https://${account}.queue.core.windows.net`);
        for (const value of Object.values(env))
            assert.doesNotMatch(String(value), /AccountKey=|SharedAccessSignature/);
        const hpa = v.k8s("autoscaling/v2:HorizontalPodAutoscaler").spec as Obj;
        assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [3, 12]);
        // The gateway names the caller for the host.
        const mcpPolicy = v
            .ofType("azure-native:apimanagement:ApiPolicy")
            .find((p) => p.inputs.apiId === "mcp")!.inputs.value;
        assert.ok(
            String(mcpPolicy).includes(
                `<set-header name="${forwardedCallerHeader}" exists-action="override">`,
            ),
        );
        assert.match(String(mcpPolicy), /<rate-limit-by-key calls="300" renewal-period="60"/);
    });

    it("builds the image from the Node host bundle and pushes it to the registry with an Entra-derived token", () => {
        const image = v.one("docker-build:index:Image").inputs;
        const loginServer = `${String(v.one("azure-native:containerregistry:Registry").inputs.registryName)}.azurecr.io`;
        assert.equal(image.push, true);
        assert.equal(image.buildOnPreview, false, "previews need no Docker");
        assert.deepEqual(image.platforms, ["linux/amd64"]);
        const [tag] = image.tags as string[];
        assert.ok(tag !== undefined, "the image has a tag");
        assert.match(tag, new RegExp(`^${loginServer.replace(/\./g, "\\.")}/mcp-tools:[0-9a-f]{16}$`));
        // A project-relative context that changes only with the code: the same inputs on every machine.
        assert.equal((image.context as Obj).location, "dist/aks-image");
        assert.equal((image.dockerfile as Obj).location, "dist/aks-image/Dockerfile");
        // The tag names the bundled server.js and the files it loads on first use, in the context, so
        // a code change (only) builds a new image.
        const dockerfile = readFileSync("dist/aks-image/Dockerfile", "utf8");
        const copied = /^COPY (.+) \.\/$/m.exec(dockerfile)?.[1]?.split(" ") ?? [];
        assert.deepEqual(copied.slice(0, 2), ["server.js", "azure-sdk.js"], "the image copies the bundle");
        const bundled = copied.map((f) =>
            readFileSync(path.join(String((image.context as Obj).location), f)),
        );
        const digest = createHash("sha256").update(Buffer.concat(bundled)).digest("hex");
        assert.ok(tag.endsWith(`:${digest.slice(0, 16)}`), tag);
        assert.match(dockerfile, /^CMD \["server\.js"\]$/m);
        const [registry] = image.registries as Obj[];
        assert.ok(registry, "the image names its registry");
        assert.equal(registry.address, loginServer);
        assert.equal(registry.username, "00000000-0000-0000-0000-000000000000");
        const credential = v.one("pulumi-nodejs:dynamic/agents-aks:AcrPushCredential").inputs;
        assert.equal(credential.loginServer, loginServer);
        assert.equal(plain(credential.armToken), "mock-arm-access-token");
        // The pods run the pushed image by digest.
        const pod = ((v.k8s("apps/v1:Deployment").spec as Obj).template as Obj).spec as Obj;
        const ref = String((pod.containers as Obj[])[0]?.image);
        assert.match(ref, new RegExp(`^${loginServer.replace(/\./g, "\\.")}/mcp-tools@sha256:[0-9a-f]{64}$`));
        assert.equal((prod.outputs.backend as Obj).image, ref);
    });

    it("applies the workload through ARM's run command: no Kubernetes provider, nothing that needs the private API server", () => {
        const types = prod.resources.map((r) => r.type);
        assert.deepEqual(
            types.filter((t) => t.startsWith("kubernetes:") || t === "pulumi:providers:kubernetes"),
            [],
        );
        const objects = v.one(clusterObjectsType).inputs;
        const cluster = v.one("azure-native:containerservice:ManagedCluster");
        assert.equal(objects.clusterId, mockId(cluster, "resourceName"));
        // The deployer's own tokens, held as secrets: ARM for the request, the AKS server app for kubectl.
        for (const key of ["armToken", "clusterToken"]) plain(objects[key], true);
        assert.equal(plain(objects.armToken), "mock-arm-access-token");
        assert.equal(plain(objects.clusterToken), "mock-token-for:6dae42f8-4368-4678-94ff-3960e28e3630");
        assert.deepEqual(objects.rollout, {
            namespace: "mcp-tools",
            deployment: "mcp-tools",
            timeoutSeconds: 600,
        });
        assert.deepEqual(
            (plain(objects.objects, true) as Obj[]).map(
                (o) => `${String(o.kind)}/${String((o.metadata as Obj).name)}`,
            ),
            [
                "Namespace/mcp-tools",
                "ServiceAccount/mcp-tools",
                "Secret/mcp-tools-telemetry",
                "NetworkPolicy/mcp-tools-default-deny",
                "NetworkPolicy/mcp-tools-gateway-only",
                "Deployment/mcp-tools",
                "Service/mcp-tools",
                "HorizontalPodAutoscaler/mcp-tools",
                "PodDisruptionBudget/mcp-tools",
            ],
        );
        // The gateway's backend points at the workload only once it has been applied.
        const backend = v.one("azure-native:apimanagement:Backend");
        assert.ok(dependencyGraph(prod.resources).waitsFor(backend, v.one(clusterObjectsType)));
        // No kubeconfig is read: kubelogin is not needed where prod deploys.
        assert.equal(prod.resources.filter((r) => JSON.stringify(r.inputs).includes("kubelogin")).length, 0);
    });

    it("fails the pack's AKS policies when the synthesized cluster is weakened", async () => {
        const weaken = (patch: (c: Obj) => void): RecordedResource[] =>
            prod.resources.map((r) => {
                if (r.type !== "azure-native:containerservice:ManagedCluster") return r;
                const inputs = JSON.parse(JSON.stringify(r.inputs)) as Obj;
                patch(inputs);
                return { ...r, inputs };
            });
        const clean = await evaluate(prod.resources);
        const aksPolicies = (vs: readonly { policy: string }[]) =>
            vs
                .filter((x) => x.policy.startsWith("aks-"))
                .map((x) => x.policy)
                .sort();
        assert.deepEqual(aksPolicies(clean.violations), []);
        const cases: [string[], (c: Obj) => void][] = [
            [["aks-local-accounts-disabled"], (c) => (c.disableLocalAccounts = false)],
            [
                // A public API server in production, and open to every source address.
                ["aks-private-api-server-in-production", "aks-public-api-server-restricted"],
                (c) => ((c.apiServerAccessProfile as Obj).enablePrivateCluster = false),
            ],
            [["aks-network-policy"], (c) => delete (c.networkProfile as Obj).networkPolicy],
            [["aks-workload-identity"], (c) => (c.oidcIssuerProfile = { enabled: false })],
            [["aks-entra-rbac"], (c) => delete c.aadProfile],
        ];
        for (const [policies, patch] of cases) {
            const result = await evaluate(weaken(patch));
            assert.deepEqual(aksPolicies(result.violations), policies, policies.join(", "));
            for (const policy of policies) {
                assert.equal(
                    result.violations.find((x) => x.policy === policy)?.enforcementLevel,
                    "mandatory",
                );
            }
        }
    });
});

describe("role propagation before first use, and the same objects by either delivery", function () {
    this.timeout(60_000);
    let prod: SynthResult;
    /** The prod stack with the objects applied by the Kubernetes provider (a runner on the VNet). */
    let viaApi: SynthResult;
    before(async () => {
        [prod, viaApi] = await Promise.all([
            synthesize(shippedStack("prod")),
            sharedSynthesis(sharedStacks.prodViaKubernetesApi),
        ]);
    });

    it("applies through run command exactly the objects the Kubernetes provider would", () => {
        const applied = plain(view(prod).one(clusterObjectsType).inputs.objects, true) as Obj[];
        const resources = viaApi.resources.filter((r) => r.type.startsWith("kubernetes:"));
        assert.equal(resources.length, applied.length);
        for (const r of resources) {
            const { apiVersion, kind, metadata } = r.inputs as {
                apiVersion: string;
                kind: string;
                metadata: Obj;
            };
            const same = applied.find(
                (o) =>
                    o.apiVersion === apiVersion &&
                    o.kind === kind &&
                    (o.metadata as Obj).name === metadata.name,
            );
            assert.ok(same, `${kind}/${String(metadata.name)} is applied through run command`);
            const fields = Object.keys(r.inputs).filter((k) => k !== "__provider");
            assert.deepEqual(
                Object.fromEntries(fields.map((k) => [k, same[k]])),
                Object.fromEntries(fields.map((k) => [k, plain(r.inputs[k])])),
                `${kind}/${String(metadata.name)}`,
            );
        }
        // That variant reaches the API server with an Entra (kubelogin) kubeconfig held as a secret.
        const provider = view(viaApi).one("pulumi:providers:kubernetes").inputs;
        const kubeconfig = parse(String(plain(provider.kubeconfig, true))) as {
            users: { user: { exec: Obj } }[];
        };
        assert.equal(kubeconfig.users[0]?.user.exec.command, "kubelogin");
        assert.equal(view(viaApi).ofType(clusterObjectsType).length, 0);
    });

    it("applies the first object only after the deployer's and the workload's roles are in effect", () => {
        for (const [stack, firstType] of [
            [prod, clusterObjectsType],
            [viaApi, "kubernetes:core/v1:Namespace"],
        ] as const) {
            const graph = dependencyGraph(stack.resources);
            const first = view(stack).one(firstType);
            const named = (suffix: string) => stack.resources.find((r) => r.name.endsWith(suffix))!;
            for (const needed of [
                "-rbac-propagation",
                "-workload-federation",
                "-snippets-owner",
                "-queue-contributor",
            ]) {
                assert.ok(graph.waitsFor(first, named(needed)), `${firstType} waits for ${needed}`);
            }
            // Every other object follows the namespace.
            for (const r of stack.resources.filter((x) => x.type.startsWith("kubernetes:") && x !== first))
                assert.ok(graph.waitsFor(r, first), r.name);
        }
    });

    it("waits for the deployer's cluster role and the kubelet's AcrPull, and for AcrPush before the push", () => {
        const waits = prod.resources.filter((r) => r.type.endsWith(":RolePropagation"));
        const byName = (suffix: string) => waits.find((w) => w.name.endsWith(suffix))!;
        const rbac = byName("-rbac-propagation");
        assert.equal(rbac.inputs.seconds, 300);
        const assignments = prod.resources.filter(
            (r) => r.type === "azure-native:authorization:RoleAssignment",
        );
        const idOf = (suffix: string) => {
            const a = assignments.find((r) => r.name.endsWith(suffix));
            assert.ok(a, suffix);
            return a.inputs;
        };
        assert.equal((rbac.inputs.assignmentIds as string[]).length, 2);
        assert.ok(idOf("-deployer-cluster-admin") && idOf("-kubelet-acr-pull"));
        assert.equal(byName("-acr-push-propagation").inputs.seconds, 60);

        // The cluster is created only after its identity's Network Contributor grants on both subnets.
        const graph = dependencyGraph(prod.resources);
        const cluster = prod.resources.find(
            (r) => r.type === "azure-native:containerservice:ManagedCluster",
        )!;
        const controlPlane = prod.resources.find((r) => r.name.endsWith("-control-plane-identity"))!;
        const principal = stableGuid("mock", controlPlane.type, controlPlane.name, "principal");
        const subnetGrants = assignments.filter(
            (a) => a.inputs.principalId === principal && roleOf(a) === roles.networkContributor,
        );
        assert.equal(subnetGrants.length, 2);
        const subnetWait = byName("-subnet-propagation");
        assert.ok(graph.waitsFor(cluster, subnetWait), "the cluster waits for propagation");
        for (const grant of subnetGrants) assert.ok(graph.waitsFor(subnetWait, grant), grant.name);
        assert.equal(subnetWait.inputs.seconds, 300);
    });

    it("waits again only when an assignment is new", () => {
        assert.equal(
            rolePropagationDiff(
                { assignmentIds: ["a", "b"], seconds: 300 },
                { assignmentIds: ["b", "a"], seconds: 300 },
            ).changes,
            false,
        );
        const diff = rolePropagationDiff(
            { assignmentIds: ["a", "b"], seconds: 300 },
            { assignmentIds: ["a", "c"], seconds: 300 },
        );
        assert.equal(diff.changes, true);
        assert.deepEqual(diff.replaces, ["assignmentIds"]);
    });
});

describe("how the workload reaches the cluster (aksWorkloadDelivery)", () => {
    it("accepts the two deliveries and rejects anything else by name", () => {
        for (const delivery of ["kubernetesApi", "runCommand"]) {
            const parsed = parseStackConfig(devConfigWith({ aksWorkloadDelivery: delivery }), {
                stack: "dev",
                today,
            });
            assert.ok(parsed.ok && parsed.config.aks.workloadDelivery === delivery, delivery);
        }
        const parsed = parseStackConfig(devConfigWith({ aksWorkloadDelivery: "ssh" }), {
            stack: "dev",
            today,
        });
        assert.ok(!parsed.ok);
        assert.deepEqual(parsed.errors, [
            'agents-control-plane:aksWorkloadDelivery: must be "kubernetesApi" or "runCommand" (got "ssh")',
        ]);
    });
});

describe("AKS backend variants", function () {
    this.timeout(60_000);

    it("uses an image from the team's pipeline as given, building and pushing nothing", async () => {
        const ref = `contoso.azurecr.io/mcp/tools@sha256:${"b".repeat(64)}`;
        const result = await synthesize(shippedStack("prod", { aksImage: ref }));
        const v = view(result);
        assert.equal(v.ofType("docker-build:index:Image").length, 0);
        assert.equal(v.ofType("pulumi-nodejs:dynamic/agents-aks:AcrPushCredential").length, 0);
        assert.ok(
            !v.ofType("azure-native:authorization:RoleAssignment").some((r) => roleOf(r) === roles.acrPush),
        );
        const pod = ((v.k8s("apps/v1:Deployment").spec as Obj).template as Obj).spec as Obj;
        assert.equal((pod.containers as Obj[])[0]?.image, ref);
    });

    it("runs a dev cluster with a public API server limited to authorized ranges, behind an injected Developer gateway", async () => {
        const result = await synthesize(
            shippedStack("dev", {
                backend: "aks",
                apimSku: "Developer",
                aksAuthorizedIpRanges: JSON.stringify(["203.0.113.0/24"]),
            }),
        );
        const v = view(result);
        const api = v.one("azure-native:containerservice:ManagedCluster").inputs
            .apiServerAccessProfile as Obj;
        assert.deepEqual(api, { enablePrivateCluster: false, authorizedIPRanges: ["203.0.113.0/24"] });
        const apim = v.one("azure-native:apimanagement:ApiManagementService").inputs;
        assert.equal(apim.virtualNetworkType, "External");
        const vnet = v.one("azure-native:network:VirtualNetwork").inputs;
        const apimSubnet = (vnet.subnets as Obj[]).find((s) => s.name === "apim")!;
        assert.deepEqual(apimSubnet.delegations, [], "injection subnets are not delegated");
        const rules = v.one("azure-native:network:NetworkSecurityGroup", "-apim-nsg").inputs
            .securityRules as Obj[];
        const management = rules.find((r) => r.name === "allow-apim-management")!;
        assert.equal(management.sourceAddressPrefix, "ApiManagement");
        assert.equal(management.destinationPortRange, "3443");
        assert.equal(management.destinationAddressPrefix, "VirtualNetwork");
        assert.equal(v.one("azure-native:apimanagement:Backend").inputs.url, "http://10.40.5.10:80");
        // The dev backend is still the only one: no function app alongside.
        assert.equal(v.ofType("azure-native:web:WebApp").length, 0);
    });

    it("rejects AKS behind BasicV2 before any resource exists, saying why", async () => {
        const error = await synthesize(
            shippedStack("dev", { backend: "aks", aksPrivateCluster: "true" }),
        ).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof SynthError, String(error));
        assert.match(error.message, /^Invalid stack configuration \(1 problem\):/);
        assert.ok(
            error.message.includes(
                "agents-control-plane:apimSku: BasicV2 cannot reach the AKS backend: it has no virtual network integration",
            ),
            error.message,
        );
        assert.deepEqual(error.resources, []);
    });
});
