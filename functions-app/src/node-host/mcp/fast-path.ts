import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { findTool } from "../../catalog";
import { callerFrom, runCatalogTool, toolList, type McpServerDependencies } from "./server-factory";

/**
 * The two requests that make up nearly all stateless traffic, `tools/list` and `tools/call`,
 * answered straight from the catalog when they have their plain, canonical shape. The answers are
 * the ones the SDK server gives for the same request (the handlers are the same functions, and a
 * test compares both paths); every other shape, method or tool name returns undefined and goes
 * to the SDK, which keeps all the protocol's edge cases (schemas, `_meta`, tasks, errors).
 *
 * Why: the SDK's per-message dispatch (classifying each message by trial schema parses, an
 * AbortController per request, request and result validation) costs more than the rest of a
 * request put together; `npm run bench` shows both paths.
 */
export function fastAnswer(
    request: JSONRPCRequest,
    authInfo: AuthInfo | undefined,
    deps: McpServerDependencies,
): Promise<JSONRPCMessage> | undefined {
    if (
        !hasOnlyKeys(request, requestKeys) ||
        (typeof request.id !== "string" && !Number.isInteger(request.id))
    ) {
        return undefined;
    }
    const params = request.params;
    if (request.method === "tools/list") {
        if (params !== undefined && !(isPlainObject(params) && Object.keys(params).length === 0))
            return undefined;
        return Promise.resolve({ jsonrpc: "2.0", id: request.id, result: toolList });
    }
    if (request.method !== "tools/call" || !isPlainObject(params) || !hasOnlyKeys(params, callKeys)) {
        return undefined;
    }
    const tool = typeof params.name === "string" ? findTool(params.name) : undefined;
    if (!tool || (params.arguments !== undefined && !isPlainObject(params.arguments))) return undefined;
    const id = request.id;
    return runCatalogTool(tool, params.arguments, callerFrom(authInfo), deps).then((result) => ({
        jsonrpc: "2.0",
        id,
        result,
    }));
}

const requestKeys = new Set(["jsonrpc", "id", "method", "params"]);
const callKeys = new Set(["name", "arguments"]);

function hasOnlyKeys(value: object, allowed: ReadonlySet<string>): boolean {
    for (const key in value) if (!allowed.has(key)) return false;
    return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}
