import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";

/** Arguments for {@link ToolStorage}. */
export interface ToolStorageArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Globally unique account name. */
    readonly accountName: string;
    /** Private blob containers to create. */
    readonly containers: readonly string[];
    /**
     * "Disabled" when clients reach the account through private endpoints only (AKS backend);
     * "Enabled" for Flex Consumption, whose host reaches storage over the public endpoint.
     */
    readonly publicNetworkAccess: "Enabled" | "Disabled";
    readonly workspaceId: pulumi.Input<string>;
    readonly tags: Record<string, string>;
    /**
     * Component that held these resources before storage was its own component; an alias keeps
     * existing accounts (and their data) in place instead of replacing them.
     */
    readonly previousParent?: pulumi.Resource;
}

/**
 * The tool service's storage account, hardened the same way for every backend: Entra identities
 * only (no shared keys, no local users, no SFTP), TLS 1.2, no public blobs, infrastructure
 * encryption, and diagnostics for the account, blobs and queues.
 */
export class ToolStorage extends pulumi.ComponentResource {
    public readonly accountId: pulumi.Output<string>;
    public readonly accountName: pulumi.Output<string>;
    /** https://<account>.blob.core.windows.net (no trailing slash). */
    public readonly blobEndpoint: pulumi.Output<string>;
    /** https://<account>.queue.core.windows.net (no trailing slash). */
    public readonly queueEndpoint: pulumi.Output<string>;
    /** Resource id of each container, by container name (narrow role assignment scopes). */
    public readonly containerIds: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: ToolStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:storage:ToolStorage", name, {}, opts);
        const rg = args.resourceGroupName;
        const child: pulumi.CustomResourceOptions = {
            parent: this,
            ...(args.previousParent ? { aliases: [{ parent: args.previousParent }] } : {}),
        };
        const account = new storage.StorageAccount(
            `${name}-storage`,
            {
                resourceGroupName: rg,
                location: args.location,
                accountName: args.accountName,
                kind: "StorageV2",
                sku: { name: "Standard_LRS" },
                allowSharedKeyAccess: false,
                defaultToOAuthAuthentication: true,
                allowBlobPublicAccess: false,
                minimumTlsVersion: "TLS1_2",
                enableHttpsTrafficOnly: true,
                allowCrossTenantReplication: false,
                isLocalUserEnabled: false,
                isSftpEnabled: false,
                publicNetworkAccess: args.publicNetworkAccess,
                ...(args.publicNetworkAccess === "Disabled"
                    ? { networkRuleSet: { defaultAction: "Deny", bypass: "None" } }
                    : {}),
                encryption: {
                    keySource: "Microsoft.Storage",
                    requireInfrastructureEncryption: true,
                    services: {
                        blob: { enabled: true, keyType: "Account" },
                        queue: { enabled: true, keyType: "Account" },
                    },
                },
                tags: args.tags,
            },
            child,
        );
        const containerIds: Record<string, pulumi.Output<string>> = {};
        for (const container of args.containers) {
            const c = new storage.BlobContainer(
                `${name}-${container}`,
                {
                    resourceGroupName: rg,
                    accountName: account.name,
                    containerName: container,
                    publicAccess: "None",
                },
                child,
            );
            containerIds[container] = c.id;
        }

        sendDiagnostics(
            `${name}-storage-diagnostics`,
            { resourceUri: account.id, workspaceId: args.workspaceId, logs: false },
            child,
        );
        for (const service of ["blobServices", "queueServices"]) {
            sendDiagnostics(
                `${name}-${service}-diagnostics`,
                {
                    resourceUri: pulumi.interpolate`${account.id}/${service}/default`,
                    workspaceId: args.workspaceId,
                },
                child,
            );
        }

        const trimmed = (url: pulumi.Output<string>) => url.apply((u) => u.replace(/\/+$/, ""));
        this.accountId = account.id;
        this.accountName = account.name;
        this.blobEndpoint = trimmed(account.primaryEndpoints.blob);
        this.queueEndpoint = trimmed(account.primaryEndpoints.queue);
        this.containerIds = containerIds;
        this.registerOutputs({ accountId: this.accountId, accountName: this.accountName });
    }
}
