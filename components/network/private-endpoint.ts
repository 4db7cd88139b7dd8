import * as network from "@pulumi/azure-native/network";
import type * as pulumi from "@pulumi/pulumi";
import type { Network, PrivateLinkService } from "./network";

/** Where a resource's private endpoint goes: a subnet, and the private DNS zone that resolves it. */
export interface PrivateEndpointPlacement {
    /** Subnet the endpoint's network interface is placed in. */
    readonly subnetId: pulumi.Input<string>;
    /** The service's `privatelink.*` zone, linked to the VNet, where the endpoint registers its name. */
    readonly dnsZoneId: pulumi.Input<string>;
}

/** A placement with the endpoint's Azure name, as the components that own their endpoint take it. */
export type NamedPrivateEndpointPlacement = PrivateEndpointPlacement & { readonly endpointName: string };

/** Where an endpoint to `service` goes in `network`; fails when the network has no zone for it. */
export function placementIn(
    network: Network,
    service: PrivateLinkService,
    endpointName: string,
): NamedPrivateEndpointPlacement {
    const dnsZoneId = network.privateDnsZoneIds[service];
    if (dnsZoneId === undefined) throw new Error(`the backend's network has no ${service} private DNS zone`);
    return { subnetId: network.privateEndpointSubnetId, dnsZoneId, endpointName };
}

/** A private endpoint and the zone group that registers its address (done once both exist). */
export interface PrivateEndpointResources {
    readonly endpoint: network.PrivateEndpoint;
    readonly dnsZoneGroup: network.PrivateDnsZoneGroup;
}

/** Arguments for {@link privateEndpointTo}. */
export interface PrivateEndpointArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Azure name of the endpoint. */
    readonly endpointName: string;
    /** The resource reached (its ARM id). */
    readonly resourceId: pulumi.Input<string>;
    /** Sub-resource the endpoint serves, e.g. `Sql` (Cosmos DB NoSQL), `searchService` or `account` (AI services). */
    readonly groupId: string;
    /**
     * Name of the endpoint's connection to the resource. Default: the endpoint's name. An existing
     * endpoint keeps the name it was created with: it names the connection on the resource too, and
     * renaming means a new endpoint (AzureRM's Terraform provider forces one).
     */
    readonly connectionName?: string;
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
): PrivateEndpointResources {
    const endpoint = new network.PrivateEndpoint(
        name,
        {
            resourceGroupName: args.resourceGroupName,
            location: args.location,
            privateEndpointName: args.endpointName,
            subnet: { id: args.placement.subnetId },
            privateLinkServiceConnections: [
                {
                    name: args.connectionName ?? args.endpointName,
                    privateLinkServiceId: args.resourceId,
                    groupIds: [args.groupId],
                },
            ],
            tags: args.tags,
        },
        opts,
    );
    const dnsZoneGroup = new network.PrivateDnsZoneGroup(
        `${name}-dns`,
        {
            resourceGroupName: args.resourceGroupName,
            privateEndpointName: endpoint.name,
            privateDnsZoneGroupName: "default",
            privateDnsZoneConfigs: [{ name: args.groupId, privateDnsZoneId: args.placement.dnsZoneId }],
        },
        opts,
    );
    return { endpoint, dnsZoneGroup };
}
