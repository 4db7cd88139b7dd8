import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { CallToolResult, JSONRPCRequest, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { findTool, tools } from "../../catalog";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import type { ModernError } from "./modern-admission";
import { metaKeys, modernProtocolVersions } from "../../mcp/revisions";
import {
    callerFrom,
    runCatalogTool,
    serverInfo,
    serverInstructions,
    toolList,
    type McpServerDependencies,
} from "./server-factory";

/**
 * How long clients and shared caches may reuse `tools/list` and `server/discover`. The catalog is
 * fixed per deployment, so the only change is a redeploy: 5 minutes bounds how long a client keeps
 * the previous release's list after a rollout (and a client re-fetches early when a call fails on
 * an unknown tool), while sparing a list request per conversation.
 */
export const catalogTtlMs = 300_000;

/**
 * "public": the list is the same for every caller (it is not filtered by role; each call is
 * authorized on its own), so a shared gateway or proxy may serve it to other callers.
 */
export const catalogCacheScope = "public";

/** Every modern result names the server in `_meta` (the revision has no handshake to do it). */
const resultMeta = { [metaKeys.serverInfo]: serverInfo } as const;

const discoverResult = {
    resultType: "complete",
    supportedVersions: modernProtocolVersions,
    capabilities: { tools: { listChanged: false } },
    instructions: serverInstructions,
    ttlMs: catalogTtlMs,
    cacheScope: catalogCacheScope,
    _meta: resultMeta,
} as const;

/** Built once: the catalog's order, which never changes at run time, is the list's order. */
const listResult = {
    resultType: "complete",
    ...toolList,
    ttlMs: catalogTtlMs,
    cacheScope: catalogCacheScope,
    _meta: resultMeta,
} as const;

export type ModernAnswer =
    | { readonly ok: true; readonly id: RequestId; readonly result: object }
    | { readonly ok: false; readonly id: RequestId; readonly error: ModernError };

/**
 * Answers an admitted modern request (`server/discover`, `tools/list`, `tools/call`) from the
 * catalog, statelessly: nothing is kept between requests. Tool calls go through the same
 * role-checked, time-bounded `runCatalogTool` as every legacy path.
 */
export function answerModern(
    request: JSONRPCRequest,
    authInfo: AuthInfo | undefined,
    deps: McpServerDependencies,
): MaybePromise<ModernAnswer> {
    const id = request.id;
    const params = (request.params ?? {}) as Record<string, unknown>;
    if (request.method === "server/discover") return { ok: true, id, result: discoverResult };
    if (request.method === "tools/list") {
        // No cursor is ever issued (the whole list is one page), so any cursor is invalid.
        if (params.cursor !== undefined) return refuse(id, "params.cursor: no such page");
        return { ok: true, id, result: listResult };
    }
    const name = params.name as string; // admission checked it is a string
    const tool = findTool(name);
    if (!tool) {
        return refuse(id, `Unknown tool '${name}'. Available: ${tools.map((t) => t.name).join(", ")}`);
    }
    const args = params.arguments;
    if (args !== undefined && (typeof args !== "object" || args === null || Array.isArray(args))) {
        return refuse(id, "params.arguments must be an object");
    }
    // A tool that answers without I/O is answered as a value, as on the legacy fast path.
    const result = runCatalogTool(tool, args, callerFrom(authInfo), deps);
    return isPromise(result) ? result.then((settled) => completed(id, settled)) : completed(id, result);
}

function completed(id: RequestId, result: CallToolResult): ModernAnswer {
    return { ok: true, id, result: { resultType: "complete", ...result, _meta: resultMeta } };
}

function refuse(id: RequestId, detail: string): ModernAnswer {
    return { ok: false, id, error: { status: 400, code: -32602, message: `Invalid params: ${detail}` } };
}
