/**
 * DNS-rebinding defence in depth: a page on a hostile domain that re-resolves its name to this
 * server still sends its own name in Host, so requests are served only for names this server goes
 * by. Ports are not compared: proxies and load balancers legitimately map ports.
 */
export class HostAllowList {
    private readonly names: ReadonlySet<string>;
    private readonly any: boolean;
    /** The last Host header allowed: a client sends the same one request after request. */
    private lastAllowed: string | undefined;

    /**
     * @param anyAddress also serve any IP literal: right for a wildcard listener, which answers on
     *   every address traffic reaches it by (pod IP, a load balancer's IP). An IP literal is no
     *   rebinding vector: a page that sends it was itself loaded from that address.
     */
    constructor(
        names: Iterable<string>,
        private readonly anyAddress = false,
    ) {
        const normalized = [...names].map(normalizeHostname).filter((n): n is string => n !== undefined);
        this.any = normalized.includes("*");
        this.names = new Set(normalized);
    }

    /** True when the Host header names this server (no Host at all: an HTTP/1.0 client, not a browser). */
    allows(hostHeader: string | undefined): boolean {
        if (this.any || hostHeader === undefined || hostHeader === this.lastAllowed) return true;
        const name = hostnameOf(hostHeader);
        if (name === undefined) return false;
        const allowed = this.names.has(name) || (this.anyAddress && isIpLiteral(name));
        if (allowed) this.lastAllowed = hostHeader;
        return allowed;
    }
}

const loopbackNames = ["localhost", "127.0.0.1", "[::1]"];
const wildcardAddresses = new Set(["", "0.0.0.0", "::", "[::]"]);

export interface HostNames {
    /** Address the server listens on; a wildcard (0.0.0.0, ::) means any address. */
    readonly listenHost: string;
    /** Base URL clients use (PUBLIC_BASE_URL); its host is allowed. */
    readonly publicBaseUrl?: string | undefined;
    /** Further names (ALLOWED_HOSTS): internal DNS names, a load balancer's IP; `*` allows any. */
    readonly allowedHosts?: readonly string[] | undefined;
}

/** The names this server answers to: loopback, the listen address(es), the public URL's host, the allow-list. */
export function hostAllowListFor(names: HostNames): HostAllowList {
    const all = [...loopbackNames, names.listenHost, ...(names.allowedHosts ?? [])];
    if (names.publicBaseUrl !== undefined) all.push(new URL(names.publicBaseUrl).hostname);
    return new HostAllowList(all, wildcardAddresses.has(names.listenHost));
}

/** The host name of a Host header value, lower-cased, without port; IPv6 literals keep brackets. */
export function hostnameOf(hostHeader: string): string | undefined {
    const value = hostHeader.trim().toLowerCase();
    const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(value);
    return match?.[1]?.replace(/\.$/, "");
}

function isIpLiteral(name: string): boolean {
    return /^\d{1,3}(?:\.\d{1,3}){3}$/.test(name) || /^\[[0-9a-f:.]+\]$/.test(name);
}

function normalizeHostname(name: string): string | undefined {
    const value = name.trim().toLowerCase();
    if (value === "*") return value;
    if (/^[0-9a-f]*:[0-9a-f:.]*$/.test(value)) return `[${value}]`; // a bare IPv6 address
    return hostnameOf(value);
}
