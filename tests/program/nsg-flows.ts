/**
 * Whether Azure would let one TCP flow between two subnets of the plan through, given each
 * subnet's security rules: the source subnet's outbound rules, then the destination's inbound
 * rules, each read in priority order, first match wins, after them Azure's default rules
 * (VNet to VNet allowed, internet outbound allowed, everything else denied).
 */
import { contains, parseCidr, type Ipv4Block } from "../../components/network/cidr";
import type { SecurityRule } from "../../components/network/plan";

export interface Flow {
    readonly source: number;
    readonly destination: number;
    readonly port: number;
}

/** The defaults every network security group ends with (priorities 65000-65500). */
const defaultRules: readonly SecurityRule[] = [
    ...(["Inbound", "Outbound"] as const).map((direction): SecurityRule => ({
        name: `allow-vnet-${direction}`,
        priority: 65000,
        direction,
        access: "Allow",
        protocol: "*",
        sourceAddressPrefix: "VirtualNetwork",
        sourcePortRange: "*",
        destinationAddressPrefix: "VirtualNetwork",
        destinationPortRange: "*",
        description: "Azure default",
    })),
    {
        name: "allow-internet-outbound",
        priority: 65001,
        direction: "Outbound",
        access: "Allow",
        protocol: "*",
        sourceAddressPrefix: "*",
        sourcePortRange: "*",
        destinationAddressPrefix: "Internet",
        destinationPortRange: "*",
        description: "Azure default",
    },
    ...(["Inbound", "Outbound"] as const).map((direction): SecurityRule => ({
        name: `deny-all-${direction}`,
        priority: 65500,
        direction,
        access: "Deny",
        protocol: "*",
        sourceAddressPrefix: "*",
        sourcePortRange: "*",
        destinationAddressPrefix: "*",
        destinationPortRange: "*",
        description: "Azure default",
    })),
];

function block(cidr: string): Ipv4Block {
    const parsed = parseCidr(cidr);
    if (!parsed) throw new Error(`not a CIDR block: ${cidr}`);
    return parsed;
}

/** Whether `address` is in `prefix`: a CIDR, `*`, or the tags a flow inside the VNet can meet. */
function addressMatches(prefix: string, address: number, vnet: Ipv4Block): boolean {
    if (prefix === "*") return true;
    const inVnet = contains(vnet, { base: address, prefix: 32 });
    if (prefix === "VirtualNetwork") return inVnet;
    if (prefix === "Internet") return !inVnet;
    const cidr = parseCidr(prefix);
    // Other service tags (Storage, AzureKeyVault, ...) name Azure services, never a subnet here.
    return cidr !== undefined && contains(cidr, { base: address, prefix: 32 });
}

function portMatches(range: string, port: number): boolean {
    if (range === "*") return true;
    const [low, high = low] = range.split("-").map(Number);
    return low !== undefined && high !== undefined && port >= low && port <= high;
}

function matches(rule: SecurityRule, flow: Flow, vnet: Ipv4Block): boolean {
    const destinations = rule.destinationAddressPrefixes ?? [rule.destinationAddressPrefix ?? ""];
    const ports = rule.destinationPortRanges ?? [rule.destinationPortRange ?? ""];
    return (
        addressMatches(rule.sourceAddressPrefix, flow.source, vnet) &&
        destinations.some((d) => addressMatches(d, flow.destination, vnet)) &&
        ports.some((p) => portMatches(p, flow.port))
    );
}

/** The rule that decides `flow` in one direction of one security group. */
export function decidingRule(
    rules: readonly SecurityRule[],
    direction: SecurityRule["direction"],
    flow: Flow,
    vnetSpace: string,
): SecurityRule {
    const vnet = block(vnetSpace);
    const ordered = [...rules, ...defaultRules]
        .filter((r) => r.direction === direction)
        .sort((a, b) => a.priority - b.priority);
    const rule = ordered.find((r) => matches(r, flow, vnet));
    if (!rule) throw new Error("the default rules match every flow");
    return rule;
}

/** Whether a TCP flow leaves its subnet (outbound rules) and enters the other (inbound rules). */
export function flowAllowed(
    sourceRules: readonly SecurityRule[],
    destinationRules: readonly SecurityRule[],
    flow: Flow,
    vnetSpace: string,
): boolean {
    return (
        decidingRule(sourceRules, "Outbound", flow, vnetSpace).access === "Allow" &&
        decidingRule(destinationRules, "Inbound", flow, vnetSpace).access === "Allow"
    );
}

/** A usable host address of a subnet (past the four Azure reserves). */
export function hostIn(subnet: string): number {
    return block(subnet).base + 4;
}
