/**
 * Properties of the address planning over generated address spaces, not a handful of examples:
 * every accepted space yields aligned, disjoint subnets inside it, clear of the AKS ranges, the same
 * every time; every space too small, too large, public or colliding is refused with a reason.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import {
    carve,
    contains,
    formatCidr,
    formatIpv4,
    overlaps,
    parseCidr,
    size,
    type Ipv4Block,
} from "../../components/network/cidr";
import {
    addressSpaceProblems,
    aksPodCidr,
    aksServiceCidr,
    planNetwork,
    vnetPrefixRange,
} from "../../components/network/plan";

const block = (cidr: string): Ipv4Block => parseCidr(cidr) as Ipv4Block;
const rfc1918 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(block);
const aksRanges = [aksServiceCidr, aksPodCidr].map(block);

/** Any aligned IPv4 block: a random address with the host bits of a random prefix cleared. */
const anyBlock = (prefixes: fc.Arbitrary<number>): fc.Arbitrary<Ipv4Block> =>
    fc.tuple(fc.nat({ max: 0xffffffff }), prefixes).map(([address, prefix]) => ({
        base: prefix === 0 ? 0 : (address & ~((2 ** (32 - prefix) - 1) >>> 0)) >>> 0,
        prefix,
    }));

/** An aligned block of `prefixes` inside one of the private ranges. */
const privateBlock = (prefixes: fc.Arbitrary<number>): fc.Arbitrary<Ipv4Block> =>
    fc
        .tuple(fc.constantFrom(...rfc1918), fc.nat({ max: 0xffffffff }), prefixes)
        .filter(([range, , prefix]) => prefix >= range.prefix)
        .map(([range, offset, prefix]) => {
            const blockSize = 2 ** (32 - prefix);
            const slots = size(range) / blockSize;
            return { base: (range.base + (offset % slots) * blockSize) >>> 0, prefix };
        });

/** Spaces the plan accepts: private, /16 to /20, clear of the AKS service and pod ranges. */
const acceptedSpace = privateBlock(fc.integer({ min: vnetPrefixRange.min, max: vnetPrefixRange.max }))
    .filter((b) => !aksRanges.some((r) => overlaps(b, r)))
    .map(formatCidr);

describe("address planning properties (fast-check)", () => {
    it("lays out aligned, disjoint subnets inside every accepted space, clear of the AKS ranges", () => {
        fc.assert(
            fc.property(acceptedSpace, (space) => {
                assert.deepEqual(addressSpaceProblems(space), []);
                const plan = planNetwork(space);
                const vnet = block(space);
                const subnets = [plan.nodes, plan.gateway, plan.internalLoadBalancer, plan.privateEndpoints];
                for (const cidr of subnets) {
                    // parseCidr refuses host bits: a parsed subnet is aligned to its own size.
                    const subnet = parseCidr(cidr);
                    assert.ok(subnet, `${cidr} is not an aligned block`);
                    assert.ok(contains(vnet, subnet), `${cidr} outside ${space}`);
                    for (const range of aksRanges)
                        assert.ok(!overlaps(subnet, range), `${cidr} overlaps AKS`);
                }
                for (const [i, a] of subnets.entries())
                    for (const b of subnets.slice(i + 1))
                        assert.ok(!overlaps(block(a), block(b)), `${a} ~ ${b}`);
                // The load balancer's address is usable: inside its subnet, past Azure's four reserved
                // addresses and before the broadcast address.
                const lb = block(plan.internalLoadBalancer);
                const ip = parseCidr(`${plan.internalLoadBalancerIp}/32`) as Ipv4Block;
                assert.ok(
                    ip.base >= lb.base + 4 && ip.base < lb.base + size(lb) - 1,
                    plan.internalLoadBalancerIp,
                );
                // Deterministic: the same space always gives the same plan (resource inputs stay put).
                assert.deepEqual(planNetwork(space), plan);
            }),
            { numRuns: 300 },
        );
    });

    it("refuses spaces smaller than a /20 or larger than a /16, whatever their address", () => {
        const wrongSize = fc.oneof(
            privateBlock(fc.integer({ min: vnetPrefixRange.max + 1, max: 32 })),
            privateBlock(fc.integer({ min: 8, max: vnetPrefixRange.min - 1 })),
        );
        fc.assert(
            fc.property(wrongSize, (b) => {
                const space = formatCidr(b);
                assert.ok(
                    addressSpaceProblems(space).some((p) => p.startsWith("must be a /16 to /20")),
                    space,
                );
                assert.throws(() => planNetwork(space), new RegExp(`VNet address space ${space}: `));
            }),
            { numRuns: 200 },
        );
    });

    it("refuses public spaces and spaces that overlap the AKS service or pod range", () => {
        const publicSpace = anyBlock(fc.integer({ min: 16, max: 20 })).filter(
            (b) => !rfc1918.some((r) => contains(r, b)),
        );
        const collidingSpace = privateBlock(fc.integer({ min: 16, max: 20 })).filter((b) =>
            aksRanges.some((r) => overlaps(b, r)),
        );
        fc.assert(
            fc.property(publicSpace, (b) => {
                assert.ok(addressSpaceProblems(formatCidr(b)).includes("must be a private (RFC 1918) range"));
            }),
        );
        fc.assert(
            fc.property(collidingSpace, (b) => {
                const problems = addressSpaceProblems(formatCidr(b));
                assert.ok(
                    problems.some((p) => /overlaps the AKS (service|pod) range/.test(p)),
                    problems.join("; "),
                );
                assert.throws(() => planNetwork(formatCidr(b)));
            }),
        );
    });

    it("carves only aligned blocks inside the parent, and CIDR text round-trips", () => {
        fc.assert(
            fc.property(
                anyBlock(fc.integer({ min: 0, max: 32 })),
                fc.nat({ max: 2 ** 16 }),
                fc.integer({ min: 0, max: 32 }),
                (parent, offset, prefix) => {
                    assert.deepEqual(parseCidr(formatCidr(parent)), parent);
                    let carved: Ipv4Block;
                    try {
                        carved = carve(parent, offset, prefix);
                    } catch (error) {
                        // Refused exactly when the block would be misaligned or stick out of the parent.
                        const candidate = { base: (parent.base + offset) >>> 0, prefix };
                        assert.ok(
                            offset % size(candidate) !== 0 || !contains(parent, candidate),
                            String(error),
                        );
                        return;
                    }
                    assert.ok(contains(parent, carved));
                    assert.equal(carved.base % size(carved), 0);
                    assert.equal(formatIpv4(carved.base), formatCidr(carved).split("/")[0]);
                },
            ),
            { numRuns: 500 },
        );
    });

    it("overlap is symmetric, and containment implies overlap", () => {
        const anyPrefix = fc.integer({ min: 0, max: 32 });
        fc.assert(
            fc.property(anyBlock(anyPrefix), anyBlock(anyPrefix), (a, b) => {
                assert.equal(overlaps(a, b), overlaps(b, a));
                if (contains(a, b)) assert.ok(overlaps(a, b));
                // Two aligned blocks either nest or are disjoint (that is what keeps subnets apart).
                assert.equal(overlaps(a, b), contains(a, b) || contains(b, a));
            }),
            { numRuns: 500 },
        );
    });
});
