import { PolicyCase } from "../harness";
import { compliantStack, resource, withChange } from "../fixtures";

const change = (name: string, edit: (inputs: Record<string, unknown>) => void) =>
    withChange(compliantStack(), name, edit);

/** The dev cluster as the prod stack would declare it. */
const prodCluster = (edit: (inputs: Record<string, unknown>) => void = () => undefined) => {
    const dev = compliantStack().find((r) => r.name === "aks-cluster")!;
    const inputs = structuredClone(dev.inputs) as Record<string, unknown>;
    inputs.tags = { environment: "prod", project: "agents-control-plane" };
    edit(inputs);
    return [resource(dev.type, "aks-cluster", inputs, "prod")];
};

export const dataComputeCases: PolicyCase[] = [
    { policy: "storage-no-shared-keys", title: "a keyless account", resources: compliantStack },
    {
        policy: "storage-no-shared-keys",
        title: "shared keys left on",
        resources: () => change("backend-storage", (i) => (i.allowSharedKeyAccess = true)),
        message: /Set allowSharedKeyAccess: false; give workloads a managed identity/,
    },
    {
        policy: "storage-no-shared-keys",
        title: "shared keys left at the Azure default",
        resources: () => change("backend-storage", (i) => delete i.allowSharedKeyAccess),
        message: /Set allowSharedKeyAccess: false/,
    },

    {
        policy: "storage-no-public-blob-access",
        title: "private account and container",
        resources: compliantStack,
    },
    {
        policy: "storage-no-public-blob-access",
        title: "public blob access allowed on the account",
        resources: () => change("backend-storage", (i) => (i.allowBlobPublicAccess = true)),
        message: /Set allowBlobPublicAccess: false on the storage account/,
    },
    {
        policy: "storage-no-public-blob-access",
        title: "an anonymously readable container",
        resources: () => change("backend-snippets", (i) => (i.publicAccess = "Blob")),
        message: /Set publicAccess: "None" on the container \(found "Blob"\)/,
    },

    { policy: "storage-tls12-https-only", title: "TLS 1.2 and HTTPS only", resources: compliantStack },
    {
        policy: "storage-tls12-https-only",
        title: "TLS 1.0 allowed",
        resources: () => change("backend-storage", (i) => (i.minimumTlsVersion = "TLS1_0")),
        message: /Set minimumTlsVersion: "TLS1_2" \(found TLS1_0\)/,
    },
    {
        policy: "storage-tls12-https-only",
        title: "plain HTTP allowed",
        resources: () => change("backend-storage", (i) => (i.enableHttpsTrafficOnly = false)),
        message: /Set enableHttpsTrafficOnly: true/,
    },

    { policy: "functionapp-https-only", title: "an HTTPS-only function app", resources: compliantStack },
    {
        policy: "functionapp-https-only",
        title: "HTTP allowed",
        resources: () => change("backend-func", (i) => (i.httpsOnly = false)),
        message: /Set httpsOnly: true on the function app/,
    },

    { policy: "functionapp-managed-identity", title: "a user-assigned identity", resources: compliantStack },
    {
        policy: "functionapp-managed-identity",
        title: "no identity",
        resources: () => change("backend-func", (i) => (i.identity = { type: "None" })),
        message: /Give the function app a managed identity/,
    },

    { policy: "app-settings-no-secrets", title: "identity-based connections", resources: compliantStack },
    {
        policy: "app-settings-no-secrets",
        title: "a Key Vault reference for a secret setting",
        resources: () =>
            change("backend-settings", (i) => {
                (i.properties as Record<string, string>).PARTNER_API_KEY =
                    "@Microsoft.KeyVault(SecretUri=https://kv-agents-dev.vault.azure.net/secrets/partner-api-key)";
            }),
    },
    {
        policy: "app-settings-no-secrets",
        title: "a storage connection string with the account key",
        resources: () =>
            change("backend-settings", (i) => {
                (i.properties as Record<string, string>).AzureWebJobsStorage =
                    "DefaultEndpointsProtocol=https;AccountName=stagentsdev01;AccountKey=bXlrZXk=;EndpointSuffix=core.windows.net";
            }),
        message:
            /App setting "AzureWebJobsStorage" contains credential material; use an identity-based connection/,
    },
    {
        policy: "app-settings-no-secrets",
        title: "a client secret in plain text",
        resources: () =>
            change(
                "backend-settings",
                (i) =>
                    ((i.properties as Record<string, string>).MICROSOFT_PROVIDER_AUTHENTICATION_SECRET =
                        "s3cr3t-v4lue"),
            ),
        message: /App setting "MICROSOFT_PROVIDER_AUTHENTICATION_SECRET" looks like a credential/,
    },
    {
        policy: "app-settings-no-secrets",
        title: "a secret in the site's own app settings",
        resources: () =>
            change(
                "backend-func",
                (i) => (i.siteConfig = { appSettings: [{ name: "MCP_EXTENSION_KEY", value: "abc123" }] }),
            ),
        message: /App setting "MCP_EXTENSION_KEY" looks like a credential/,
    },

    { policy: "aks-entra-rbac", title: "Entra-integrated RBAC", resources: compliantStack },
    {
        policy: "aks-entra-rbac",
        title: "a cluster without Entra integration",
        resources: () => change("aks-cluster", (i) => delete i.aadProfile),
        message: /Set aadProfile: \{ managed: true, enableAzureRBAC: true \}/,
    },
    {
        policy: "aks-entra-rbac",
        title: "RBAC off",
        resources: () => change("aks-cluster", (i) => (i.enableRBAC = false)),
        message: /Set enableRBAC: true/,
    },

    { policy: "aks-local-accounts-disabled", title: "no local accounts", resources: compliantStack },
    {
        policy: "aks-local-accounts-disabled",
        title: "local accounts left on",
        resources: () => change("aks-cluster", (i) => (i.disableLocalAccounts = false)),
        message: /Set disableLocalAccounts: true/,
    },

    {
        policy: "aks-workload-identity",
        title: "OIDC issuer and workload identity",
        resources: compliantStack,
    },
    {
        policy: "aks-workload-identity",
        title: "no OIDC issuer",
        resources: () => change("aks-cluster", (i) => (i.oidcIssuerProfile = { enabled: false })),
        message: /Set oidcIssuerProfile: \{ enabled: true \}/,
    },
    {
        policy: "aks-workload-identity",
        title: "workload identity off",
        resources: () => change("aks-cluster", (i) => delete i.securityProfile),
        message: /Set securityProfile: \{ workloadIdentity: \{ enabled: true \} \}/,
    },

    { policy: "aks-network-policy", title: "Cilium network policy", resources: compliantStack },
    {
        policy: "aks-network-policy",
        title: "no network policy engine",
        resources: () =>
            change(
                "aks-cluster",
                (i) => (i.networkProfile = { networkPlugin: "azure", networkPolicy: "none" }),
            ),
        message: /Set networkProfile.networkPolicy to "azure", "calico" or "cilium" \(found none\)/,
    },

    {
        policy: "aks-private-api-server-in-production",
        title: "a private prod cluster",
        resources: () => prodCluster(),
    },
    {
        policy: "aks-private-api-server-in-production",
        title: "a public API server in prod",
        resources: () =>
            prodCluster(
                (i) =>
                    (i.apiServerAccessProfile = {
                        enablePrivateCluster: false,
                        authorizedIPRanges: ["203.0.113.0/24"],
                    }),
            ),
        message: /Set apiServerAccessProfile.enablePrivateCluster: true for the prod cluster/,
    },
    {
        policy: "aks-private-api-server-in-production",
        title: "a public API server in an environment configured as production",
        resources: () => change("aks-cluster", (i) => delete i.apiServerAccessProfile),
        config: { "aks-private-api-server-in-production": { productionEnvironments: ["dev"] } },
        message: /enablePrivateCluster: true for the dev cluster/,
    },

    { policy: "k8s-service-internal-only", title: "an internal load balancer", resources: compliantStack },
    {
        policy: "k8s-service-internal-only",
        title: "a public load balancer in front of the tool pods",
        resources: () =>
            change("aks-workload-service", (i) => ((i.metadata as { annotations: object }).annotations = {})),
        message:
            /Annotate Service mcp-tools with service.beta.kubernetes.io\/azure-load-balancer-internal: "true"/,
    },
    {
        policy: "k8s-service-internal-only",
        title: "a public load balancer among the objects applied through AKS run command",
        resources: () => {
            const stack = compliantStack();
            const service = structuredClone(stack.find((r) => r.name === "aks-workload-service")!.inputs);
            (service.metadata as { annotations: object }).annotations = {};
            const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "mcp-tools" } };
            return [
                ...stack.filter((r) => r.name !== "aks-workload-service"),
                resource("pulumi-nodejs:dynamic/agents-aks:ClusterObjects", "aks-workload-objects", {
                    objects: [namespace, service],
                }),
            ];
        },
        message:
            /Annotate Service mcp-tools with service.beta.kubernetes.io\/azure-load-balancer-internal: "true"/,
    },

    {
        policy: "acr-admin-user-disabled",
        title: "a registry without the admin user",
        resources: compliantStack,
    },
    {
        policy: "acr-admin-user-disabled",
        title: "the admin user turned on",
        resources: () => change("aks-registry", (i) => (i.adminUserEnabled = true)),
        message:
            /Set adminUserEnabled: false; grant AcrPull to the nodes and AcrPush to the deployer instead/,
    },

    {
        policy: "aks-public-api-server-restricted",
        title: "a public API server limited to a runner range",
        resources: () =>
            change(
                "aks-cluster",
                (i) =>
                    (i.apiServerAccessProfile = {
                        enablePrivateCluster: false,
                        authorizedIPRanges: ["203.0.113.0/24"],
                    }),
            ),
    },
    {
        policy: "aks-public-api-server-restricted",
        title: "a public API server open to everyone",
        resources: () =>
            change("aks-cluster", (i) => (i.apiServerAccessProfile = { enablePrivateCluster: false })),
        message: /Set apiServerAccessProfile.authorizedIPRanges to your runners' egress ranges/,
    },
    {
        policy: "aks-public-api-server-restricted",
        title: "a public API server 'restricted' to 0.0.0.0/0",
        resources: () =>
            change(
                "aks-cluster",
                (i) =>
                    (i.apiServerAccessProfile = {
                        enablePrivateCluster: false,
                        authorizedIPRanges: ["0.0.0.0/0"],
                    }),
            ),
        message: /authorizedIPRanges 0.0.0.0\/0 admit most of the internet/,
    },
];
