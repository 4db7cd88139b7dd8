import * as network from "@pulumi/azure-native/network";
import * as storage from "@pulumi/azure-native/storage";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";
import type { PrivateLinkService } from "../network/network";

/** Storage services a private endpoint of the account serves (one endpoint each). */
const privateEndpointServices: readonly PrivateLinkService[] = ["blob", "queue"];

/** How clients in a VNet reach the account: one private endpoint per service, resolved by private DNS. */
export interface StoragePrivateEndpoints {
    /** Subnet the endpoints' network interfaces are placed in. */
    readonly subnetId: pulumi.Input<string>;
    /** Private DNS zone of each service (`privatelink.blob...`, `privatelink.queue...`), linked to the VNet. */
    readonly dnsZoneIds: Readonly<Partial<Record<PrivateLinkService, pulumi.Input<string>>>>;
    /** `<namePrefix>-<environment>`: Azure names are `<baseName>-<name>-<service>-pe`. */
    readonly baseName: string;
    /** Short name of the account's purpose in endpoint names, e.g. `tools`. */
    readonly name: string;
    /**
     * Component that held the endpoints before they moved to the account's component, and the name
     * their logical names started with there; aliases keep the endpoints in place. Optional.
     */
    readonly previous?: { readonly parent: pulumi.Input<pulumi.URN>; readonly namePrefix: string };
}

/** Arguments for {@link ToolStorage}. */
export interface ToolStorageArgs {
    /** Resource group that holds the account (and its private endpoints). */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the account and its private endpoints. */
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
    /** Log Analytics workspace for the account's, blob and queue services' diagnostics. */
    readonly workspaceId: pulumi.Input<string>;
    /** Tags put on the account and its private endpoints. */
    readonly tags: Record<string, string>;
    /**
     * Component that held these resources before storage was its own component; an alias keeps
     * existing accounts (and their data) in place instead of replacing them.
     */
    readonly previousParent?: pulumi.Resource;
    /**
     * Private endpoints for blob and queue; needed when `publicNetworkAccess` is "Disabled" and
     * clients run in a VNet. Default: none.
     */
    readonly privateEndpoints?: StoragePrivateEndpoints;
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

    /** Resource id of a container this storage was created with; another name is a program bug. */
    containerId(container: string): pulumi.Output<string> {
        const id = this.containerIds[container];
        if (id === undefined) throw new Error(`storage has no container "${container}"`);
        return id;
    }

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

        if (args.privateEndpoints)
            this.privateEndpoints(
                name,
                args.resourceGroupName,
                args.location,
                account,
                args.privateEndpoints,
                args.tags,
            );

        const trimmed = (url: pulumi.Output<string>) => url.apply((u) => u.replace(/\/+$/, ""));
        this.accountId = account.id;
        this.accountName = account.name;
        this.blobEndpoint = trimmed(account.primaryEndpoints.blob);
        this.queueEndpoint = trimmed(account.primaryEndpoints.queue);
        this.containerIds = containerIds;
        this.registerOutputs({ accountId: this.accountId, accountName: this.accountName });
    }

    private privateEndpoints(
        name: string,
        rg: pulumi.Input<string>,
        location: pulumi.Input<string>,
        account: storage.StorageAccount,
        endpoints: StoragePrivateEndpoints,
        tags: Record<string, string>,
    ): void {
        for (const service of privateEndpointServices) {
            const zoneId = endpoints.dnsZoneIds[service];
            if (zoneId === undefined)
                throw new Error(`no private DNS zone for the ${service} endpoint of ${name}`);
            const logicalName = `${endpoints.name}-${service}-pe`;
            const alias = (suffix: string): pulumi.CustomResourceOptions =>
                endpoints.previous
                    ? {
                          aliases: [
                              {
                                  name: `${endpoints.previous.namePrefix}-${logicalName}${suffix}`,
                                  parent: endpoints.previous.parent,
                              },
                          ],
                      }
                    : {};
            const endpoint = new network.PrivateEndpoint(
                `${name}-${logicalName}`,
                {
                    resourceGroupName: rg,
                    location,
                    privateEndpointName: `${endpoints.baseName}-${endpoints.name}-${service}-pe`,
                    subnet: { id: endpoints.subnetId },
                    privateLinkServiceConnections: [
                        {
                            name: `${endpoints.name}-${service}-${service}`,
                            privateLinkServiceId: account.id,
                            groupIds: [service],
                        },
                    ],
                    tags,
                },
                { parent: this, ...alias("") },
            );
            new network.PrivateDnsZoneGroup(
                `${name}-${logicalName}-dns`,
                {
                    resourceGroupName: rg,
                    privateEndpointName: endpoint.name,
                    privateDnsZoneGroupName: "default",
                    privateDnsZoneConfigs: [{ name: service, privateDnsZoneId: zoneId }],
                },
                { parent: this, ...alias("-dns") },
            );
        }
    }
}
