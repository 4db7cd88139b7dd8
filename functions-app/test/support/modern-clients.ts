import { Client as ModernClient, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyHttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { backendPaths } from "../../src/contract";
import { mcpHeaders, modernProtocolVersions } from "../../src/mcp/revisions";

/** The v2 SDK client pinned to the modern revision: no probe fallback, any legacy answer fails. */
export async function connectModernClient(baseUrl: string): Promise<ModernClient> {
    const [pin] = modernProtocolVersions;
    if (pin === undefined) throw new Error("the service names no modern revision");
    const client = new ModernClient(
        { name: "tool-service-tests", version: "2.0.0" },
        { versionNegotiation: { mode: { pin } } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(baseUrl + backendPaths.mcpStreamable)));
    return client;
}

/**
 * An SDK 1.x client over Streamable HTTP that negotiates `version` instead of its newest one: its
 * `initialize` asks for that version, which the server accepts, and every later request carries
 * it in MCP-Protocol-Version, exactly as a client built on that revision does.
 */
export async function connectLegacyClientAt(baseUrl: string, version: string): Promise<LegacyClient> {
    const client = new LegacyClient({ name: "tool-service-tests", version: "1.0.0" });
    const inner = new LegacyHttpTransport(new URL(baseUrl + backendPaths.mcpStreamable));
    await client.connect(askingFor(inner, version));
    if (inner.protocolVersion !== version) {
        throw new Error(`negotiated ${inner.protocolVersion}, expected ${version}`);
    }
    return client;
}

/** The transport with its initialize request rewritten to ask for `version`. */
function askingFor(inner: Transport, version: string): Transport {
    const send = inner.send.bind(inner);
    inner.send = (message: JSONRPCMessage, options) => {
        if ("method" in message && message.method === "initialize") {
            const params = { ...message.params, protocolVersion: version };
            return send({ ...message, params }, options);
        }
        return send(message, options);
    };
    return inner;
}

/** Headers and body of a raw modern request; tests change one part at a time. */
export interface ModernRequestParts {
    readonly id?: number | string;
    readonly method: string;
    readonly params?: Record<string, unknown>;
    /** `_meta` members added to (or, when undefined, removed from) the standard ones. */
    readonly meta?: Record<string, unknown>;
    /** Header overrides; undefined removes the header. */
    readonly headers?: Record<string, string | undefined>;
}

/** POSTs a modern request built from `parts`, with the headers a conforming client derives. */
export async function postModern(
    baseUrl: string,
    parts: ModernRequestParts,
): Promise<{ status: number; body: ModernResponseBody }> {
    const version = modernProtocolVersions[0];
    const meta: Record<string, unknown> = {
        "io.modelcontextprotocol/protocolVersion": version,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": { name: "raw-test", version: "0" },
    };
    for (const [key, value] of Object.entries(parts.meta ?? {})) {
        if (value === undefined) delete meta[key];
        else meta[key] = value;
    }
    const target = parts.params?.name ?? parts.params?.uri;
    const headers: Record<string, string | undefined> = {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        [mcpHeaders.protocolVersion]: version,
        [mcpHeaders.method]: parts.method,
        ...(typeof target === "string" ? { [mcpHeaders.name]: target } : {}),
        ...parts.headers,
    };
    const res = await fetch(baseUrl + backendPaths.mcpStreamable, {
        method: "POST",
        headers: Object.fromEntries(
            Object.entries(headers).filter((e): e is [string, string] => e[1] !== undefined),
        ),
        body: JSON.stringify({
            jsonrpc: "2.0",
            id: parts.id ?? 1,
            method: parts.method,
            params: { ...parts.params, _meta: meta },
        }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as ModernResponseBody };
}

export interface ModernResponseBody {
    readonly id?: number | string | null;
    readonly result?: Record<string, unknown>;
    readonly error?: { code: number; message: string; data?: Record<string, unknown> };
}
