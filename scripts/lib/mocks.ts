/**
 * Mock provider behaviour for offline synthesis: plausible outputs for the resources whose outputs
 * the program reads (names, host names, identities, endpoints), and the handful of invokes the
 * program makes. Any other invoke throws, so a new provider call cannot slip through unnoticed.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { stableGuid } from "../../components/azure/ids";

export const mockTenantId = "11111111-2222-4333-8444-555555555555";
export const mockSubscriptionId = "66666666-7777-4888-9999-000000000000";
export const mockDeployerObjectId = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
/** The Functions MCP extension's system key as the mocked read returns it. */
export const mockMcpExtensionKey = "mock-mcp-extension-system-key";

/** Input that names each azure-native resource type (its `name` output). */
const nameInputs: Record<string, string> = {
    "azure-native:resources:ResourceGroup": "resourceGroupName",
    "azure-native:apimanagement:ApiManagementService": "serviceName",
    "azure-native:apimanagement:Api": "apiId",
    "azure-native:apimanagement:ApiOperation": "operationId",
    "azure-native:apimanagement:NamedValue": "namedValueId",
    "azure-native:apimanagement:Backend": "backendId",
    "azure-native:apimanagement:Logger": "loggerId",
    "azure-native:apimanagement:Diagnostic": "diagnosticId",
    "azure-native:apimanagement:ApiPolicy": "policyId",
    "azure-native:apimanagement:ApiOperationPolicy": "policyId",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:storage:BlobContainer": "containerName",
    "azure-native:cognitiveservices:Account": "accountName",
    "azure-native:managedidentity:UserAssignedIdentity": "resourceName",
    "azure-native:applicationinsights:Component": "resourceName",
    "azure-native:applicationinsights:Workbook": "resourceName",
    "azure-native:operationalinsights:Workspace": "workspaceName",
    "azure-native:monitor:ActionGroup": "actionGroupName",
    "azure-native:monitor:ScheduledQueryRule": "ruleName",
    "azure-native:authorization:RoleAssignment": "roleAssignmentName",
    "azure-native:containerservice:ManagedCluster": "resourceName",
    "azure-native:containerregistry:Registry": "registryName",
    "azure-native:managedidentity:FederatedIdentityCredential": "federatedIdentityCredentialResourceName",
    "azure-native:network:VirtualNetwork": "virtualNetworkName",
    "azure-native:network:NetworkSecurityGroup": "networkSecurityGroupName",
    "azure-native:network:PrivateEndpoint": "privateEndpointName",
    "azure-native:network:PrivateDnsZoneGroup": "privateDnsZoneGroupName",
    "azure-native:privatedns:PrivateZone": "privateZoneName",
    "azure-native:privatedns:VirtualNetworkLink": "virtualNetworkLinkName",
    "azure-native:monitor:DataCollectionRule": "dataCollectionRuleName",
    "azure-native:cosmosdb:DatabaseAccount": "accountName",
    "azure-native:cosmosdb:SqlResourceSqlDatabase": "databaseName",
    "azure-native:cosmosdb:SqlResourceSqlContainer": "containerName",
    "azure-native:cosmosdb:SqlResourceSqlRoleAssignment": "roleAssignmentId",
    "azure-native:search:Service": "searchServiceName",
    "azure-native:monitor:DataCollectionRuleAssociation": "associationName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:keyvault:Secret": "secretName",
};

/** Kubeconfig a cluster with Entra ID integration returns in exec format (kubelogin). */
export function mockKubeconfig(clusterName: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        `- name: ${clusterName}`,
        "  cluster:",
        `    server: https://${clusterName}-dns.hcp.westeurope.azmk8s.io:443`,
        "    certificate-authority-data: bW9jaw==",
        "contexts:",
        `- name: ${clusterName}`,
        "  context:",
        `    cluster: ${clusterName}`,
        `    user: clusterUser_${clusterName}`,
        `current-context: ${clusterName}`,
        "users:",
        `- name: clusterUser_${clusterName}`,
        "  user:",
        "    exec:",
        "      apiVersion: client.authentication.k8s.io/v1beta1",
        "      command: kubelogin",
        "      args: [get-token, --login, devicecode, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630]",
        "",
    ].join("\n");
}

type State = Record<string, unknown>;

export function mockNewResource(args: pulumi.runtime.MockResourceArgs): {
    id: string | undefined;
    state: State;
} {
    const inputs = args.inputs as State;
    if (!args.custom) return { id: undefined, state: {} };
    const guid = (purpose: string) => stableGuid("mock", args.type, args.name, purpose);
    if (args.type.startsWith("azuread:")) {
        const objectId = guid("object");
        switch (args.type) {
            case "azuread:index/application:Application":
                return {
                    id: `/applications/${objectId}`,
                    state: { ...inputs, clientId: guid("client"), objectId },
                };
            case "azuread:index/servicePrincipal:ServicePrincipal":
                return { id: objectId, state: { ...inputs, objectId } };
            default:
                return { id: objectId, state: inputs };
        }
    }
    if (args.type.startsWith("azure-native:")) {
        const nameKey = nameInputs[args.type] ?? "name";
        const name = typeof inputs[nameKey] === "string" ? inputs[nameKey] : guid("name");
        const resourceGroup = typeof inputs.resourceGroupName === "string" ? inputs.resourceGroupName : name;
        const [, module, kind] = args.type.split(":");
        const id = `/subscriptions/${mockSubscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.${module}/${kind}/${name}`;
        const state: State = { ...inputs, name };
        switch (args.type) {
            case "azure-native:apimanagement:ApiManagementService":
                Object.assign(state, {
                    gatewayUrl: `https://${name}.azure-api.net`,
                    identity: {
                        ...(inputs.identity as State),
                        principalId: guid("principal"),
                        tenantId: mockTenantId,
                    },
                });
                break;
            case "azure-native:web:WebApp":
                Object.assign(state, {
                    defaultHostName: `${name}.azurewebsites.net`,
                    hostNameSslStates: [
                        { name: `${name}.azurewebsites.net`, hostType: "Standard" },
                        { name: `${name}.scm.azurewebsites.net`, hostType: "Repository" },
                    ],
                });
                break;
            case "azure-native:storage:StorageAccount":
                Object.assign(state, {
                    primaryEndpoints: {
                        blob: `https://${name}.blob.core.windows.net/`,
                        queue: `https://${name}.queue.core.windows.net/`,
                    },
                });
                break;
            case "azure-native:managedidentity:UserAssignedIdentity":
                Object.assign(state, {
                    principalId: guid("principal"),
                    clientId: guid("client"),
                    tenantId: mockTenantId,
                });
                break;
            case "azure-native:applicationinsights:Component":
                Object.assign(state, {
                    connectionString: `InstrumentationKey=${guid("ikey")};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/`,
                    instrumentationKey: guid("ikey"),
                });
                break;
            case "azure-native:operationalinsights:Workspace":
                Object.assign(state, { customerId: guid("customer") });
                break;
            case "azure-native:containerservice:ManagedCluster":
                Object.assign(state, {
                    oidcIssuerProfile: {
                        ...(inputs.oidcIssuerProfile as State),
                        issuerURL: `https://westeurope.oic.prod-aks.azure.com/${mockTenantId}/${guid("issuer")}/`,
                    },
                    identityProfile: {
                        kubeletidentity: {
                            objectId: guid("kubelet-object"),
                            clientId: guid("kubelet-client"),
                            resourceId: `${id}-agentpool`,
                        },
                    },
                    fqdn: `${name}-dns.hcp.westeurope.azmk8s.io`,
                });
                break;
            case "azure-native:containerregistry:Registry":
                Object.assign(state, { loginServer: `${name}.azurecr.io` });
                break;
            case "azure-native:cosmosdb:DatabaseAccount":
                Object.assign(state, { documentEndpoint: `https://${name}.documents.azure.com:443/` });
                break;
            case "azure-native:keyvault:Vault":
                Object.assign(state, {
                    properties: {
                        ...(inputs.properties as State),
                        vaultUri: `https://${name}.vault.azure.net/`,
                    },
                });
                break;
            case "azure-native:keyvault:Secret": {
                // What ARM reports: the versionless and versioned URIs, never the value.
                const uri = `https://${String(inputs.vaultName)}.vault.azure.net/secrets/${name}`;
                Object.assign(state, {
                    properties: {
                        contentType: (inputs.properties as State).contentType,
                        secretUri: uri,
                        secretUriWithVersion: `${uri}/${guid("version").replace(/-/g, "")}`,
                    },
                });
                break;
            }
        }
        return { id, state };
    }
    if (args.type === "docker-build:index:Image") {
        // A pushed image reports its manifest digest.
        const digest = createHash("sha256")
            .update(JSON.stringify(inputs.tags ?? []))
            .digest("hex");
        return { id: guid("id"), state: { ...inputs, digest: `sha256:${digest}` } };
    }
    if (args.type === "pulumi-nodejs:dynamic/agents-functions:McpExtensionKey") {
        // What the key read stores: the key alone (the real provider reads it from ARM after OneDeploy).
        return { id: guid("id"), state: { ...inputs, key: mockMcpExtensionKey } };
    }
    // Dynamic resources (OneDeploy) and anything else: echo the inputs.
    return { id: guid("id"), state: inputs };
}

export function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    const inputs = args.inputs as State;
    switch (args.token) {
        case "azure-native:authorization:getClientConfig":
            return {
                clientId: "deployer-client-id",
                objectId: mockDeployerObjectId,
                subscriptionId: mockSubscriptionId,
                tenantId: mockTenantId,
            };
        case "azuread:index/getClientConfig:getClientConfig":
            return { clientId: "deployer-client-id", objectId: mockDeployerObjectId, tenantId: mockTenantId };
        case "azure-native:authorization:getClientToken":
            // A token for another audience (e.g. the AKS server app) names it, so tests can tell them apart.
            return {
                token:
                    typeof inputs.endpoint === "string" && inputs.endpoint
                        ? `mock-token-for:${inputs.endpoint}`
                        : "mock-arm-access-token",
            };
        case "azure-native:web:listWebAppHostKeys":
            return { functionKeys: {}, systemKeys: {} };
        case "azure-native:containerservice:listManagedClusterUserCredentials": {
            if (inputs.format !== "exec")
                throw new Error("the program asks for exec kubeconfigs (kubelogin)");
            const cluster = inputs.resourceName;
            if (typeof cluster !== "string")
                throw new Error("listManagedClusterUserCredentials needs a resourceName");
            return {
                kubeconfigs: [
                    { name: "clusterUser", value: Buffer.from(mockKubeconfig(cluster)).toString("base64") },
                ],
            };
        }
        default:
            throw new Error(
                `unmocked invoke ${args.token}: add it to scripts/lib/mocks.ts if the program really needs it`,
            );
    }
}
