/**
 * MCP protocol revisions this service speaks, and the wire constants of the modern (2026-07-28)
 * revision that the hosts and the gateway must agree on: header names, `_meta` keys, error codes.
 * Pure data and string checks, no runtime library, so the gateway's policy renderer can import it.
 */

/** Revisions served statelessly, every request carrying its version in `_meta` (newest first). */
export const modernProtocolVersions: readonly string[] = ["2026-07-28"];

/** Handshake (`initialize`) revisions still served, newest first; 2024-11-05 includes legacy SSE. */
export const legacyProtocolVersions: readonly string[] = [
    "2025-11-25",
    "2025-06-18",
    "2025-03-26",
    "2024-11-05",
];

/**
 * Revisions whose schema has JSON-RPC batches: 2025-03-26 added them (2024-11-05's message types
 * have none) and 2025-06-18 removed them again.
 */
export const batchProtocolVersions: readonly string[] = ["2025-03-26"];

/** Every revision served, modern first: the list an UnsupportedProtocolVersion error names. */
export const supportedProtocolVersions: readonly string[] = [
    ...modernProtocolVersions,
    ...legacyProtocolVersions,
];

/** Streamable HTTP request headers (lower case, as Node exposes them; names compare case-insensitively). */
export const mcpHeaders = {
    protocolVersion: "mcp-protocol-version",
    /** Mirrors the body's `method` on every modern request. */
    method: "mcp-method",
    /** Mirrors `params.name` (tools/call, prompts/get) or `params.uri` (resources/read). */
    name: "mcp-name",
} as const;

/** Methods whose target the `Mcp-Name` header must carry, and the params member it mirrors. */
export const namedMethods: Readonly<Record<string, "name" | "uri">> = {
    "tools/call": "name",
    "prompts/get": "name",
    "resources/read": "uri",
};

/** `_meta` keys of the modern revision. */
export const metaKeys = {
    protocolVersion: "io.modelcontextprotocol/protocolVersion",
    clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
    clientInfo: "io.modelcontextprotocol/clientInfo",
    serverInfo: "io.modelcontextprotocol/serverInfo",
    /** W3C trace context, exempt from the prefix rule (OpenTelemetry conventions). */
    traceparent: "traceparent",
    tracestate: "tracestate",
} as const;

/** JSON-RPC error codes the modern revision defines (the -32020..-32099 range is the spec's). */
export const mcpErrorCodes = {
    /** Headers and body disagree, or a required header is missing or malformed: HTTP 400. */
    headerMismatch: -32020,
    missingRequiredClientCapability: -32021,
    /** The requested version is not served; `data.supported` lists what is: HTTP 400. */
    unsupportedProtocolVersion: -32022,
} as const;

/**
 * Requests the legacy era answers (the SDK server declares tools only); anything else is -32601.
 * Notifications are not listed: a receiver ignores those it does not know.
 */
export const legacyMethods: readonly string[] = ["initialize", "ping", "tools/list", "tools/call"];

/** Methods the modern era answers; anything else is 404 with -32601 (no initialize, ping, sessions). */
export const modernMethods: readonly string[] = ["server/discover", "tools/list", "tools/call"];

export function isModernProtocolVersion(version: string): boolean {
    return modernProtocolVersions.includes(version);
}

/**
 * Whether a batch may be sent under `version`; undefined (no header on Streamable HTTP, which the
 * transport says means 2025-03-26, or an SSE session not initialized yet) allows it.
 */
export function allowsBatches(version: string | undefined): boolean {
    return version === undefined || batchProtocolVersions.includes(version);
}

export function isLegacyProtocolVersion(version: string): boolean {
    return legacyProtocolVersions.includes(version);
}

const sentinelPrefix = "=?base64?";
const sentinelSuffix = "?=";
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;
const plainHeaderValue = /^[\x20-\x7e\t]*$/;

/**
 * An `Mcp-Name` (or `Mcp-Param-*`) header value as the body value it mirrors: a value in the
 * Base64 sentinel form `=?base64?...?=` is decoded (UTF-8), anything else must be plain visible
 * ASCII. Undefined when the value is malformed (invalid characters, bad Base64 or UTF-8).
 */
export function decodeMirroredHeader(value: string): string | undefined {
    const sentinel =
        value.length >= sentinelPrefix.length + sentinelSuffix.length &&
        value.startsWith(sentinelPrefix) &&
        value.endsWith(sentinelSuffix);
    if (!sentinel) return plainHeaderValue.test(value) ? value : undefined;
    const encoded = value.slice(sentinelPrefix.length, -sentinelSuffix.length);
    if (!base64Text.test(encoded)) return undefined;
    const bytes = Buffer.from(encoded, "base64");
    // Node's decoder tolerates missing padding and stray bits; a round trip proves canonical Base64.
    if (bytes.toString("base64") !== encoded) return undefined;
    try {
        return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
        return undefined;
    }
}
