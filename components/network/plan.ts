/**
 * The control plane's private network, as plain data: subnet layout inside the VNet address space,
 * the internal load balancer's fixed address, the AKS service and pod ranges, and the security
 * rules of each subnet. Pure: the Network component turns this into resources, tests read it directly.
 */
import { carve, contains, formatCidr, formatIpv4, overlaps, parseCidr, type Ipv4Block } from "./cidr";

/**
 * How API Management joins the VNet: StandardV2/PremiumV2 integrate outbound through a subnet
 * delegated to Microsoft.Web/serverFarms; Developer/Premium (classic) are injected into a subnet
 * that carries the inbound and outbound rules APIM requires.
 */
export type ApimNetworkMode = "outbound-integration" | "injection";

/** Ranges AKS (Azure CNI overlay) uses outside the VNet; the VNet must not overlap them. */
export const aksServiceCidr = "172.16.0.0/16";
export const aksDnsServiceIp = "172.16.0.10";
export const aksPodCidr = "10.244.0.0/16";

/** Largest and smallest VNet the layout fits in. */
export const vnetPrefixRange = { min: 16, max: 20 } as const;

export const subnetNames = {
    nodes: "aks-nodes",
    gateway: "apim",
    internalLoadBalancer: "internal-lb",
    privateEndpoints: "private-endpoints",
} as const;

export interface NetworkPlan {
    readonly addressSpace: string;
    readonly nodes: string;
    /** APIM integration (or injection) subnet: the only source the backend admits. */
    readonly gateway: string;
    /** Frontend subnet of the internal load balancer in front of the pods. */
    readonly internalLoadBalancer: string;
    readonly privateEndpoints: string;
    /** Fixed frontend address of the internal load balancer, so the gateway's backend URL is known. */
    readonly internalLoadBalancerIp: string;
}

/** Why an address space cannot hold the layout (empty when it can). */
export function addressSpaceProblems(addressSpace: string): string[] {
    const block = parseCidr(addressSpace);
    if (!block) return [`must be an IPv4 CIDR block with no host bits set, such as 10.40.0.0/16`];
    const problems: string[] = [];
    if (block.prefix < vnetPrefixRange.min || block.prefix > vnetPrefixRange.max) {
        problems.push(
            `must be a /${vnetPrefixRange.min} to /${vnetPrefixRange.max} (the node, gateway, load balancer and private endpoint subnets need a /20)`,
        );
    }
    for (const [what, cidr] of [
        ["AKS service range", aksServiceCidr],
        ["AKS pod range", aksPodCidr],
    ] as const) {
        if (overlaps(block, parseCidr(cidr) as Ipv4Block))
            problems.push(`overlaps the ${what} ${cidr}; pick another private range`);
    }
    const rfc1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((c) => parseCidr(c) as Ipv4Block);
    if (!rfc1918.some((r) => contains(r, block))) problems.push("must be a private (RFC 1918) range");
    return problems;
}

/** Subnet layout: nodes /22, gateway /24, load balancer /27 and private endpoints /27 in the first /20. */
export function planNetwork(addressSpace: string): NetworkPlan {
    const problems = addressSpaceProblems(addressSpace);
    if (problems.length > 0) throw new Error(`VNet address space ${addressSpace}: ${problems.join("; ")}`);
    const vnet = parseCidr(addressSpace) as Ipv4Block;
    const lb = carve(vnet, 1280, 27);
    return {
        addressSpace,
        nodes: formatCidr(carve(vnet, 0, 22)),
        gateway: formatCidr(carve(vnet, 1024, 24)),
        internalLoadBalancer: formatCidr(lb),
        privateEndpoints: formatCidr(carve(vnet, 1312, 27)),
        // Azure reserves the first four addresses of a subnet.
        internalLoadBalancerIp: formatIpv4(lb.base + 10),
    };
}

/**
 * One network security rule, in the shape azure-native's securityRules take. Azure accepts `*` and
 * service tags (VirtualNetwork, Internet, Storage, ...) only in the singular fields, and lists only
 * of CIDRs or ports in the plural ones, so each rule carries exactly one of each pair.
 */
export interface SecurityRule {
    readonly name: string;
    readonly priority: number;
    readonly direction: "Inbound" | "Outbound";
    readonly access: "Allow" | "Deny";
    readonly protocol: "Tcp" | "*";
    readonly sourceAddressPrefix: string;
    readonly sourcePortRange: "*";
    readonly destinationAddressPrefix?: string;
    readonly destinationAddressPrefixes?: string[];
    readonly destinationPortRange?: string;
    readonly destinationPortRanges?: string[];
    readonly description: string;
}

/** Port the internal load balancer listens on and port the pods serve. */
export const backendPorts = { loadBalancer: "80", pod: "8080" } as const;

interface RuleSpec {
    readonly name: string;
    readonly priority: number;
    readonly direction: SecurityRule["direction"];
    readonly access: SecurityRule["access"];
    readonly protocol: SecurityRule["protocol"];
    readonly sourceAddressPrefix: string;
    /** CIDRs, or one of `*` / a service tag. */
    readonly destinations: readonly string[];
    /** Ports or port ranges, or `*`. */
    readonly ports: readonly string[];
    readonly description: string;
}

const cidrPattern = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const portPattern = /^\d{1,5}(-\d{1,5})?$/;

/** Puts one value in the singular field and several in the plural one, as Azure requires. */
function rule(spec: RuleSpec): SecurityRule {
    const { destinations, ports, ...rest } = spec;
    if (destinations.length > 1 && !destinations.every((d) => cidrPattern.test(d))) {
        throw new Error(
            `rule ${spec.name}: several destinations must all be CIDRs, got ${destinations.join(", ")}`,
        );
    }
    if (ports.length > 1 && !ports.every((p) => portPattern.test(p))) {
        throw new Error(
            `rule ${spec.name}: several ports must all be numbers or ranges, got ${ports.join(", ")}`,
        );
    }
    const [destination] = destinations;
    const [port] = ports;
    return {
        ...rest,
        sourcePortRange: "*",
        ...(destinations.length === 1 && destination !== undefined
            ? { destinationAddressPrefix: destination }
            : { destinationAddressPrefixes: [...destinations] }),
        ...(ports.length === 1 && port !== undefined
            ? { destinationPortRange: port }
            : { destinationPortRanges: [...ports] }),
    };
}

/**
 * Nodes and load balancer subnets: only the gateway reaches the backend port; nothing else on the
 * VNet reaches the load balancer, and nothing arrives from the internet.
 */
export function backendRules(plan: NetworkPlan): SecurityRule[] {
    return [
        rule({
            name: "allow-gateway-to-backend",
            priority: 100,
            direction: "Inbound",
            access: "Allow",
            protocol: "Tcp",
            sourceAddressPrefix: plan.gateway,
            destinations: [plan.internalLoadBalancer, plan.nodes],
            ports: [backendPorts.loadBalancer, backendPorts.pod],
            description: "API Management's subnet calls the tool backend through the internal load balancer.",
        }),
        rule({
            name: "deny-other-vnet-to-backend",
            priority: 4000,
            direction: "Inbound",
            access: "Deny",
            protocol: "*",
            sourceAddressPrefix: "VirtualNetwork",
            destinations: [plan.internalLoadBalancer],
            ports: ["*"],
            description: "No other VNet source reaches the backend: every call goes through the gateway.",
        }),
        rule({
            name: "deny-internet-inbound",
            priority: 4010,
            direction: "Inbound",
            access: "Deny",
            protocol: "*",
            sourceAddressPrefix: "Internet",
            destinations: ["*"],
            ports: ["*"],
            description: "The backend has no public path.",
        }),
    ];
}

/** Who, besides the tool pods, calls services through the private endpoints subnet. */
export interface PrivateEndpointCallers {
    /** The gateway calls a service through its private endpoint (Content Safety). */
    readonly gateway: boolean;
}

/** HTTPS from the gateway's subnet to the private endpoints subnet, in the given direction. */
function gatewayToPrivateEndpoints(
    plan: NetworkPlan,
    direction: SecurityRule["direction"],
    priority: number,
): SecurityRule {
    return rule({
        name: "allow-gateway-to-private-endpoints",
        priority,
        direction,
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefix: plan.gateway,
        destinations: [plan.privateEndpoints],
        ports: ["443"],
        description: "The gateway calls Content Safety through its private endpoint.",
    });
}

/**
 * Gateway subnet: outbound integration needs no inbound rule; classic injection needs APIM's own.
 * With `callers.gateway`, the gateway may also reach the private endpoints subnet over HTTPS.
 */
export function gatewayRules(
    plan: NetworkPlan,
    mode: ApimNetworkMode,
    callers: PrivateEndpointCallers,
): SecurityRule[] {
    const toPrivateEndpoints = callers.gateway ? [gatewayToPrivateEndpoints(plan, "Outbound", 150)] : [];
    const toBackend = rule({
        name: "allow-gateway-to-backend-outbound",
        priority: 100,
        direction: "Outbound",
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefix: plan.gateway,
        destinations: [plan.internalLoadBalancer, plan.nodes],
        ports: [backendPorts.loadBalancer, backendPorts.pod],
        description: "Gateway to the tool backend's internal load balancer.",
    });
    if (mode === "outbound-integration") {
        return [
            toBackend,
            ...toPrivateEndpoints,
            rule({
                name: "deny-internet-inbound",
                priority: 4000,
                direction: "Inbound",
                access: "Deny",
                protocol: "*",
                sourceAddressPrefix: "Internet",
                destinations: ["*"],
                ports: ["*"],
                description: "Outbound integration only: nothing enters through this subnet.",
            }),
        ];
    }
    // API Management (classic tiers) virtual network reference: required inbound and outbound rules.
    const inbound = (name: string, priority: number, source: string, ports: string[], description: string) =>
        rule({
            name,
            priority,
            direction: "Inbound",
            access: "Allow",
            protocol: "Tcp",
            sourceAddressPrefix: source,
            destinations: ["VirtualNetwork"],
            ports,
            description,
        });
    const outbound = (name: string, priority: number, tag: string, ports: string[], description: string) =>
        rule({
            name,
            priority,
            direction: "Outbound",
            access: "Allow",
            protocol: "Tcp",
            sourceAddressPrefix: "VirtualNetwork",
            destinations: [tag],
            ports,
            description,
        });
    return [
        inbound("allow-clients", 110, "Internet", ["443"], "Agents call the gateway over HTTPS."),
        inbound(
            "allow-apim-management",
            120,
            "ApiManagement",
            ["3443"],
            "Management endpoint (portal, ARM).",
        ),
        inbound(
            "allow-azure-load-balancer",
            130,
            "AzureLoadBalancer",
            ["6390"],
            "Infrastructure load balancer.",
        ),
        toBackend,
        ...toPrivateEndpoints,
        outbound("allow-storage", 110, "Storage", ["443"], "APIM dependency on Azure Storage."),
        outbound("allow-sql", 120, "Sql", ["1433"], "APIM dependency on Azure SQL."),
        outbound("allow-key-vault", 130, "AzureKeyVault", ["443"], "Certificates from Key Vault."),
        outbound("allow-monitor", 140, "AzureMonitor", ["1886", "443"], "Diagnostics and metrics."),
    ];
}

/**
 * Private endpoints subnet: the tool pods (through their nodes) reach the endpoints of the services
 * they use; with `callers.gateway` the gateway's subnet does too; nothing else does.
 */
export function privateEndpointRules(plan: NetworkPlan, callers: PrivateEndpointCallers): SecurityRule[] {
    return [
        rule({
            name: "allow-nodes-to-private-endpoints",
            priority: 100,
            direction: "Inbound",
            access: "Allow",
            protocol: "Tcp",
            sourceAddressPrefix: plan.nodes,
            destinations: [plan.privateEndpoints],
            ports: ["443"],
            description:
                "Pods (through their nodes) reach storage, Cosmos DB, AI Search and Key Vault through their private endpoints.",
        }),
        ...(callers.gateway ? [gatewayToPrivateEndpoints(plan, "Inbound", 110)] : []),
        rule({
            name: "deny-other-inbound",
            priority: 4000,
            direction: "Inbound",
            access: "Deny",
            protocol: "*",
            sourceAddressPrefix: "*",
            destinations: [plan.privateEndpoints],
            ports: ["*"],
            description: "Nothing else reaches the private endpoints.",
        }),
    ];
}
