import * as cosmosdb from "@pulumi/azure-native/cosmosdb";
import * as pulumi from "@pulumi/pulumi";
import { memoryPartitionKeyPath } from "functions-app/memory/cosmos-memory-store";
import { sendDiagnostics } from "../azure/diagnostics";
import { stableGuid } from "../azure/ids";
import type { MemoryBackupTier, MemoryConfig } from "../config/types";
import { privateEndpointTo, type NamedPrivateEndpointPlacement } from "../network/private-endpoint";

/**
 * Cosmos DB's built-in data-plane role "Cosmos DB Built-in Data Contributor": items and queries
 * in its scope, no account keys, no control-plane rights.
 */
export const cosmosDataContributorRoleId = "00000000-0000-0000-0000-000000000002";

/** Arguments for {@link AgentMemory}. */
export interface AgentMemoryArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    /** The account's one region. */
    readonly location: string;
    /** Globally unique account name: 3-44 lowercase letters, digits and hyphens. */
    readonly accountName: string;
    /** Database and container the tool service reads from MEMORY_COSMOS_DATABASE / _CONTAINER. */
    readonly databaseName: string;
    readonly containerName: string;
    /** Serverless, or autoscale with its maximum RU/s; and the continuous backup tier. */
    readonly settings: MemoryConfig;
    /**
     * Private endpoint (group `Sql`) in the backend's VNet; with it public network access is
     * disabled. Without it the account is public, and reached with Entra tokens only.
     */
    readonly privateEndpoint?: NamedPrivateEndpointPlacement;
    /** Log Analytics workspace for the account's diagnostics. */
    readonly workspaceId: pulumi.Input<string>;
    readonly tags: Record<string, string>;
}

/** The account's backup policy: continuous (point-in-time restore) in the stated tier. */
export function memoryBackupPolicy(tier: MemoryBackupTier): cosmosdb.DatabaseAccountArgs["backupPolicy"] {
    return { type: "Continuous", continuousModeProperties: { tier } };
}

/**
 * Agent memory in Cosmos DB for NoSQL: one account reachable with Entra identities only (local
 * auth and key-based metadata writes disabled, TLS 1.2), one database and one container
 * partitioned by caller with per-item expiry, continuous backup, and diagnostics to the workspace.
 * Identities get the data-plane Data Contributor role on the container, never an ARM role.
 */
export class AgentMemory extends pulumi.ComponentResource {
    public readonly accountId: pulumi.Output<string>;
    public readonly accountName: pulumi.Output<string>;
    /** https://<account>.documents.azure.com:443/ (MEMORY_COSMOS_ENDPOINT). */
    public readonly endpoint: pulumi.Output<string>;
    public readonly databaseName: pulumi.Output<string>;
    public readonly containerName: pulumi.Output<string>;
    private readonly account: cosmosdb.DatabaseAccount;
    private readonly resourceGroupName: pulumi.Input<string>;
    private readonly name: string;
    private readonly staticAccountName: string;
    private readonly scope: pulumi.Output<string>;

    constructor(name: string, args: AgentMemoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:data:AgentMemory", name, {}, opts);
        const rg = args.resourceGroupName;
        const serverless = args.settings.throughput.mode === "serverless";
        const account = new cosmosdb.DatabaseAccount(
            `${name}-account`,
            {
                resourceGroupName: rg,
                location: args.location,
                accountName: args.accountName,
                kind: "GlobalDocumentDB",
                databaseAccountOfferType: "Standard",
                locations: [{ locationName: args.location, failoverPriority: 0, isZoneRedundant: false }],
                consistencyPolicy: { defaultConsistencyLevel: "Session" },
                // Serverless is chosen at creation; throughput then lives nowhere (no RU/s to set).
                capabilities: serverless ? [{ name: "EnableServerless" }] : [],
                disableLocalAuth: true,
                disableKeyBasedMetadataWriteAccess: true,
                minimalTlsVersion: "Tls12",
                publicNetworkAccess: args.privateEndpoint ? "Disabled" : "Enabled",
                networkAclBypass: "None",
                enableFreeTier: false,
                enableAutomaticFailover: false,
                enableMultipleWriteLocations: false,
                backupPolicy: memoryBackupPolicy(args.settings.backupTier),
                tags: args.tags,
            },
            { parent: this },
        );
        const database = new cosmosdb.SqlResourceSqlDatabase(
            `${name}-database`,
            {
                resourceGroupName: rg,
                accountName: account.name,
                databaseName: args.databaseName,
                resource: { id: args.databaseName },
            },
            { parent: this },
        );
        const { throughput } = args.settings;
        const container = new cosmosdb.SqlResourceSqlContainer(
            `${name}-container`,
            {
                resourceGroupName: rg,
                accountName: account.name,
                databaseName: database.name,
                containerName: args.containerName,
                resource: {
                    id: args.containerName,
                    // One logical partition per caller: every read and write names the caller's own.
                    partitionKey: { paths: [memoryPartitionKeyPath], kind: "Hash", version: 2 },
                    // -1: TTL on, nothing expires by default; a note's own `ttl` sets its expiry.
                    defaultTtl: -1,
                },
                ...(throughput.mode === "autoscale"
                    ? { options: { autoscaleSettings: { maxThroughput: throughput.maxThroughput } } }
                    : {}),
            },
            { parent: this },
        );
        sendDiagnostics(
            `${name}-diagnostics`,
            { resourceUri: account.id, workspaceId: args.workspaceId },
            { parent: this },
        );
        if (args.privateEndpoint)
            privateEndpointTo(
                `${name}-pe`,
                {
                    resourceGroupName: rg,
                    location: args.location,
                    endpointName: args.privateEndpoint.endpointName,
                    resourceId: account.id,
                    groupId: "Sql",
                    placement: args.privateEndpoint,
                    tags: args.tags,
                },
                { parent: this },
            );

        this.account = account;
        this.resourceGroupName = rg;
        this.name = name;
        this.staticAccountName = args.accountName;
        this.scope = pulumi.interpolate`${account.id}/dbs/${database.name}/colls/${container.name}`;
        this.accountId = account.id;
        this.accountName = account.name;
        this.endpoint = account.documentEndpoint;
        this.databaseName = database.name;
        this.containerName = container.name;
        this.registerOutputs({
            accountId: this.accountId,
            endpoint: this.endpoint,
            databaseName: this.databaseName,
            containerName: this.containerName,
        });
    }

    /**
     * Grants `principalId` (a workload's managed identity) Cosmos DB's data-plane Data Contributor
     * on the memory container only: items and queries, no keys, no other container.
     * @param id short name of the grant, unique per component (`<name>-<id>`).
     */
    grantDataContributor(
        id: string,
        principalId: pulumi.Input<string>,
    ): cosmosdb.SqlResourceSqlRoleAssignment {
        return new cosmosdb.SqlResourceSqlRoleAssignment(
            `${this.name}-${id}`,
            {
                resourceGroupName: this.resourceGroupName,
                accountName: this.account.name,
                // Derived from the account and the grant, so every run names the same assignment.
                roleAssignmentId: stableGuid(this.staticAccountName, "sql-role-assignment", id),
                roleDefinitionId: pulumi.interpolate`${this.account.id}/sqlRoleDefinitions/${cosmosDataContributorRoleId}`,
                principalId,
                scope: this.scope,
            },
            { parent: this },
        );
    }
}
