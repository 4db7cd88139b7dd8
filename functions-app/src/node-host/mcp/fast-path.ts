import type { InitializeResult, JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { findTool, type Caller } from "../../catalog";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import { legacyProtocolVersions } from "../../mcp/revisions";
import {
    runCatalogTool,
    serverCapabilities,
    serverInfo,
    serverInstructions,
    toolList,
    type McpServerDependencies,
} from "./server-factory";

/**
 * The requests that make up nearly all stateless traffic, `initialize`, `ping`, `tools/list` and
 * `tools/call`, answered straight from the catalog when they have their plain, canonical shape.
 * The answers are the ones the SDK server gives for the same request (the tool handlers are the
 * same functions, and a test compares both paths); every other shape, method or tool name returns
 * undefined and goes to the SDK, which keeps all the protocol's edge cases (schemas, `_meta`,
 * tasks, version negotiation, errors).
 *
 * Why: the SDK's per-message dispatch (classifying each message by trial schema parses, an
 * AbortController per request, request and result validation) costs more than the rest of a
 * request put together, `npm run bench` shows both paths; and the SDK (its server, zod schemas and
 * ajv) loads only when a request first needs it, so a client's first requests after a cold start
 * do not wait for it.
 */
export function fastAnswer(
    request: JSONRPCRequest,
    caller: Caller,
    deps: McpServerDependencies,
): MaybePromise<JSONRPCMessage> | undefined {
    if (
        !hasOnlyKeys(request, requestKeys) ||
        (typeof request.id !== "string" && !Number.isInteger(request.id))
    ) {
        return undefined;
    }
    const params = request.params;
    if (request.method === "initialize") {
        if (!isCanonicalInitialize(params)) return undefined;
        return { jsonrpc: "2.0", id: request.id, result: initializeResult(params) };
    }
    if (request.method === "ping") {
        if (params !== undefined && !isEmptyObject(params)) return undefined;
        return { jsonrpc: "2.0", id: request.id, result: {} };
    }
    if (request.method === "tools/list") {
        if (params !== undefined && !isEmptyObject(params)) return undefined;
        return { jsonrpc: "2.0", id: request.id, result: toolList };
    }
    if (request.method !== "tools/call" || !isPlainObject(params) || !hasOnlyKeys(params, callKeys)) {
        return undefined;
    }
    const tool = typeof params.name === "string" ? findTool(params.name) : undefined;
    if (!tool || (params.arguments !== undefined && !isPlainObject(params.arguments))) return undefined;
    const id = request.id;
    const result = runCatalogTool(tool, params.arguments, caller, deps);
    return isPromise(result)
        ? result.then((settled): JSONRPCMessage => ({ jsonrpc: "2.0", id, result: settled }))
        : { jsonrpc: "2.0", id, result };
}

/** The SDK's answer: the version asked for (only handshake revisions we serve reach here). */
function initializeResult(params: CanonicalInitialize): InitializeResult {
    return {
        protocolVersion: params.protocolVersion,
        capabilities: serverCapabilities,
        serverInfo,
        instructions: serverInstructions,
    };
}

interface CanonicalInitialize {
    readonly protocolVersion: string;
}

/**
 * An `initialize` the SDK's schema accepts for certain, asking for a handshake revision we serve:
 * client info of strings only; capabilities among roots (`listChanged`), sampling and elicitation
 * (declared without options). Anything else, such as an unknown version to negotiate, `_meta`,
 * tasks, experimental capabilities or a malformed member, goes to the SDK.
 */
function isCanonicalInitialize(params: unknown): params is CanonicalInitialize {
    if (!isPlainObject(params) || !hasOnlyKeys(params, initializeKeys)) return false;
    const { protocolVersion, clientInfo, capabilities } = params;
    if (typeof protocolVersion !== "string" || !legacyProtocolVersions.includes(protocolVersion))
        return false;
    if (!isPlainObject(clientInfo) || !hasOnlyKeys(clientInfo, clientInfoKeys)) return false;
    if (typeof clientInfo.name !== "string" || typeof clientInfo.version !== "string") return false;
    if (clientInfo.title !== undefined && typeof clientInfo.title !== "string") return false;
    if (!isPlainObject(capabilities) || !hasOnlyKeys(capabilities, capabilityKeys)) return false;
    const { roots, sampling, elicitation } = capabilities;
    if (roots !== undefined) {
        if (!isPlainObject(roots) || !hasOnlyKeys(roots, rootsKeys)) return false;
        if (roots.listChanged !== undefined && typeof roots.listChanged !== "boolean") return false;
    }
    return [sampling, elicitation].every((c) => c === undefined || isEmptyObject(c));
}

const initializeKeys = new Set(["protocolVersion", "capabilities", "clientInfo"]);
const clientInfoKeys = new Set(["name", "version", "title"]);
const capabilityKeys = new Set(["roots", "sampling", "elicitation"]);
const rootsKeys = new Set(["listChanged"]);

const requestKeys = new Set(["jsonrpc", "id", "method", "params"]);
const callKeys = new Set(["name", "arguments"]);

function hasOnlyKeys(value: object, allowed: ReadonlySet<string>): boolean {
    for (const key in value) if (!allowed.has(key)) return false;
    return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isEmptyObject(value: unknown): boolean {
    return isPlainObject(value) && Object.keys(value).length === 0;
}
