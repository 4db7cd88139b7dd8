import { forwardedCallerHeader, forwardedRolesHeader } from "../contract";
import type { Caller } from "../catalog";
import { forwardedCallerId, forwardedRoles } from "../forwarded-identity";

/**
 * What the Functions MCP extension (1.0.0 and later) hands an MCP tool trigger in a Node app: its
 * `ToolInvocationContext` serialized as JSON, e.g.
 * `{"name":"save_snippet","arguments":{...},"sessionid":"...","transport":{"name":"http-streamable",
 * "properties":{"headers":{"X-Agent-Roles":"Tools.Invoke",...}}}}`. The headers are those of the
 * HTTP request whose context the tool runs in: for Streamable HTTP the POST carrying the call, for
 * legacy SSE the GET that opened the stream. Header names keep the case they arrived with.
 */
export interface ToolTriggerInput {
    /** The tool name as the client sent it (the extension resolves it case-insensitively). */
    readonly name?: string | undefined;
    readonly arguments?: unknown;
    /** Request headers, names lower-cased; empty when the extension passed none. */
    readonly headers: ReadonlyMap<string, string>;
}

/** Reads the trigger input, given as an object or as its JSON text; anything unreadable is empty. */
export function readToolTriggerInput(raw: unknown): ToolTriggerInput {
    let value = raw;
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            value = undefined;
        }
    }
    if (!isRecord(value)) return { headers: new Map() };
    return {
        name: typeof value.name === "string" ? value.name : undefined,
        arguments: value.arguments,
        headers: transportHeaders(value.transport),
    };
}

function transportHeaders(transport: unknown): Map<string, string> {
    const headers = new Map<string, string>();
    if (!isRecord(transport) || !isRecord(transport.properties)) return headers;
    const given = transport.properties.headers;
    if (!isRecord(given)) return headers;
    for (const [name, value] of Object.entries(given)) {
        if (typeof value === "string") headers.set(name.toLowerCase(), value);
    }
    return headers;
}

/**
 * The caller as the gateway asserted it. Only the gateway's identity can reach the app (built-in
 * authentication admits no other principal), and the gateway overrides any caller-sent value, so
 * the headers are believed; without them the caller holds no role and every tool is refused.
 */
export function callerFromTrigger(input: ToolTriggerInput): Caller {
    return {
        id: forwardedCallerId(input.headers.get(forwardedCallerHeader)) ?? "unidentified",
        roles: forwardedRoles(input.headers.get(forwardedRolesHeader)),
    };
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
