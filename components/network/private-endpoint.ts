import * as network from "@pulumi/azure-native/network";
import type * as pulumi from "@pulumi/pulumi";

/** Where a resource's private endpoint goes: a subnet, and the private DNS zone that resolves it. */
export interface PrivateEndpointPlacement {
    /** Subnet the endpoint's network interface is placed in. */
    readonly subnetId: pulumi.Input<string>;
    /** The service's `privatelink.*` zone, linked to the VNet, where the endpoint registers its name. */
    readonly dnsZoneId: pulumi.Input<string>;
}

/** Arguments for {@link privateEndpointTo}. */
export interface PrivateEndpointArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Azure name of the endpoint. */
    readonly endpointName: string;
    /** The resource reached (its ARM id). */
    readonly resourceId: pulumi.Input<string>;
    /** Sub-resource the endpoint serves, e.g. `Sql` (Cosmos DB NoSQL) or `searchService`. */
    readonly groupId: string;
    readonly placement: PrivateEndpointPlacement;
    readonly tags: Record<string, string>;
}

/**
 * A private endpoint to one sub-resource and its DNS zone group, so clients in the VNet resolve
 * the resource's public name to the endpoint's private address.
 */
export function privateEndpointTo(
    name: string,
    args: PrivateEndpointArgs,
    opts: pulumi.CustomResourceOptions,
): network.PrivateEndpoint {
    const endpoint = new network.PrivateEndpoint(
        name,
        {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            privateEndpointName: args.endpointName,
            subnet: { id: args.placement.subnetId },
            privateLinkServiceConnections: [
                { name: args.endpointName, privateLinkServiceId: args.resourceId, groupIds: [args.groupId] },
            ],
            tags: args.tags,
        },
        opts,
    );
    new network.PrivateDnsZoneGroup(
        `${name}-dns`,
        {
            resourceGroupName: args.resourceGroupName,
            privateEndpointName: endpoint.name,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: args.groupId, privateDnsZoneId: args.placement.dnsZoneId }],
        },
        opts,
    );
    return endpoint;
}
