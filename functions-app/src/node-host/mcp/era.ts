import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { isLegacyProtocolVersion, metaKeys } from "../../mcp/revisions";

export type Era = "modern" | "legacy";

/**
 * Which revision family a POST speaks, decided per request as the versioning page says: a request
 * whose `_meta` carries a protocol version is modern (stateless); so is one whose
 * `MCP-Protocol-Version` header names a version that is not a handshake revision (an unknown
 * version is refused as modern, with the supported list). Everything else is legacy: `initialize`
 * and what follows it, clients before 2025-06-18 that send no header, and batches (which the
 * modern revision does not allow and legacy ones did).
 */
export function eraOf(
    headerVersion: string | undefined,
    /** The body's message, or undefined when the body is a batch (of any length). */
    single: JSONRPCMessage | undefined,
): Era {
    if (single === undefined) return "legacy";
    if (metaVersionOf(single) !== undefined) return "modern";
    return headerVersion === undefined || isLegacyProtocolVersion(headerVersion) ? "legacy" : "modern";
}

/** The `_meta` protocol version member of a message, as sent (any JSON value), if present. */
export function metaVersionOf(message: JSONRPCMessage): unknown {
    const meta = metaOf(message);
    return meta && metaKeys.protocolVersion in meta ? meta[metaKeys.protocolVersion] : undefined;
}

/** `params._meta` of a request or notification, when it is an object. */
export function metaOf(message: JSONRPCMessage): Record<string, unknown> | undefined {
    if (!("method" in message)) return undefined;
    const meta = (message.params as { _meta?: unknown } | undefined)?._meta;
    return typeof meta === "object" && meta !== null && !Array.isArray(meta)
        ? (meta as Record<string, unknown>)
        : undefined;
}
