/**
 * Data and compute policies: storage reached only with Entra identities over TLS 1.2+, function
 * apps on HTTPS with managed identity and no credentials in settings, and AKS clusters with
 * Entra RBAC, no local accounts, workload identity, network policy and, in production, a private
 * API server.
 */
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as storage from "@pulumi/azure-native/storage";
import * as web from "@pulumi/azure-native/web";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import {
    AppSettingsSettings,
    ProductionSettings,
    appSettingsSchema,
    defaultAppSettings,
    defaultProduction,
    environmentOf,
    productionSchema,
    settings,
} from "./config";
import { isKeyVaultReference, looksLikeSecretName, looksLikeSecretValue } from "./lib/secrets";

export const storageNoSharedKeys: ResourceValidationPolicy = {
    name: "storage-no-shared-keys",
    description: "Storage accounts accept Entra identities only (no account keys or SAS signed with them).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (sa.allowSharedKeyAccess !== false) {
            report(
                "Set allowSharedKeyAccess: false; give workloads a managed identity and a data-plane role instead.",
            );
        }
    }),
};

export const storageNoPublicBlobAccess: ResourceValidationPolicy = {
    name: "storage-no-public-blob-access",
    description: "No blob is readable anonymously.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const account = args.asType(storage.StorageAccount);
        const container = args.asType(storage.BlobContainer);
        if (account !== undefined) {
            if (account.allowBlobPublicAccess !== false) {
                report("Set allowBlobPublicAccess: false on the storage account.");
            }
        } else if (container !== undefined) {
            if (container.publicAccess !== undefined && container.publicAccess !== "None") {
                report(`Set publicAccess: "None" on the container (found "${container.publicAccess}").`);
            }
        } else {
            return args.notApplicable("not a storage account or blob container");
        }
    },
};

export const storageTls12HttpsOnly: ResourceValidationPolicy = {
    name: "storage-tls12-https-only",
    description: "Storage accounts require HTTPS and TLS 1.2 or later.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(storage.StorageAccount, (sa, _args, report) => {
        if (sa.minimumTlsVersion !== "TLS1_2" && sa.minimumTlsVersion !== "TLS1_3") {
            report(`Set minimumTlsVersion: "TLS1_2" (found ${sa.minimumTlsVersion ?? "unset"}).`);
        }
        if (sa.enableHttpsTrafficOnly === false) {
            report("Set enableHttpsTrafficOnly: true; plain HTTP exposes data and tokens in transit.");
        }
    }),
};

function isFunctionApp(kind: string | undefined): boolean {
    return (kind ?? "").toLowerCase().split(",").includes("functionapp");
}

export const functionAppHttpsOnly: ResourceValidationPolicy = {
    name: "functionapp-https-only",
    description: "Function apps redirect HTTP to HTTPS.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(web.WebApp, (site, args, report) => {
        if (!isFunctionApp(site.kind)) {
            return args.notApplicable("not a function app");
        }
        if (site.httpsOnly !== true) {
            report("Set httpsOnly: true on the function app.");
        }
    }),
};

export const functionAppManagedIdentity: ResourceValidationPolicy = {
    name: "functionapp-managed-identity",
    description:
        "Function apps run with a managed identity, so they reach storage and monitoring without secrets.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(web.WebApp, (site, args, report) => {
        if (!isFunctionApp(site.kind)) {
            return args.notApplicable("not a function app");
        }
        if (!/assigned/i.test(site.identity?.type ?? "None")) {
            report(
                'Give the function app a managed identity: identity: { type: "UserAssigned", userAssignedIdentities: [...] }.',
            );
        }
    }),
};

/** Identity-based connection settings (`<connection>__credential` and friends) hold no secret. */
const identityConnectionSuffix =
    /__(accountName|credential|clientId|serviceUri|blobServiceUri|queueServiceUri|tableServiceUri|fullyQualifiedNamespace)$/i;

/** The problem with one setting, or undefined when it holds no credential. */
export function settingProblem(
    name: string,
    value: string,
    allowedNames: readonly string[],
): string | undefined {
    if (value === "" || isKeyVaultReference(value)) {
        return undefined;
    }
    if (looksLikeSecretValue(value)) {
        return `setting "${name}" contains credential material`;
    }
    if (!allowedNames.includes(name) && !identityConnectionSuffix.test(name) && looksLikeSecretName(name)) {
        return `setting "${name}" looks like a credential`;
    }
    return undefined;
}

export const appSettingsNoSecrets: ResourceValidationPolicy = {
    name: "app-settings-no-secrets",
    description:
        "App settings and connection strings hold no credentials: use identity-based connections or Key Vault references.",
    enforcementLevel: "mandatory",
    configSchema: appSettingsSchema,
    validateResource: (args, report) => {
        const { allowedSettingNames } = settings<AppSettingsSettings>(args, defaultAppSettings);
        const site = args.asType(web.WebApp);
        const appSettings = args.asType(web.WebAppApplicationSettings);
        let pairs: [string, string][];
        if (site !== undefined) {
            pairs = [
                ...(site.siteConfig?.appSettings ?? []).map((s): [string, string] => [
                    s.name ?? "",
                    s.value ?? "",
                ]),
                ...(site.siteConfig?.connectionStrings ?? []).map((c): [string, string] => [
                    c.name ?? "",
                    c.connectionString ?? "",
                ]),
            ];
        } else if (appSettings !== undefined) {
            pairs = Object.entries(appSettings.properties ?? {});
        } else {
            return args.notApplicable("not a web app or its settings");
        }
        for (const [name, value] of pairs) {
            const problem = settingProblem(name, value, allowedSettingNames);
            if (problem !== undefined) {
                report(
                    `App ${problem}; use an identity-based connection (<name>__accountName / __credential / __clientId) ` +
                        "or a Key Vault reference (@Microsoft.KeyVault(SecretUri=...)).",
                );
            }
        }
    },
};

export const aksEntraRbac: ResourceValidationPolicy = {
    name: "aks-entra-rbac",
    description: "AKS clusters use Kubernetes RBAC integrated with Entra ID.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        if (mc.enableRBAC !== true) {
            report("Set enableRBAC: true.");
        }
        if (mc.aadProfile?.managed !== true) {
            report(
                "Set aadProfile: { managed: true, enableAzureRBAC: true } so cluster access is granted through Entra ID.",
            );
        }
    }),
};

export const aksLocalAccountsDisabled: ResourceValidationPolicy = {
    name: "aks-local-accounts-disabled",
    description: "AKS clusters have no local admin accounts (no static kubeconfig that bypasses Entra).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        if (mc.disableLocalAccounts !== true) {
            report("Set disableLocalAccounts: true; users and pipelines sign in with Entra ID (kubelogin).");
        }
    }),
};

export const aksWorkloadIdentity: ResourceValidationPolicy = {
    name: "aks-workload-identity",
    description:
        "AKS clusters publish an OIDC issuer and enable workload identity, so pods use federated identities.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        if (mc.oidcIssuerProfile?.enabled !== true) {
            report("Set oidcIssuerProfile: { enabled: true }.");
        }
        if (mc.securityProfile?.workloadIdentity?.enabled !== true) {
            report("Set securityProfile: { workloadIdentity: { enabled: true } }.");
        }
    }),
};

const networkPolicyEngines = new Set(["azure", "calico", "cilium"]);

export const aksNetworkPolicy: ResourceValidationPolicy = {
    name: "aks-network-policy",
    description: "AKS clusters run a network policy engine, so NetworkPolicy objects are enforced.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, _args, report) => {
        const engine = mc.networkProfile?.networkPolicy;
        if (engine === undefined || !networkPolicyEngines.has(engine.toLowerCase())) {
            report(
                `Set networkProfile.networkPolicy to "azure", "calico" or "cilium" (found ${engine ?? "unset"}).`,
            );
        }
    }),
};

export const aksPrivateApiServerInProduction: ResourceValidationPolicy = {
    name: "aks-private-api-server-in-production",
    description: "Production AKS clusters have no public API server endpoint.",
    enforcementLevel: "mandatory",
    configSchema: productionSchema,
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, args, report) => {
        const { productionEnvironments } = settings<ProductionSettings>(args, defaultProduction);
        const env = environmentOf(mc, args.urn);
        if (!productionEnvironments.includes(env)) {
            return args.notApplicable(`environment "${env}" is not production`);
        }
        if (mc.apiServerAccessProfile?.enablePrivateCluster !== true) {
            report(
                `Set apiServerAccessProfile.enablePrivateCluster: true for the ${env} cluster; ` +
                    "run deployments from a runner on the VNet.",
            );
        }
    }),
};

export const aksPublicApiServerRestricted: ResourceValidationPolicy = {
    name: "aks-public-api-server-restricted",
    description:
        "A cluster with a public API server admits only listed source ranges, never the whole internet.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(containerservice.ManagedCluster, (mc, args, report) => {
        const access = mc.apiServerAccessProfile;
        if (access?.enablePrivateCluster === true) {
            return args.notApplicable("the API server is private");
        }
        const ranges = access?.authorizedIPRanges ?? [];
        if (ranges.length === 0) {
            report(
                "Set apiServerAccessProfile.authorizedIPRanges to your runners' egress ranges, or enablePrivateCluster: true.",
            );
            return;
        }
        const open = ranges.filter((r) => {
            const prefix = Number(r.split("/")[1] ?? 32);
            return !Number.isFinite(prefix) || prefix < 8;
        });
        if (open.length > 0) {
            report(`authorizedIPRanges ${open.join(", ")} admit most of the internet; list narrow ranges.`);
        }
    }),
};

const internalLoadBalancerAnnotation = "service.beta.kubernetes.io/azure-load-balancer-internal";
/** Objects the program applies through AKS run command (components/aks/run-command/provider.ts). */
const clusterObjectsType = "pulumi-nodejs:dynamic/agents-aks:ClusterObjects";

interface ServiceProps {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; annotations?: Record<string, string> };
    spec?: { type?: string };
}

export const k8sServiceInternalOnly: ResourceValidationPolicy = {
    name: "k8s-service-internal-only",
    description:
        "Kubernetes LoadBalancer Services get an internal Azure load balancer: a public one would let callers skip the gateway.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        let services: ServiceProps[];
        if (args.type === "kubernetes:core/v1:Service") services = [args.props as ServiceProps];
        else if (args.type === clusterObjectsType) {
            // The same objects, applied through ARM instead of the Kubernetes provider.
            const objects = (args.props as { objects?: ServiceProps[] }).objects ?? [];
            services = objects.filter((o) => o.apiVersion === "v1" && o.kind === "Service");
        } else return args.notApplicable("not a Kubernetes Service");
        for (const service of services) {
            if (service.spec?.type !== "LoadBalancer") continue;
            if (service.metadata?.annotations?.[internalLoadBalancerAnnotation] !== "true") {
                report(
                    `Annotate Service ${service.metadata?.name ?? ""} with ${internalLoadBalancerAnnotation}: "true"; ` +
                        "tool backends are reached only through the gateway.",
                );
            }
        }
    },
};

export const acrAdminUserDisabled: ResourceValidationPolicy = {
    name: "acr-admin-user-disabled",
    description:
        "Container registries have the admin user off: pushes and pulls use Entra identities and roles.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(containerregistry.Registry, (registry, _args, report) => {
        if (registry.adminUserEnabled === true) {
            report(
                "Set adminUserEnabled: false; grant AcrPull to the nodes and AcrPush to the deployer instead.",
            );
        }
    }),
};

export const dataComputePolicies: ResourceValidationPolicy[] = [
    storageNoSharedKeys,
    storageNoPublicBlobAccess,
    storageTls12HttpsOnly,
    functionAppHttpsOnly,
    functionAppManagedIdentity,
    appSettingsNoSecrets,
    aksEntraRbac,
    aksLocalAccountsDisabled,
    aksWorkloadIdentity,
    aksNetworkPolicy,
    aksPrivateApiServerInProduction,
    aksPublicApiServerRestricted,
    k8sServiceInternalOnly,
    acrAdminUserDisabled,
];
