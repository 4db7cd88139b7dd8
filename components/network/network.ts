import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as pulumi from "@pulumi/pulumi";
import {
    backendRules,
    gatewayRules,
    planNetwork,
    privateEndpointRules,
    subnetNames,
    type ApimNetworkMode,
    type NetworkPlan,
    type SecurityRule,
} from "./plan";

/** Services reachable through a private endpoint, with their private DNS zones. */
export const privateLinkZones = {
    blob: "privatelink.blob.core.windows.net",
    queue: "privatelink.queue.core.windows.net",
    /** Cosmos DB for NoSQL (group id `Sql`). */
    cosmos: "privatelink.documents.azure.com",
    /** Azure AI Search (group id `searchService`). */
    search: "privatelink.search.windows.net",
    /**
     * Azure AI services, Content Safety included (group id `account`): the custom subdomain
     * `<name>.cognitiveservices.azure.com` resolves through `<name>.privatelink.cognitiveservices.azure.com`.
     * Azure's other zones for the group (`privatelink.openai.azure.com`, `privatelink.services.ai.azure.com`)
     * serve host names of the OpenAI and AI Foundry kinds, which nothing here calls.
     */
    cognitiveServices: "privatelink.cognitiveservices.azure.com",
    /** Key Vault (group id `vault`). */
    keyVault: "privatelink.vaultcore.azure.net",
} as const;

export type PrivateLinkService = keyof typeof privateLinkZones;

/**
 * A zone and VNet link another component declared before the network owned them. The network
 * takes them over under aliases and with the link's deployed Azure name, so an existing stack
 * moves them in its state instead of deleting and recreating them (a link's name cannot change).
 */
export interface AdoptedZone {
    /** Where they were: the zone was `<namePrefix>-zone` and its link `<namePrefix>-zone-link` under `parent`. */
    readonly previous: { readonly parent: pulumi.Input<pulumi.URN>; readonly namePrefix: string };
    /** Azure name of the zone's VNet link (the network names the links it creates after the VNet). */
    readonly linkName: string;
}

/** Arguments for {@link Network}. */
export interface NetworkArgs {
    /** Resource group that holds the VNet, security groups and private DNS zones. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the VNet (private DNS zones are global). */
    readonly location: pulumi.Input<string>;
    /** `<namePrefix>-<environment>`: the VNet is `<baseName>-vnet`. */
    readonly baseName: string;
    /** VNet address space (a /16 to /20); the subnets are laid out by {@link planNetwork}. */
    readonly addressSpace: string;
    /** How API Management joins the VNet (depends on its tier). */
    readonly apimMode: ApimNetworkMode;
    /**
     * Services reached through private endpoints in this VNet: each gets its private DNS zone,
     * linked to the VNet. The endpoints belong to the resources they reach (see ToolStorage).
     */
    readonly privateLinkServices: readonly PrivateLinkService[];
    /**
     * Services the gateway itself calls through private endpoints in this VNet (Content Safety):
     * each gets its zone as above, and the gateway's subnet may reach the private endpoints subnet
     * over HTTPS. Empty: the gateway reaches only the backend.
     */
    readonly gatewayPrivateLinkServices: readonly PrivateLinkService[];
    /** Zones of the services above that existed before this component held them. Default: none. */
    readonly adoptedZones?: Readonly<Partial<Record<PrivateLinkService, AdoptedZone>>>;
    /** Tags put on every network resource. */
    readonly tags: Record<string, string>;
}

/**
 * The private network of the AKS backend: one VNet with subnets for the nodes, the gateway's
 * integration, the internal load balancer and private endpoints, a network security group on
 * each, and the private DNS zones (linked to the VNet) through which pods and the gateway resolve
 * the private endpoints of the resources they reach, so those resources have no public path.
 */
export class Network extends pulumi.ComponentResource {
    public readonly plan: NetworkPlan;
    public readonly vnetId: pulumi.Output<string>;
    public readonly vnetName: pulumi.Output<string>;
    public readonly nodeSubnetId: pulumi.Output<string>;
    public readonly gatewaySubnetId: pulumi.Output<string>;
    public readonly internalLoadBalancerSubnetId: pulumi.Output<string>;
    public readonly privateEndpointSubnetId: pulumi.Output<string>;
    /** Private DNS zone id per private link service the network was built for. */
    public readonly privateDnsZoneIds: Readonly<Partial<Record<PrivateLinkService, pulumi.Output<string>>>>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:network:Network", name, {}, opts);
        const rg = args.resourceGroupName;
        const plan = planNetwork(args.addressSpace);
        const nsg = (purpose: string, rules: SecurityRule[]) =>
            new network.NetworkSecurityGroup(
                `${name}-${purpose}-nsg`,
                {
                    resourceGroupName: rg,
                    location: args.location,
                    networkSecurityGroupName: `${args.baseName}-${purpose}-nsg`,
                    securityRules: rules,
                    tags: args.tags,
                },
                { parent: this },
            );
        const callers = { gateway: args.gatewayPrivateLinkServices.length > 0 };
        const backendNsg = nsg("backend", backendRules(plan));
        const gatewayNsg = nsg("apim", gatewayRules(plan, args.apimMode, callers));
        const endpointsNsg = nsg("private-endpoints", privateEndpointRules(plan, callers));

        // Subnets inline in the VNet: separate Subnet resources fight the VNet over its subnet list.
        const vnetName = `${args.baseName}-vnet`;
        const vnet = new network.VirtualNetwork(
            `${name}-vnet`,
            {
                resourceGroupName: rg,
                location: args.location,
                virtualNetworkName: vnetName,
                addressSpace: { addressPrefixes: [plan.addressSpace] },
                subnets: [
                    {
                        name: subnetNames.nodes,
                        addressPrefix: plan.nodes,
                        networkSecurityGroup: { id: backendNsg.id },
                        defaultOutboundAccess: false,
                    },
                    {
                        name: subnetNames.gateway,
                        addressPrefix: plan.gateway,
                        networkSecurityGroup: { id: gatewayNsg.id },
                        // The gateway's own egress (Entra keys, telemetry) may leave through this subnet.
                        delegations:
                            args.apimMode === "outbound-integration"
                                ? [{ name: "apim-outbound", serviceName: "Microsoft.Web/serverFarms" }]
                                : [],
                    },
                    {
                        name: subnetNames.internalLoadBalancer,
                        addressPrefix: plan.internalLoadBalancer,
                        networkSecurityGroup: { id: backendNsg.id },
                        defaultOutboundAccess: false,
                    },
                    {
                        name: subnetNames.privateEndpoints,
                        addressPrefix: plan.privateEndpoints,
                        networkSecurityGroup: { id: endpointsNsg.id },
                        defaultOutboundAccess: false,
                        // Network security groups apply to private endpoints only with this on.
                        privateEndpointNetworkPolicies: "Enabled",
                    },
                ],
                tags: args.tags,
            },
            { parent: this },
        );
        const subnetId = (subnet: string) => pulumi.interpolate`${vnet.id}/subnets/${subnet}`;
        this.plan = plan;
        this.vnetId = vnet.id;
        this.vnetName = vnet.name;
        this.nodeSubnetId = subnetId(subnetNames.nodes);
        this.gatewaySubnetId = subnetId(subnetNames.gateway);
        this.internalLoadBalancerSubnetId = subnetId(subnetNames.internalLoadBalancer);
        this.privateEndpointSubnetId = subnetId(subnetNames.privateEndpoints);

        const services = [...new Set([...args.privateLinkServices, ...args.gatewayPrivateLinkServices])];
        const zones = new Map<PrivateLinkService, privatedns.PrivateZone>();
        for (const service of services) {
            const adopted = args.adoptedZones?.[service];
            const formerly = (suffix: string): pulumi.CustomResourceOptions =>
                adopted
                    ? {
                          parent: this,
                          aliases: [
                              {
                                  name: `${adopted.previous.namePrefix}${suffix}`,
                                  parent: adopted.previous.parent,
                              },
                          ],
                      }
                    : { parent: this };
            const zone = new privatedns.PrivateZone(
                `${name}-${service}-zone`,
                {
                    resourceGroupName: rg,
                    location: "global",
                    privateZoneName: privateLinkZones[service],
                    tags: args.tags,
                },
                formerly("-zone"),
            );
            new privatedns.VirtualNetworkLink(
                `${name}-${service}-zone-link`,
                {
                    resourceGroupName: rg,
                    location: "global",
                    privateZoneName: zone.name,
                    virtualNetworkLinkName: adopted?.linkName ?? vnetName,
                    virtualNetwork: { id: vnet.id },
                    registrationEnabled: false,
                    tags: args.tags,
                },
                formerly("-zone-link"),
            );
            zones.set(service, zone);
        }
        this.privateDnsZoneIds = Object.fromEntries([...zones].map(([service, zone]) => [service, zone.id]));

        this.registerOutputs({
            vnetId: this.vnetId,
            nodeSubnetId: this.nodeSubnetId,
            gatewaySubnetId: this.gatewaySubnetId,
        });
    }
}
