/**
 * DNS-rebinding defence required by the MCP transport spec: a browser page may only reach the
 * server from an allowed origin. Clients that are not browsers send no Origin and are not affected.
 * With no explicit list, only loopback origins are allowed (MCP Inspector on a developer machine).
 */
export function isOriginAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
    if (origin === undefined) return true;
    if (allowed.length > 0) return allowed.includes(origin) || allowed.includes("*");
    try {
        const { hostname } = new URL(origin);
        return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
    } catch {
        return false;
    }
}
