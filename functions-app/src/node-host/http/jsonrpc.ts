import type { JSONRPCMessage, JSONRPCRequest, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { decodeUtf8 } from "../../unicode";

/** JSON-RPC error codes used at the transport level. */
export const jsonRpcCodes = {
    parseError: -32700,
    invalidRequest: -32600,
    invalidParams: -32602,
    internalError: -32603,
} as const;

/**
 * A JSON-RPC error answer written by the transport. Unlike the SDK's error type its id is never
 * omitted: JSON-RPC 2.0 answers null when the id cannot be determined.
 */
export interface JsonRpcErrorAnswer {
    readonly jsonrpc: "2.0";
    readonly id: RequestId | null;
    readonly error: { readonly code: number; readonly message: string };
}

/** One member of a batch: a message to handle, or the answer that refuses it (JSON-RPC 2.0 §6). */
export type BatchMember =
    | { readonly ok: true; readonly message: JSONRPCMessage }
    | { readonly ok: false; readonly answer: JsonRpcErrorAnswer };

interface ParsedBody {
    readonly ok: true;
    /** The usable messages, in order (the only message when the body is not a batch). */
    readonly messages: JSONRPCMessage[];
    /** Every member of a batch in order, refused ones included; one usable member otherwise. */
    readonly members: readonly BatchMember[];
}

export type ParsedMessages =
    | (ParsedBody & { readonly batch: false; readonly single: JSONRPCMessage })
    | (ParsedBody & { readonly batch: true })
    | { readonly ok: false; readonly code: number; readonly message: string };

/**
 * Parses a POST body into JSON-RPC messages. The shape check is deliberately structural and cheap
 * (the SDK validates each request's params against the MCP schemas when it handles it). A body that
 * is not JSON, an empty batch, or a single message of the wrong shape is refused as a whole; a batch
 * member of the wrong shape is refused on its own, so the others are still answered.
 */
export function parseJsonRpcBody(body: Buffer): ParsedMessages {
    // Decoded strictly: a lenient decode would turn invalid bytes into U+FFFD and store that.
    const text = decodeUtf8(body);
    if (text === undefined) {
        return { ok: false, code: jsonRpcCodes.parseError, message: "Parse error: body is not valid UTF-8" };
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return { ok: false, code: jsonRpcCodes.parseError, message: "Parse error: body is not valid JSON" };
    }
    if (!Array.isArray(value)) {
        const problem = shapeProblem(value);
        if (problem)
            return { ok: false, code: jsonRpcCodes.invalidRequest, message: `Invalid Request: ${problem}` };
        const message = value as JSONRPCMessage;
        return {
            ok: true,
            batch: false,
            single: message,
            messages: [message],
            members: [{ ok: true, message }],
        };
    }
    // JSON-RPC 2.0 §6: an empty array gets one Invalid Request answer, not an empty batch.
    if (value.length === 0)
        return { ok: false, code: jsonRpcCodes.invalidRequest, message: "Invalid Request: empty batch" };
    const members = value.map((item: unknown, i): BatchMember => {
        const problem = shapeProblem(item);
        if (!problem) return { ok: true, message: item as JSONRPCMessage };
        return { ok: false, answer: invalidRequest(echoableId(item), `message ${i}: ${problem}`) };
    });
    const messages = members.flatMap((m) => (m.ok ? [m.message] : []));
    return { ok: true, batch: true, messages, members };
}

/** An Invalid Request answer to the message with this id (null when it has none that can be echoed). */
export function invalidRequest(id: RequestId | null, detail: string): JsonRpcErrorAnswer {
    return {
        jsonrpc: "2.0",
        id,
        error: { code: jsonRpcCodes.invalidRequest, message: `Invalid Request: ${detail}`.slice(0, 300) },
    };
}

/**
 * The id to echo in an answer refusing `item`: its id when that is a string or a finite number,
 * otherwise null (JSON-RPC 2.0: an id that cannot be determined is answered with null; MCP ids
 * are never null).
 */
export function echoableId(item: unknown): RequestId | null {
    if (typeof item !== "object" || item === null || Array.isArray(item)) return null;
    const id = (item as { id?: unknown }).id;
    return typeof id === "string" || (typeof id === "number" && Number.isFinite(id)) ? id : null;
}

/**
 * The answer refusing a well-formed batch member that may not be batched: `initialize` (every
 * revision that has batches says it MUST NOT be part of one, as nothing else may run before the
 * handshake completes). Invalid Request: the method and its params are fine, its place is not.
 */
export function batchMemberRefusal(message: JSONRPCMessage): JsonRpcErrorAnswer | undefined {
    if (!isRequest(message) || message.method !== "initialize") return undefined;
    return invalidRequest(message.id, "initialize must not be part of a JSON-RPC batch; send it on its own");
}

function shapeProblem(item: unknown): string | undefined {
    if (typeof item !== "object" || item === null || Array.isArray(item))
        return "a message must be a JSON object";
    const m = item as Record<string, unknown>;
    if (m.jsonrpc !== "2.0") return 'jsonrpc must be "2.0"';
    const hasId = "id" in m;
    if (hasId && typeof m.id !== "string" && (typeof m.id !== "number" || !Number.isFinite(m.id))) {
        return "id must be a string or a number";
    }
    if ("method" in m) {
        if (typeof m.method !== "string" || m.method.length === 0) return "method must be a non-empty string";
        if ("params" in m && (typeof m.params !== "object" || m.params === null))
            return "params must be an object";
        return undefined;
    }
    if (hasId && ("result" in m || "error" in m)) return undefined;
    return "a message needs a method (request or notification) or a result/error (response)";
}

export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
    return "method" in message && "id" in message;
}

/** The tool a tools/call request names, for authorization before the call runs. */
export function calledToolName(message: JSONRPCMessage): string | undefined {
    if (!isRequest(message) || message.method !== "tools/call") return undefined;
    const name = (message.params as { name?: unknown } | undefined)?.name;
    return typeof name === "string" ? name : undefined;
}
