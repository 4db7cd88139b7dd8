/**
 * Key Vault policies: vaults authorize with Azure RBAC, keep deleted secrets recoverable (soft
 * delete with purge protection), deny network access by default and, in production, have no
 * public network access at all, and send their audit logs to the workspace; secret APIM named
 * values are Key Vault references rather than values stored in APIM.
 */
import * as apim from "@pulumi/azure-native/apimanagement";
import * as keyvault from "@pulumi/azure-native/keyvault";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ProductionSettings, defaultProduction, environmentOf, productionSchema, settings } from "./config";
import { refersTo } from "./lib/stack";
import { sendsToWorkspace } from "./observability";

const vaultType = "azure-native:keyvault:Vault";

export const keyVaultRbacAuthorization: ResourceValidationPolicy = {
    name: "keyvault-rbac-authorization",
    description: "Key Vaults authorize data access with Azure RBAC, not access policies.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, report) => {
        const props = vault.properties;
        if (props.enableRbacAuthorization !== true) {
            report(
                "Set properties.enableRbacAuthorization: true and grant readers Key Vault Secrets User on the secrets they read " +
                    "(access policies are vault-wide and the provider's default is false).",
            );
        }
        if ((props.accessPolicies ?? []).length > 0) {
            report(
                "Remove properties.accessPolicies: with RBAC authorization they are ignored and only mislead readers.",
            );
        }
    }),
};

export const keyVaultRecoverable: ResourceValidationPolicy = {
    name: "keyvault-soft-delete-purge-protection",
    description: "Deleted vaults and secrets stay recoverable: soft delete on, purge protection on.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(keyvault.Vault, (vault, _args, report) => {
        const props = vault.properties;
        if (props.enableSoftDelete === false) {
            report(
                "Leave soft delete on (enableSoftDelete: true); Azure no longer creates vaults without it.",
            );
        }
        if (props.enablePurgeProtection !== true) {
            report(
                "Set properties.enablePurgeProtection: true so nobody can purge a deleted secret before its retention " +
                    "ends (it cannot be turned off again, and the vault name stays taken for the retention period).",
            );
        }
    }),
};

export const keyVaultNetworkRestricted: ResourceValidationPolicy = {
    name: "keyvault-network-restricted",
    description:
        "Key Vault firewalls deny by default (trusted Azure services such as API Management pass the bypass); " +
        "production vaults also have public network access disabled.",
    enforcementLevel: "mandatory",
    configSchema: productionSchema,
    validateResource: validateResourceOfType(keyvault.Vault, (vault, args, report) => {
        const props = vault.properties;
        const acls = props.networkAcls;
        if (acls?.defaultAction !== "Deny") {
            report(
                'Set properties.networkAcls.defaultAction: "Deny" (with bypass: "AzureServices" for API Management\'s ' +
                    `trusted-service access); found ${acls?.defaultAction ?? "no network rules"}.`,
            );
        }
        const { productionEnvironments } = settings<ProductionSettings>(args, defaultProduction);
        const env = environmentOf(vault, args.urn);
        if (productionEnvironments.includes(env) && props.publicNetworkAccess?.toLowerCase() !== "disabled") {
            report(
                `Set properties.publicNetworkAccess: "Disabled" for the ${env} vault; readers in the VNet use its private ` +
                    "endpoint, API Management its trusted-service access, deployments Azure Resource Manager.",
            );
        }
    }),
};

export const keyVaultDiagnostics: StackValidationPolicy = {
    name: "keyvault-diagnostics",
    description: "Every Key Vault sends its audit logs to the Log Analytics workspace.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const vaults = args.resources.filter((r) => r.type === vaultType);
        if (vaults.length === 0) return args.notApplicable("the stack has no Key Vault");
        const settingsList = args.resources.filter(
            (r) => r.type === "azure-native:monitor:DiagnosticSetting",
        );
        const workspaces = args.resources.filter(
            (r) => r.type === "azure-native:operationalinsights:Workspace",
        );
        for (const vault of vaults) {
            const attached = settingsList.filter((s) => refersTo(s, "resourceUri", vault));
            if (!attached.some((s) => sendsToWorkspace(s, workspaces))) {
                report(
                    `Key Vault "${vault.name}" sends no audit logs to the Log Analytics workspace; add a monitor.DiagnosticSetting ` +
                        'with resourceUri set to its id, workspaceId set to the workspace and logs: [{ categoryGroup: "allLogs", enabled: true }].',
                    vault.urn,
                );
            }
        }
    },
};

/** A Key Vault secret URI with a version segment: APIM would never pick up a rotated value. */
const versionedSecretUri = /\/secrets\/[^/]+\/[0-9a-f]{32}\/?$/i;

export const apimSecretNamedValueFromKeyVault: ResourceValidationPolicy = {
    name: "apim-secret-named-value-key-vault",
    description:
        "Secret named values are Key Vault references (versionless, read with the gateway's identity), never a value stored in APIM.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(apim.NamedValue, (nv, args, report) => {
        if (nv.secret !== true) return args.notApplicable("not a secret named value");
        const name = nv.displayName;
        const identifier = nv.keyVault?.secretIdentifier;
        if (identifier === undefined || identifier === "") {
            report(
                `Secret named value "${name}" holds its value in APIM; store it in Key Vault and set keyVault.secretIdentifier ` +
                    "to the secret's versionless URI (the gateway identity needs Key Vault Secrets User on it).",
            );
            return;
        }
        if (nv.value !== undefined && nv.value !== "") {
            report(
                `Secret named value "${name}" sets both a value and a Key Vault reference; remove the value.`,
            );
        }
        if (versionedSecretUri.test(identifier)) {
            report(
                `Secret named value "${name}" refers to one version of its secret; use the versionless URI so a rotated ` +
                    "secret reaches the gateway.",
            );
        }
    }),
};

export const keyVaultResourcePolicies: ResourceValidationPolicy[] = [
    keyVaultRbacAuthorization,
    keyVaultRecoverable,
    keyVaultNetworkRestricted,
    apimSecretNamedValueFromKeyVault,
];
export const keyVaultStackPolicies: StackValidationPolicy[] = [keyVaultDiagnostics];
