import type { RecordedResource } from "../../../policypacks/control-plane/evaluate";
import { PolicyCase } from "../harness";
import { compliantStack, plus, resource, tags, withChange, without } from "../fixtures";

const rg = "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/resourceGroups/agents-dev-rg";
const vaultId = `${rg}/providers/Microsoft.KeyVault/vaults/agents-dev-kv-0a1b2c`;
const secretUri = "https://agents-dev-kv-0a1b2c.vault.azure.net/secrets/mcp-extension-key";

/** The control plane's vault, its diagnostic setting and a Key Vault-backed named value, as the program records them. */
function vaultResources(stack = "dev", environment = "dev"): RecordedResource[] {
    return [
        {
            ...resource(
                "azure-native:keyvault:Vault",
                "secrets-vault",
                {
                    resourceGroupName: "agents-dev-rg",
                    location: "westeurope",
                    vaultName: "agents-dev-kv-0a1b2c",
                    properties: {
                        tenantId: "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
                        sku: { family: "A", name: "standard" },
                        enableRbacAuthorization: true,
                        accessPolicies: [],
                        enableSoftDelete: true,
                        softDeleteRetentionInDays: 90,
                        enablePurgeProtection: true,
                        publicNetworkAccess: "Disabled",
                        networkAcls: { bypass: "AzureServices", defaultAction: "Deny" },
                    },
                    tags: { ...tags, environment },
                },
                stack,
            ),
            id: vaultId,
        },
        resource(
            "azure-native:monitor:DiagnosticSetting",
            "diag-vault",
            {
                name: "to-log-analytics",
                resourceUri: vaultId,
                workspaceId: `${rg}/providers/Microsoft.OperationalInsights/workspaces/log-agents-dev`,
                logAnalyticsDestinationType: "Dedicated",
                logs: [{ categoryGroup: "allLogs", enabled: true }],
                metrics: [{ category: "AllMetrics", enabled: true }],
            },
            stack,
        ),
        resource(
            "azure-native:apimanagement:NamedValue",
            "gateway-nv-mcp-extension-key",
            {
                resourceGroupName: "agents-dev-rg",
                serviceName: "apim-agents-dev",
                namedValueId: "mcp-extension-key",
                displayName: "mcp-extension-key",
                secret: true,
                keyVault: { secretIdentifier: secretUri },
            },
            stack,
        ),
    ];
}

const withVault = () => plus(compliantStack(), ...vaultResources());
const vaultChange = (edit: (properties: Record<string, unknown>) => void) =>
    withChange(withVault(), "secrets-vault", (i) => edit(i.properties as Record<string, unknown>));
const namedValueChange = (edit: (inputs: Record<string, unknown>) => void) =>
    withChange(withVault(), "gateway-nv-mcp-extension-key", edit);

export const keyVaultCases: PolicyCase[] = [
    { policy: "keyvault-rbac-authorization", title: "an RBAC vault", resources: withVault },
    {
        policy: "keyvault-rbac-authorization",
        title: "a vault on access policies (the provider's default)",
        resources: () => vaultChange((p) => delete p.enableRbacAuthorization),
        message: /Set properties\.enableRbacAuthorization: true/,
    },

    {
        policy: "keyvault-soft-delete-purge-protection",
        title: "soft delete and purge protection on",
        resources: withVault,
    },
    {
        policy: "keyvault-soft-delete-purge-protection",
        title: "purge protection off",
        resources: () => vaultChange((p) => (p.enablePurgeProtection = false)),
        message: /Set properties\.enablePurgeProtection: true/,
    },

    {
        policy: "keyvault-network-restricted",
        title: "a dev vault reachable from the public network behind a deny-by-default firewall",
        resources: () => vaultChange((p) => (p.publicNetworkAccess = "Enabled")),
    },
    {
        policy: "keyvault-network-restricted",
        title: "a firewall that allows by default",
        resources: () =>
            vaultChange((p) => (p.networkAcls = { bypass: "AzureServices", defaultAction: "Allow" })),
        message: /Set properties\.networkAcls\.defaultAction: "Deny" .*found Allow/,
    },
    {
        policy: "keyvault-network-restricted",
        title: "a production vault with public network access",
        resources: () =>
            withChange(plus(compliantStack(), ...vaultResources("prod", "prod")), "secrets-vault", (i) => {
                (i.properties as Record<string, unknown>).publicNetworkAccess = "Enabled";
            }),
        message: /Set properties\.publicNetworkAccess: "Disabled" for the prod vault/,
    },

    {
        policy: "keyvault-diagnostics",
        title: "a vault with audit logs to the workspace",
        resources: withVault,
    },
    {
        policy: "keyvault-diagnostics",
        title: "a vault without a diagnostic setting",
        resources: () => without(withVault(), "diag-vault"),
        message: /Key Vault "secrets-vault" sends no audit logs/,
    },

    {
        policy: "apim-secret-named-value-key-vault",
        title: "a Key Vault-backed secret named value",
        resources: withVault,
    },
    {
        policy: "apim-secret-named-value-key-vault",
        title: "a secret named value with an inline value",
        resources: () =>
            namedValueChange((i) => {
                delete i.keyVault;
                i.value = "a-system-key";
            }),
        message: /Secret named value "mcp-extension-key" holds its value in APIM/,
    },
    {
        policy: "apim-secret-named-value-key-vault",
        title: "a reference and a value at once",
        resources: () => namedValueChange((i) => (i.value = "a-system-key")),
        message: /sets both a value and a Key Vault reference/,
    },
];
