/**
 * Redirect URI rules: `https`, or `http` to a loopback host with any port (RFC 8252 §7.3: native
 * apps listen on an ephemeral port). No fragment, no credentials. At /authorize the URI must equal a
 * registered one exactly, except that a loopback URI may name another port.
 */

const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);

export function isLoopbackHost(hostname: string): boolean {
    return loopbackHosts.has(hostname.toLowerCase());
}

/** Why a redirect URI cannot be registered, or undefined when it can. */
export function redirectUriProblem(value: unknown): string | undefined {
    if (typeof value !== "string" || value.length === 0 || value.length > 2000)
        return "a redirect URI must be a non-empty string of at most 2000 characters";
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `${value} is not an absolute URL`;
    }
    if (url.hash || value.includes("#")) return `${value} has a fragment`;
    if (url.username || url.password) return `${value} carries credentials`;
    if (url.protocol === "https:") return undefined;
    if (url.protocol === "http:") {
        return isLoopbackHost(url.hostname)
            ? undefined
            : `${value}: plain http is allowed only for loopback hosts (127.0.0.1, [::1], localhost)`;
    }
    return `${value}: the scheme must be https (or http for a loopback host)`;
}

/** The registered URI the requested one matches, if any. */
export function matchRedirectUri(requested: string, registered: readonly string[]): string | undefined {
    if (registered.includes(requested)) return requested;
    let want: URL;
    try {
        want = new URL(requested);
    } catch {
        return undefined;
    }
    if (want.protocol !== "http:" || !isLoopbackHost(want.hostname)) return undefined;
    return registered.find((candidate) => {
        const have = new URL(candidate);
        return (
            have.protocol === "http:" &&
            have.hostname === want.hostname &&
            have.pathname === want.pathname &&
            have.search === want.search
        );
    });
}
