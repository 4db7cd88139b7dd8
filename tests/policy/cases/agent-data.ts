import type { RecordedResource } from "../../../policypacks/control-plane/evaluate";
import { PolicyCase } from "../harness";
import { urnOf } from "../fixtures";

type Inputs = Record<string, unknown>;

const sub = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
const rg = `/subscriptions/${sub}/resourceGroups/agents-dev-rg`;
const accountId = `${rg}/providers/Microsoft.DocumentDB/databaseAccounts/agents-dev-memory`;
const searchId = `${rg}/providers/Microsoft.Search/searchServices/agents-dev-knowledge`;
const identityType = "azure-native:managedidentity:UserAssignedIdentity";
const roleDefinition = (guid: string) =>
    `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const roles = {
    searchIndexDataReader: "1407120a-92aa-4202-b7e9-c0e197c71c8f",
    searchServiceContributor: "7ca78c08-252a-4471-8644-bb5ff32d4ba0",
    owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    documentDbAccountContributor: "5bd9cd88-fe45-4216-938b-f97437e15450",
};

/** Memory and knowledge of one environment as the program records them, optionally changed. */
function dataStack(
    env: "dev" | "prod",
    change: (byName: Record<string, Inputs>) => void = () => undefined,
): RecordedResource[] {
    const tags = { environment: env, project: "agents-control-plane" };
    const inputs: Record<string, Inputs> = {
        account: {
            resourceGroupName: "agents-dev-rg",
            accountName: "agents-dev-memory",
            kind: "GlobalDocumentDB",
            disableLocalAuth: true,
            disableKeyBasedMetadataWriteAccess: true,
            minimalTlsVersion: "Tls12",
            publicNetworkAccess: env === "prod" ? "Disabled" : "Enabled",
            backupPolicy: { type: "Continuous", continuousModeProperties: { tier: "Continuous30Days" } },
            tags,
        },
        search: {
            resourceGroupName: "agents-dev-rg",
            searchServiceName: "agents-dev-knowledge",
            sku: { name: "basic" },
            disableLocalAuth: true,
            publicNetworkAccess: env === "prod" ? "Disabled" : "Enabled",
            tags,
        },
        identity: { resourceGroupName: "agents-dev-rg", resourceName: "tools-id", tags },
        "memory-data-contributor": {
            resourceGroupName: "agents-dev-rg",
            accountName: "agents-dev-memory",
            roleDefinitionId: `${accountId}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002`,
            scope: `${accountId}/dbs/agents/colls/memory`,
            principalId: "5d1e8a7c-2b3f-4c6d-9e0a-1b2c3d4e5f60",
        },
        "knowledge-index-reader": {
            scope: searchId,
            roleDefinitionId: roleDefinition(roles.searchIndexDataReader),
            principalId: "5d1e8a7c-2b3f-4c6d-9e0a-1b2c3d4e5f60",
            principalType: "ServicePrincipal",
        },
        "knowledge-deployer-service-contributor": {
            scope: searchId,
            roleDefinitionId: roleDefinition(roles.searchServiceContributor),
            principalId: "9c8b7a6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
            principalType: "User",
        },
    };
    change(inputs);
    const record = (type: string, name: string, id?: string): RecordedResource => ({
        type,
        name,
        urn: urnOf(type, name, env),
        inputs: inputs[name] ?? {},
        ...(id === undefined ? {} : { id }),
    });
    const identity = record(
        identityType,
        "identity",
        `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/tools-id`,
    );
    const fromIdentity = { principalId: [identity.urn] };
    return [
        record("azure-native:cosmosdb:DatabaseAccount", "account", accountId),
        record("azure-native:search:Service", "search", searchId),
        identity,
        {
            ...record("azure-native:cosmosdb:SqlResourceSqlRoleAssignment", "memory-data-contributor"),
            propertyDependencies: fromIdentity,
        },
        {
            ...record("azure-native:authorization:RoleAssignment", "knowledge-index-reader"),
            propertyDependencies: fromIdentity,
        },
        record("azure-native:authorization:RoleAssignment", "knowledge-deployer-service-contributor"),
    ];
}

export const agentDataCases: PolicyCase[] = [
    { policy: "cosmos-local-auth-disabled", title: "a keyless account", resources: () => dataStack("dev") },
    {
        policy: "cosmos-local-auth-disabled",
        title: "account keys left on",
        resources: () => dataStack("dev", (i) => delete i.account!.disableLocalAuth),
        message: /^Set disableLocalAuth: true/,
    },
    {
        policy: "cosmos-local-auth-disabled",
        title: "metadata writes with keys",
        resources: () => dataStack("dev", (i) => (i.account!.disableKeyBasedMetadataWriteAccess = false)),
        message: /^Set disableKeyBasedMetadataWriteAccess: true/,
    },

    {
        policy: "search-local-auth-disabled",
        title: "an RBAC-only service",
        resources: () => dataStack("dev"),
    },
    {
        policy: "search-local-auth-disabled",
        title: "API keys allowed",
        resources: () => dataStack("dev", (i) => (i.search!.disableLocalAuth = false)),
        message: /^Set disableLocalAuth: true/,
    },
    {
        policy: "search-local-auth-disabled",
        title: "keys or roles (authOptions)",
        resources: () => dataStack("dev", (i) => (i.search!.authOptions = { apiKeyOnly: {} })),
        message: /^Remove authOptions/,
    },

    {
        policy: "data-public-network-disabled-in-production",
        title: "private prod services",
        resources: () => dataStack("prod"),
    },
    {
        policy: "data-public-network-disabled-in-production",
        title: "a public prod Cosmos DB account",
        resources: () => dataStack("prod", (i) => (i.account!.publicNetworkAccess = "Enabled")),
        message: /^Set publicNetworkAccess: "Disabled" on the prod Cosmos DB account \(found Enabled\)/,
    },
    {
        policy: "data-public-network-disabled-in-production",
        title: "a prod search service left at the public default",
        resources: () => dataStack("prod", (i) => delete i.search!.publicNetworkAccess),
        message: /^Set publicNetworkAccess: "Disabled" on the prod AI Search service \(found Enabled\)/,
    },

    {
        policy: "cosmos-continuous-backup-in-production",
        title: "continuous 30-day backup in prod",
        resources: () => dataStack("prod"),
    },
    {
        policy: "cosmos-continuous-backup-in-production",
        title: "periodic backup in prod",
        resources: () => dataStack("prod", (i) => (i.account!.backupPolicy = { type: "Periodic" })),
        message: /on the prod account \(found Periodic\)/,
    },

    {
        policy: "cosmos-data-role-scoped",
        title: "Data Contributor on the container",
        resources: () => dataStack("dev"),
    },
    {
        policy: "cosmos-data-role-scoped",
        title: "the data role on the whole account",
        resources: () => dataStack("dev", (i) => (i["memory-data-contributor"]!.scope = accountId)),
        message: /^Scope the data role to the database or container it is for/,
    },

    {
        policy: "data-roles-data-plane-only",
        title: "an index reader for the workload and a service contributor for the deployer",
        resources: () => dataStack("dev"),
    },
    {
        policy: "data-roles-data-plane-only",
        title: "the workload holding Search Service Contributor",
        resources: () =>
            dataStack(
                "dev",
                (i) =>
                    (i["knowledge-index-reader"]!.roleDefinitionId = roleDefinition(
                        roles.searchServiceContributor,
                    )),
            ),
        message: /gives a workload identity a control-plane role .* on AI Search service "search"/,
    },
    {
        policy: "data-roles-data-plane-only",
        title: "the deployer holding DocumentDB Account Contributor (lists keys)",
        resources: () =>
            dataStack("dev", (i) => {
                i["knowledge-deployer-service-contributor"]!.scope = accountId;
                i["knowledge-deployer-service-contributor"]!.roleDefinitionId = roleDefinition(
                    roles.documentDbAccountContributor,
                );
            }),
        message: /grants DocumentDB Account Contributor on Cosmos DB account "account"/,
    },
    {
        policy: "data-roles-data-plane-only",
        title: "Owner on the search service",
        resources: () =>
            dataStack(
                "dev",
                (i) =>
                    (i["knowledge-deployer-service-contributor"]!.roleDefinitionId = roleDefinition(
                        roles.owner,
                    )),
            ),
        message: /grants Owner on AI Search service "search"/,
    },
];
