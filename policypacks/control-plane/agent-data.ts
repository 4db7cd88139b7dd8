/**
 * Agent memory (Cosmos DB) and knowledge (AI Search) policies: no keys on either service,
 * production copies unreachable from the internet with point-in-time restore for memory, and
 * role assignments on them limited to data-plane roles: nobody gets a role that can read account
 * keys, and workload identities get nothing beyond reading and writing data.
 */
import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as search from "@pulumi/azure-native/search";
import {
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { ProductionSettings, defaultProduction, environmentOf, productionSchema, settings } from "./config";
import { disablePublicAccess, openPublicAccess } from "./lib/network-access";
import { refersTo, stringPropOf } from "./lib/stack";

const cosmosAccountType = "azure-native:cosmosdb:DatabaseAccount";
const searchServiceType = "azure-native:search:Service";
const roleAssignmentType = "azure-native:authorization:RoleAssignment";

export const cosmosLocalAuthDisabled: ResourceValidationPolicy = {
    name: "cosmos-local-auth-disabled",
    description:
        "Cosmos DB accounts accept Entra identities only: no account keys for data, no key-based metadata writes.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(cosmosdb.DatabaseAccount, (account, _args, report) => {
        if (account.disableLocalAuth !== true)
            report(
                "Set disableLocalAuth: true; give workloads Cosmos DB's data-plane role (SqlResourceSqlRoleAssignment) instead of keys.",
            );
        if (account.disableKeyBasedMetadataWriteAccess !== true)
            report(
                "Set disableKeyBasedMetadataWriteAccess: true; databases and containers change only through Azure Resource Manager.",
            );
    }),
};

export const searchLocalAuthDisabled: ResourceValidationPolicy = {
    name: "search-local-auth-disabled",
    description: "AI Search services accept Entra identities and roles only (no API keys).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(search.Service, (service, _args, report) => {
        if (service.disableLocalAuth !== true)
            report(
                "Set disableLocalAuth: true; grant Search Index Data Reader (or Contributor) instead of handing out API keys.",
            );
        if (service.authOptions !== undefined)
            report("Remove authOptions: they admit API keys, and Azure rejects them with disableLocalAuth.");
    }),
};

export const dataPublicNetworkDisabledInProduction: ResourceValidationPolicy = {
    name: "data-public-network-disabled-in-production",
    description:
        "Production Cosmos DB accounts and AI Search services have no public network access: clients use private endpoints.",
    enforcementLevel: "mandatory",
    configSchema: productionSchema,
    validateResource: (args, report) => {
        const account = args.asType(cosmosdb.DatabaseAccount);
        const service = args.asType(search.Service);
        const target = account ?? service;
        if (target === undefined) return args.notApplicable("not a Cosmos DB account or AI Search service");
        const { productionEnvironments } = settings<ProductionSettings>(args, defaultProduction);
        const env = environmentOf(target, args.urn);
        if (!productionEnvironments.includes(env))
            return args.notApplicable(`environment "${env}" is not production`);
        const open = openPublicAccess(target.publicNetworkAccess);
        if (open !== undefined)
            report(
                `${disablePublicAccess("publicNetworkAccess", `${env} ${account ? "Cosmos DB account" : "AI Search service"}`, open)} ` +
                    "and reach it through a private endpoint in the backend's VNet.",
            );
    },
};

export const cosmosContinuousBackupInProduction: ResourceValidationPolicy = {
    name: "cosmos-continuous-backup-in-production",
    description:
        "Production Cosmos DB accounts keep continuous backup, so a bad write or delete can be restored to a point in time.",
    enforcementLevel: "mandatory",
    configSchema: productionSchema,
    validateResource: validateResourceOfType(cosmosdb.DatabaseAccount, (account, args, report) => {
        const { productionEnvironments } = settings<ProductionSettings>(args, defaultProduction);
        const env = environmentOf(account, args.urn);
        if (!productionEnvironments.includes(env))
            return args.notApplicable(`environment "${env}" is not production`);
        const policy = account.backupPolicy;
        if (policy?.type !== "Continuous") {
            report(
                `Set backupPolicy: { type: "Continuous", continuousModeProperties: { tier: "Continuous30Days" } } on the ${env} account ` +
                    `(found ${policy?.type ?? "the periodic default"}).`,
            );
        } else if (policy.continuousModeProperties?.tier === undefined) {
            report(
                'State backupPolicy.continuousModeProperties.tier ("Continuous7Days" or "Continuous30Days"), so the restore window is chosen, not defaulted.',
            );
        }
    }),
};

/** Built-in Azure roles, by definition GUID, that must never be granted on Cosmos DB or AI Search. */
const refusedEverywhere: Readonly<Record<string, string>> = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
};

/** Cosmos DB roles that read account keys (listKeys / readonlykeys) or manage the account. */
const cosmosRefused: Readonly<Record<string, string>> = {
    ...refusedEverywhere,
    "5bd9cd88-fe45-4216-938b-f97437e15450": "DocumentDB Account Contributor",
    "230815da-be43-4aae-9cb4-875f7bd000aa": "Cosmos DB Operator",
    "fbdf93bf-df7d-467e-a4d2-9458aa1360c8": "Cosmos DB Account Reader Role",
};

/** The AI Search roles a workload identity may hold: data-plane only. */
const searchDataPlaneRoles: Readonly<Record<string, string>> = {
    "1407120a-92aa-4202-b7e9-c0e197c71c8f": "Search Index Data Reader",
    "8ebe5a00-799e-43f5-93ac-243d3dce84a7": "Search Index Data Contributor",
};

/** Cosmos DB's built-in data-plane roles: Data Reader and Data Contributor. */
const cosmosDataPlaneRoleIds = new Set([
    "00000000-0000-0000-0000-000000000001",
    "00000000-0000-0000-0000-000000000002",
]);

function roleGuidOf(roleDefinitionId: string | undefined): string {
    return (roleDefinitionId ?? "").split("/").pop()?.toLowerCase() ?? "";
}

/**
 * Whether an assignment's principal is an Azure resource's managed identity (a workload): the
 * engine says its principal id comes from an azure-native resource.
 */
function grantsWorkloadIdentity(assignment: PolicyResource): boolean {
    return (assignment.propertyDependencies.principalId ?? []).some((d) =>
        d.type.startsWith("azure-native:"),
    );
}

export const dataRolesDataPlaneOnly: StackValidationPolicy = {
    name: "data-roles-data-plane-only",
    description:
        "Role assignments on Cosmos DB and AI Search: no role that reads account keys or owns the service, and workload identities hold data-plane roles only.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const accounts = args.resources.filter((r) => r.type === cosmosAccountType);
        const services = args.resources.filter((r) => r.type === searchServiceType);
        if (accounts.length === 0 && services.length === 0)
            return args.notApplicable("the stack has no Cosmos DB account or AI Search service");
        for (const ra of args.resources.filter((r) => r.type === roleAssignmentType)) {
            const role = roleGuidOf(stringPropOf(ra, "roleDefinitionId"));
            const workload = grantsWorkloadIdentity(ra);
            const account = accounts.find((a) => refersTo(ra, "scope", a));
            if (account !== undefined) {
                const refused = cosmosRefused[role];
                if (refused !== undefined)
                    report(
                        `Role assignment "${ra.name}" grants ${refused} on Cosmos DB account "${account.name}": it reads account keys or manages the account. ` +
                            "Grant Cosmos DB's data-plane Data Reader or Data Contributor (SqlResourceSqlRoleAssignment) instead.",
                        ra.urn,
                    );
                else if (workload)
                    report(
                        `Role assignment "${ra.name}" gives a workload identity an Azure RBAC role on Cosmos DB account "${account.name}"; ` +
                            "workloads get only Cosmos DB's data-plane roles (SqlResourceSqlRoleAssignment).",
                        ra.urn,
                    );
            }
            const service = services.find((s) => refersTo(ra, "scope", s));
            if (service !== undefined) {
                const refused = refusedEverywhere[role];
                if (refused !== undefined)
                    report(
                        `Role assignment "${ra.name}" grants ${refused} on AI Search service "${service.name}": it can read the admin keys. ` +
                            "Grant Search Index Data Reader or Contributor (and Search Service Contributor to the deployer only).",
                        ra.urn,
                    );
                else if (workload && searchDataPlaneRoles[role] === undefined)
                    report(
                        `Role assignment "${ra.name}" gives a workload identity a control-plane role (${role}) on AI Search service "${service.name}"; ` +
                            "workloads get only Search Index Data Reader or Search Index Data Contributor.",
                        ra.urn,
                    );
            }
        }
    },
};

export const cosmosDataRoleScoped: ResourceValidationPolicy = {
    name: "cosmos-data-role-scoped",
    description:
        "Cosmos DB data-plane role assignments grant a built-in data role on a database or container, not the whole account.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(cosmosdb.SqlResourceSqlRoleAssignment, (ra, _args, report) => {
        if (!cosmosDataPlaneRoleIds.has(roleGuidOf(ra.roleDefinitionId)))
            report(
                `Grant Cosmos DB Built-in Data Reader (…0001) or Data Contributor (…0002); found role ${ra.roleDefinitionId ?? "unset"}.`,
            );
        const scope = ra.scope ?? "";
        if (!/\/dbs\/[^/]+/i.test(scope))
            report(
                `Scope the data role to the database or container it is for (<account id>/dbs/<db>[/colls/<container>]), not ${scope || "the account"}.`,
            );
    }),
};

export const agentDataResourcePolicies: ResourceValidationPolicy[] = [
    cosmosLocalAuthDisabled,
    searchLocalAuthDisabled,
    dataPublicNetworkDisabledInProduction,
    cosmosContinuousBackupInProduction,
    cosmosDataRoleScoped,
];
export const agentDataStackPolicies: StackValidationPolicy[] = [dataRolesDataPlaneOnly];
