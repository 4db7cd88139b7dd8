import type { IncomingMessage, ServerResponse } from "node:http";
import { isOriginAllowed } from "./origin";
import { varyByOrigin } from "./correlation";
import { sendEmpty } from "./respond";

/** Methods the MCP transports use (Streamable HTTP: POST, GET, DELETE; preflight: OPTIONS). */
export const corsAllowedMethods = ["POST", "GET", "DELETE", "OPTIONS"] as const;

/**
 * Request headers a browser client may send: credentials, body type, the MCP transport headers of
 * every revision (2026-07-28 mirrors the method and tool name in `Mcp-Method`/`Mcp-Name`) and the
 * SSE resumption header.
 */
export const corsAllowedHeaders = [
    "authorization",
    "content-type",
    "mcp-protocol-version",
    "mcp-session-id",
    "last-event-id",
    "mcp-method",
    "mcp-name",
] as const;

/** Response headers a browser client must be able to read (session id, the 401 challenge). */
export const corsExposedHeaders = ["mcp-session-id", "www-authenticate"] as const;

/** How long a browser may cache a preflight answer. */
const preflightMaxAgeSeconds = 600;

/**
 * Cross-origin access for browser-based MCP clients. Only allowed origins get CORS headers; every
 * other origin gets none (and the Origin check refuses it). Returns true when the request was a
 * preflight and has been answered.
 */
export function applyCors(
    req: IncomingMessage,
    res: ServerResponse,
    allowedOrigins: readonly string[],
): boolean {
    // Caches must not serve one origin's answer to another.
    varyByOrigin(res);
    const origin = req.headers.origin;
    if (origin === undefined || !isOriginAllowed(origin, allowedOrigins)) return false;
    res.setHeader("access-control-allow-origin", origin);
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (!preflight) {
        res.setHeader("access-control-expose-headers", corsExposedHeaders.join(", "));
        return false;
    }
    sendEmpty(res, 204, {
        "access-control-allow-methods": corsAllowedMethods.join(", "),
        "access-control-allow-headers": corsAllowedHeaders.join(", "),
        "access-control-max-age": String(preflightMaxAgeSeconds),
        vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    });
    return true;
}
