import { backendPaths } from "../../contract";

/** Where the clients of one host post legacy SSE messages. */
export interface MessageEndpointBase {
    /** PUBLIC_BASE_URL: clients get an absolute URL on it. */
    readonly publicBaseUrl?: string | undefined;
    /** The gateway's path for the message endpoint, when the stream was opened through the gateway. */
    readonly gatewayPath?: string | undefined;
}

/** An absolute path of plain segments: never `//host` (another origin) nor a backslash. */
const plainPath = /^(?:\/[A-Za-z0-9._~-]+)+$/;

/** The gateway's message path from its header, or undefined when absent or not a plain path. */
export function gatewayMessagePath(header: string | string[] | undefined): string | undefined {
    return typeof header === "string" && header.length <= 256 && plainPath.test(header) ? header : undefined;
}

/**
 * The `endpoint` event's URL. Never path-relative: `message?...` resolves wrongly from `.../sse/`
 * and from clients that resolve against the server's base URI. Root-relative (the gateway's path
 * behind the gateway, the host's own otherwise), or absolute on PUBLIC_BASE_URL when set.
 */
export function messageEndpoint(sessionId: string, base: MessageEndpointBase): string {
    const query = `?sessionId=${encodeURIComponent(sessionId)}`;
    const publicBase = base.publicBaseUrl?.replace(/\/+$/, "");
    if (base.gatewayPath !== undefined) {
        // The gateway's paths are on its origin, whatever path PUBLIC_BASE_URL carries.
        const path = base.gatewayPath + query;
        return publicBase === undefined ? path : new URL(path, publicBase).href;
    }
    return (publicBase ?? "") + backendPaths.mcpMessage + query;
}
