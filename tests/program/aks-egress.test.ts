/**
 * The AKS pods' way out to Application Insights ingestion and Entra, as the program builds it: the
 * pods' NetworkPolicies, the node subnet's NSG (then Azure's default rules) and the cluster's
 * outbound type, each evaluated for HTTPS to a public address, so a tightening that would drop
 * every span fails here.
 */
import * as assert from "node:assert/strict";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { sharedStacks, sharedSynthesis } from "../support/shared-synthesis";
import { stackView } from "../support/synth";
import { workloadObjects } from "../support/workload-objects";

type Obj = Record<string, unknown>;

/** A security rule as the NSG holds it (components/network/plan.ts writes one of each pair). */
interface NsgRule {
    readonly direction: string;
    readonly access: string;
    readonly priority: number;
    readonly protocol: string;
    readonly destinationAddressPrefix?: string;
    readonly destinationAddressPrefixes?: string[];
    readonly destinationPortRange?: string;
    readonly destinationPortRanges?: string[];
}

const ipNumber = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
const inCidr = (ip: string, cidr: string) => {
    const [base = "", bits = "32"] = cidr.split("/");
    const size = 2 ** (32 - Number(bits));
    return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base) / size);
};
const isPrivate = (ip: string) =>
    ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((c) => inCidr(ip, c));

/** Whether the NSG's outbound rules, then Azure's defaults (AllowInternetOutBound), let TCP `ip:port` out. */
function nsgAllowsOut(rules: readonly NsgRule[], ip: string, port: number): boolean {
    const matches = (r: NsgRule) => {
        const destinations = r.destinationAddressPrefixes ?? [r.destinationAddressPrefix ?? ""];
        const ports = r.destinationPortRanges ?? [r.destinationPortRange ?? ""];
        const toAddress = destinations.some(
            (d) => d === "*" || (d === "Internet" && !isPrivate(ip)) || (d.includes("/") && inCidr(ip, d)),
        );
        const toPort = ports.some((p) => {
            const [low = "", high = low] = p.split("-");
            return p === "*" || (port >= Number(low) && port <= Number(high));
        });
        return (
            r.direction === "Outbound" && (r.protocol === "*" || r.protocol === "Tcp") && toAddress && toPort
        );
    };
    const first = [...rules].sort((a, b) => a.priority - b.priority).find(matches);
    // No rule of its own matches: Azure's defaults allow the VNet and the Internet (AllowInternetOutBound).
    return first === undefined || first.access === "Allow";
}

/** Whether the namespace's NetworkPolicies let a pod with `labels` open TCP `ip:port` (Kubernetes semantics). */
function networkPolicyAllowsEgress(policies: readonly Obj[], labels: Obj, ip: string, port: number): boolean {
    type Peer = { ipBlock?: { cidr: string; except?: string[] } };
    type Rule = { to?: Peer[]; ports?: { protocol?: string; port?: number }[] };
    const selecting = policies.filter((p) => {
        const spec = p.spec as { podSelector: { matchLabels?: Obj }; policyTypes?: string[] };
        const selects = Object.entries(spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
        return selects && (spec.policyTypes ?? []).includes("Egress");
    });
    if (selecting.length === 0) return true;
    return selecting.some((p) =>
        ((p.spec as { egress?: Rule[] }).egress ?? []).some((rule) => {
            const toPeer =
                rule.to === undefined ||
                rule.to.some(
                    (peer) =>
                        peer.ipBlock !== undefined &&
                        inCidr(ip, peer.ipBlock.cidr) &&
                        !(peer.ipBlock.except ?? []).some((c) => inCidr(ip, c)),
                );
            const toPort =
                rule.ports === undefined ||
                rule.ports.some(
                    (p) => (p.protocol ?? "TCP") === "TCP" && (p.port === undefined || p.port === port),
                );
            return toPeer && toPort;
        }),
    );
}

describe("the AKS pods' way out to the ingestion endpoint and Entra", function () {
    this.timeout(180_000);
    let prod: SynthResult;
    before(async () => {
        prod = await sharedSynthesis(sharedStacks.prodFromCi);
    });

    it("admits HTTPS to public addresses through the pods' NetworkPolicy, the node subnet's NSG and the cluster's load balancer outbound", () => {
        // A public address, as *.in.applicationinsights.azure.com and login.microsoftonline.com resolve to.
        const publicAddress = "20.50.64.10";
        const objects = workloadObjects(prod);
        const deployment = objects.find((o) => o.kind === "Deployment")!;
        const podLabels = (((deployment.spec as Obj).template as Obj).metadata as Obj).labels as Obj;
        const policies = objects.filter((o) => o.kind === "NetworkPolicy");
        assert.ok(policies.length > 0);
        assert.equal(networkPolicyAllowsEgress(policies, podLabels, publicAddress, 443), true);
        // The evaluator can refuse: everything else stays denied by the default-deny policy.
        assert.equal(networkPolicyAllowsEgress(policies, podLabels, publicAddress, 80), false);

        const { one, ofType } = stackView(prod);
        const vnet = one("azure-native:network:VirtualNetwork").inputs;
        const nodes = (vnet.subnets as Obj[]).find((s) => s.name === "aks-nodes")!;
        const nsgId = String((nodes.networkSecurityGroup as Obj).id);
        const nsg = ofType("azure-native:network:NetworkSecurityGroup").find((n) =>
            nsgId.endsWith(`/${String(n.inputs.networkSecurityGroupName)}`),
        );
        assert.ok(nsg, nsgId);
        const rules = nsg.inputs.securityRules as NsgRule[];
        assert.equal(nsgAllowsOut(rules, publicAddress, 443), true);
        assert.equal(
            nsgAllowsOut(
                [
                    {
                        direction: "Outbound",
                        access: "Deny",
                        priority: 4000,
                        protocol: "*",
                        destinationAddressPrefix: "Internet",
                        destinationPortRange: "*",
                    },
                ],
                publicAddress,
                443,
            ),
            false,
        );
        // The subnet has no default outbound access: the load balancer's outbound rules are the way out.
        assert.equal(nodes.defaultOutboundAccess, false);
        const cluster = one("azure-native:containerservice:ManagedCluster").inputs;
        assert.equal((cluster.networkProfile as Obj).outboundType, "loadBalancer");
        // Ingestion is public on the component (no private link scope is built).
        assert.notEqual(
            one("azure-native:applicationinsights:Component").inputs.publicNetworkAccessForIngestion,
            "Disabled",
        );
    });
});
