/** IPv4 CIDR arithmetic for planning subnets. Pure. */

export interface Ipv4Block {
    /** Network address as an unsigned 32-bit integer. */
    readonly base: number;
    readonly prefix: number;
}

/** Parses `a.b.c.d/n`; returns undefined when malformed or when host bits are set. */
export function parseCidr(cidr: string): Ipv4Block | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const base = octets.reduce((value, octet) => value * 256 + octet, 0);
    if ((base & hostMask(prefix)) !== 0) return undefined;
    return { base, prefix };
}

/** Parses a single address `a.b.c.d`. */
export function parseIpv4(ip: string): number | undefined {
    const block = parseCidr(`${ip}/32`);
    return block?.base;
}

export function formatIpv4(value: number): string {
    return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

export function formatCidr(block: Ipv4Block): string {
    return `${formatIpv4(block.base)}/${block.prefix}`;
}

export function size(block: Ipv4Block): number {
    return 2 ** (32 - block.prefix);
}

export function overlaps(a: Ipv4Block, b: Ipv4Block): boolean {
    return a.base < b.base + size(b) && b.base < a.base + size(a);
}

export function contains(outer: Ipv4Block, inner: Ipv4Block): boolean {
    return inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
}

/** The block of `prefix` bits starting `offset` addresses into `parent`. */
export function carve(parent: Ipv4Block, offset: number, prefix: number): Ipv4Block {
    const block = { base: (parent.base + offset) >>> 0, prefix };
    if (offset % size(block) !== 0 || !contains(parent, block)) {
        throw new Error(`cannot carve a /${prefix} at offset ${offset} of ${formatCidr(parent)}`);
    }
    return block;
}

/** Whether a public-internet range (for API server authorized ranges): not RFC 1918, loopback or link-local. */
export function isPrivateRange(block: Ipv4Block): boolean {
    return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16"].some((r) =>
        contains(parseCidr(r) as Ipv4Block, block),
    );
}

function hostMask(prefix: number): number {
    return prefix === 0 ? 0xffffffff : (2 ** (32 - prefix) - 1) >>> 0;
}
