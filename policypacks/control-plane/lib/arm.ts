/** Azure Resource Manager ids and URLs, as they appear in resource inputs. */

export interface ArmId {
    /** Provider namespace and type path, e.g. `Microsoft.Storage/storageAccounts/blobServices`. */
    readonly resourceType: string;
    /** Name of the top-level resource (the first name after the provider namespace). */
    readonly topLevelName: string;
    /** Type of the top-level resource, e.g. `Microsoft.Storage/storageAccounts`. */
    readonly topLevelType: string;
}

/** Parses `/subscriptions/.../providers/<Namespace>/<type>/<name>[/<type>/<name>...]`. */
export function parseArmId(id: string): ArmId | undefined {
    const match = /\/providers\/([^/]+)\/(.+)$/i.exec(id);
    const namespace = match?.[1];
    const path = match?.[2];
    if (namespace === undefined || path === undefined) {
        return undefined;
    }
    const segments = path.split("/").filter((s) => s !== "");
    const [topLevelType, topLevelName] = segments;
    if (topLevelType === undefined || topLevelName === undefined) {
        return undefined;
    }
    const types = segments.filter((_, i) => i % 2 === 0);
    return {
        resourceType: `${namespace}/${types.join("/")}`,
        topLevelType: `${namespace}/${topLevelType}`,
        topLevelName,
    };
}

/** ARM type of the Pulumi resource types the stack-level policies relate to one another. */
export const armTypeOf: Readonly<Record<string, string>> = {
    "azure-native:apimanagement:ApiManagementService": "Microsoft.ApiManagement/service",
    "azure-native:storage:StorageAccount": "Microsoft.Storage/storageAccounts",
    "azure-native:keyvault:Vault": "Microsoft.KeyVault/vaults",
    "azure-native:web:WebApp": "Microsoft.Web/sites",
    "azure-native:containerservice:ManagedCluster": "Microsoft.ContainerService/managedClusters",
    "azure-native:operationalinsights:Workspace": "Microsoft.OperationalInsights/workspaces",
    "azure-native:cosmosdb:DatabaseAccount": "Microsoft.DocumentDB/databaseAccounts",
    "azure-native:search:Service": "Microsoft.Search/searchServices",
    "azure-native:cognitiveservices:Account": "Microsoft.CognitiveServices/accounts",
    "azure-native:applicationinsights:Component": "Microsoft.Insights/components",
};

/** Input that carries the ARM name of each resource type (when the program names it explicitly). */
export const armNameInput: Readonly<Record<string, string>> = {
    "azure-native:apimanagement:ApiManagementService": "serviceName",
    "azure-native:storage:StorageAccount": "accountName",
    "azure-native:keyvault:Vault": "vaultName",
    "azure-native:web:WebApp": "name",
    "azure-native:containerservice:ManagedCluster": "resourceName",
    "azure-native:operationalinsights:Workspace": "workspaceName",
    "azure-native:cosmosdb:DatabaseAccount": "accountName",
    "azure-native:search:Service": "searchServiceName",
    "azure-native:cognitiveservices:Account": "accountName",
    "azure-native:applicationinsights:Component": "resourceName",
    "azure-native:apimanagement:Api": "apiId",
    "azure-native:apimanagement:ApiOperation": "operationId",
};

/** Whether a URL's host is a private address or an in-cluster/internal name (traffic stays on the VNet). */
export function isPrivateHost(url: string): boolean {
    let host: string;
    try {
        host = new URL(url).hostname.toLowerCase();
    } catch {
        return false;
    }
    if (/\.(internal|local|svc)$/.test(host)) {
        return true;
    }
    const octets = host.split(".").map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
        return false;
    }
    const [a, b] = octets;
    return a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** Lower-cases and removes spaces, so `West Europe` and `westeurope` compare equal. */
export function normalizeRegion(location: string): string {
    return location.replace(/\s+/g, "").toLowerCase();
}

/**
 * Whether an id's top-level type denotes the Pulumi resource type: its ARM type, or the
 * `Microsoft.<module>/<Kind>` spelling of the Pulumi type token that ids recorded under the
 * mock runtime use.
 */
export function armTypeMatches(topLevelType: string, pulumiType: string): boolean {
    const actual = topLevelType.toLowerCase();
    const [, module, kind] = pulumiType.split(":");
    const spelled =
        module === undefined || kind === undefined ? undefined : `microsoft.${module}/${kind}`.toLowerCase();
    return actual === armTypeOf[pulumiType]?.toLowerCase() || actual === spelled;
}
