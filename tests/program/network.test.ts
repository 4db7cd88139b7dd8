import * as assert from "node:assert/strict";
import { carve, formatCidr, isPrivateRange, overlaps, parseCidr } from "../../components/network/cidr";
import {
    addressSpaceProblems,
    backendRules,
    gatewayRules,
    planNetwork,
    privateEndpointRules,
    type ApimNetworkMode,
    type PrivateEndpointCallers,
} from "../../components/network/plan";
import { decidingRule, flowAllowed, hostIn } from "./nsg-flows";

const tools: PrivateEndpointCallers = { gateway: false };
const toolsAndGateway: PrivateEndpointCallers = { gateway: true };

describe("private network plan", () => {
    it("parses CIDR blocks and rejects host bits and malformed input", () => {
        assert.deepEqual(parseCidr("10.40.0.0/16"), { base: 0x0a280000, prefix: 16 });
        for (const bad of ["10.40.0.1/16", "10.40.0.0", "256.0.0.0/8", "10.0.0.0/33", "a.b.c.d/8"])
            assert.equal(parseCidr(bad), undefined, bad);
        const vnet = parseCidr("10.40.0.0/16")!;
        assert.equal(formatCidr(carve(vnet, 1280, 27)), "10.40.5.0/27");
        assert.throws(() => carve(vnet, 1290, 27), /cannot carve/);
        assert.ok(overlaps(parseCidr("10.244.0.0/16")!, parseCidr("10.0.0.0/8")!));
        assert.ok(!overlaps(parseCidr("10.40.0.0/16")!, parseCidr("10.41.0.0/16")!));
        assert.ok(isPrivateRange(parseCidr("192.168.1.0/24")!));
        assert.ok(!isPrivateRange(parseCidr("203.0.113.0/24")!));
    });

    it("lays out non-overlapping subnets inside the address space, with a fixed load balancer address", () => {
        for (const space of ["10.40.0.0/16", "172.20.16.0/20", "192.168.0.0/20"]) {
            const plan = planNetwork(space);
            const vnet = parseCidr(space)!;
            const subnets = [plan.nodes, plan.gateway, plan.internalLoadBalancer, plan.privateEndpoints].map(
                (c) => parseCidr(c)!,
            );
            for (const s of subnets)
                assert.ok(s.base >= vnet.base && s.base < vnet.base + 2 ** (32 - vnet.prefix));
            for (const [i, a] of subnets.entries())
                for (const b of subnets.slice(i + 1)) assert.ok(!overlaps(a, b), space);
            const lb = parseCidr(plan.internalLoadBalancer)!;
            const ip = parseCidr(`${plan.internalLoadBalancerIp}/32`)!;
            assert.ok(ip.base >= lb.base + 4 && ip.base < lb.base + 31, "a usable address of the LB subnet");
        }
        assert.deepEqual(planNetwork("10.40.0.0/16"), {
            addressSpace: "10.40.0.0/16",
            nodes: "10.40.0.0/22",
            gateway: "10.40.4.0/24",
            internalLoadBalancer: "10.40.5.0/27",
            privateEndpoints: "10.40.5.32/27",
            internalLoadBalancerIp: "10.40.5.10",
        });
    });

    it("rejects address spaces that are too small, public, or overlap the AKS ranges", () => {
        assert.deepEqual(addressSpaceProblems("10.40.0.0/16"), []);
        assert.match(addressSpaceProblems("10.40.0.0/22").join(), /must be a \/16 to \/20/);
        assert.match(addressSpaceProblems("10.0.0.0/8").join(), /overlaps the AKS pod range/);
        assert.match(addressSpaceProblems("172.16.0.0/16").join(), /overlaps the AKS service range/);
        assert.match(addressSpaceProblems("20.0.0.0/16").join(), /private \(RFC 1918\)/);
        assert.match(addressSpaceProblems("10.40.0.5/16").join(), /IPv4 CIDR block/);
        assert.throws(() => planNetwork("10.244.0.0/16"), /overlaps the AKS pod range/);
    });

    it("admits only the gateway's subnet to the backend and nothing from the internet", () => {
        const plan = planNetwork("10.40.0.0/16");
        const rules = backendRules(plan);
        const allows = rules.filter((r) => r.access === "Allow" && r.direction === "Inbound");
        assert.deepEqual(
            allows.map((r) => r.sourceAddressPrefix),
            [plan.gateway],
        );
        const denyVnet = rules.find((r) => r.name === "deny-other-vnet-to-backend")!;
        const [gatewayAllow] = allows;
        assert.ok(
            gatewayAllow && denyVnet.priority > gatewayAllow.priority,
            "the gateway's allow is evaluated first",
        );
        assert.ok(rules.some((r) => r.access === "Deny" && r.sourceAddressPrefix === "Internet"));
        const pe = privateEndpointRules(plan, tools);
        assert.deepEqual(
            pe
                .filter((r) => r.access === "Allow")
                .map((r) => [r.sourceAddressPrefix, r.destinationPortRange]),
            [[plan.nodes, "443"]],
        );
        for (const nsg of [rules, pe]) {
            const keys = nsg.map((r) => `${r.direction}:${r.priority}`);
            assert.equal(new Set(keys).size, keys.length, "priorities are unique per direction");
        }
    });

    it("gives classic injection the inbound and outbound rules APIM requires, and outbound integration none inbound", () => {
        const plan = planNetwork("10.40.0.0/16");
        const injected = gatewayRules(plan, "injection", tools);
        const ports = (name: string) => {
            const r = injected.find((x) => x.name === name);
            return (
                r?.destinationPortRanges ?? (r?.destinationPortRange ? [r.destinationPortRange] : undefined)
            );
        };
        assert.deepEqual(ports("allow-apim-management"), ["3443"]);
        assert.deepEqual(ports("allow-azure-load-balancer"), ["6390"]);
        assert.deepEqual(ports("allow-storage"), ["443"]);
        assert.deepEqual(ports("allow-sql"), ["1433"]);
        assert.deepEqual(ports("allow-key-vault"), ["443"]);
        assert.deepEqual(ports("allow-monitor"), ["1886", "443"]);
        const integrated = gatewayRules(plan, "outbound-integration", tools);
        assert.ok(!integrated.some((r) => r.direction === "Inbound" && r.access === "Allow"));
        for (const rules of [injected, integrated]) {
            const keys = rules.map((r) => `${r.direction}:${r.priority}`);
            assert.equal(new Set(keys).size, keys.length, "priorities are unique per direction");
            assert.ok(
                rules.some(
                    (r) =>
                        r.direction === "Outbound" &&
                        (r.destinationAddressPrefixes ?? []).includes(plan.internalLoadBalancer),
                ),
            );
        }
    });

    it("puts '*' and service tags only in the singular fields Azure accepts them in", () => {
        const plan = planNetwork("10.40.0.0/16");
        const all = [
            ...backendRules(plan),
            ...gatewayRules(plan, "injection", toolsAndGateway),
            ...gatewayRules(plan, "outbound-integration", toolsAndGateway),
            ...privateEndpointRules(plan, toolsAndGateway),
        ];
        for (const r of all) {
            assert.ok(
                (r.destinationAddressPrefix === undefined) !== (r.destinationAddressPrefixes === undefined),
                `${r.name}: exactly one destination field`,
            );
            assert.ok(
                (r.destinationPortRange === undefined) !== (r.destinationPortRanges === undefined),
                `${r.name}: exactly one port field`,
            );
            for (const d of r.destinationAddressPrefixes ?? [])
                assert.match(d, /^\d+\.\d+\.\d+\.\d+\/\d+$/, r.name);
            for (const p of r.destinationPortRanges ?? []) assert.match(p, /^\d+(-\d+)?$/, r.name);
        }
        const internet = backendRules(plan).find((r) => r.name === "deny-internet-inbound")!;
        assert.equal(internet.destinationAddressPrefix, "*");
        assert.equal(internet.destinationPortRange, "*");
    });

    describe("flows between the subnets, through both security groups", () => {
        const space = "10.40.0.0/16";
        const plan = planNetwork(space);
        const modes: ApimNetworkMode[] = ["outbound-integration", "injection"];
        const https = (from: string, to: string, port = 443) => ({
            source: hostIn(from),
            destination: hostIn(to),
            port,
        });

        for (const mode of modes)
            it(`${mode}: the gateway reaches the private endpoints over HTTPS only when it calls a service there`, () => {
                const withGateway = {
                    gateway: gatewayRules(plan, mode, toolsAndGateway),
                    endpoints: privateEndpointRules(plan, toolsAndGateway),
                };
                const flow = https(plan.gateway, plan.privateEndpoints);
                assert.ok(flowAllowed(withGateway.gateway, withGateway.endpoints, flow, space));
                assert.equal(
                    decidingRule(withGateway.gateway, "Outbound", flow, space).name,
                    "allow-gateway-to-private-endpoints",
                    "allowed by its own rule, not a default a later deny could shadow",
                );
                // HTTPS only: another port from the gateway stays shut.
                assert.ok(
                    !flowAllowed(
                        withGateway.gateway,
                        withGateway.endpoints,
                        https(plan.gateway, plan.privateEndpoints, 80),
                        space,
                    ),
                );
                // Without a service of its own behind an endpoint, the gateway has no way in.
                const without = {
                    gateway: gatewayRules(plan, mode, tools),
                    endpoints: privateEndpointRules(plan, tools),
                };
                assert.ok(!flowAllowed(without.gateway, without.endpoints, flow, space));
                // The gateway still reaches the backend either way.
                for (const rules of [withGateway, without])
                    assert.ok(
                        flowAllowed(
                            rules.gateway,
                            backendRules(plan),
                            https(plan.gateway, plan.internalLoadBalancer, 80),
                            space,
                        ),
                    );
            });

        it("the pods reach the private endpoints; other VNet addresses do not", () => {
            for (const callers of [tools, toolsAndGateway]) {
                const endpoints = privateEndpointRules(plan, callers);
                assert.ok(
                    flowAllowed(
                        backendRules(plan),
                        endpoints,
                        https(plan.nodes, plan.privateEndpoints),
                        space,
                    ),
                );
                assert.ok(
                    !flowAllowed(
                        backendRules(plan),
                        endpoints,
                        https(plan.internalLoadBalancer, plan.privateEndpoints),
                        space,
                    ),
                );
            }
        });
    });
});
