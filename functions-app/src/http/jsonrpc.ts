import type { JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { decodeUtf8 } from "../unicode";

/** JSON-RPC error codes used at the transport level. */
export const jsonRpcCodes = {
    parseError: -32700,
    invalidRequest: -32600,
    invalidParams: -32602,
    internalError: -32603,
} as const;

export type ParsedMessages =
    { ok: true; messages: JSONRPCMessage[]; batch: boolean } | { ok: false; code: number; message: string };

/**
 * Parses a POST body into JSON-RPC messages. The shape check is deliberately structural and cheap
 * (the SDK validates each request's params against the MCP schemas when it handles it).
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
    const batch = Array.isArray(value);
    const items: unknown[] = batch ? (value as unknown[]) : [value];
    if (items.length === 0)
        return { ok: false, code: jsonRpcCodes.invalidRequest, message: "Invalid Request: empty batch" };
    for (const [i, item] of items.entries()) {
        const problem = shapeProblem(item);
        if (problem) {
            const where = batch ? ` (message ${i})` : "";
            return {
                ok: false,
                code: jsonRpcCodes.invalidRequest,
                message: `Invalid Request${where}: ${problem}`,
            };
        }
    }
    return { ok: true, messages: items as JSONRPCMessage[], batch };
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
