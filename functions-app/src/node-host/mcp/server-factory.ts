import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { CallToolResult, ListToolsResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import {
    callToolWithin,
    findTool,
    inputSchemaFor,
    tools,
    type Caller,
    type ToolCallOutcome,
    type ToolDefinition,
} from "../../catalog";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import type { KnowledgeIndex } from "../../knowledge/knowledge-index";
import type { MemoryStore } from "../../memory/memory-store";
import type { SnippetStore } from "../../storage/snippet-store";
import type { Logger } from "../../logger";
import { loadMcpSdk } from "./mcp-sdk";
import type { Tracing } from "../../tracing/tracing";
import { traceToolCall } from "../../tracing/tool-call";

export const serverInfo = { name: "agents-control-plane-tools", version: "0.1.0" } as const;

export const serverInstructions =
    "Enterprise tools behind the agents control plane: snippets (save_snippet, get_snippet, list_snippets), " +
    "your own memory (memory_save, memory_recall, memory_forget), the shared knowledge index (knowledge_search), " +
    "Sentinel incident analysis (analyze_incident) and a connectivity check (hello_mcp).";

/** What the server can do, the same in every revision: tools, whose list never changes. */
export const serverCapabilities = { tools: { listChanged: false } } as const;

/** Dependencies a server needs; shared by every server instance, they hold no per-client state. */
export interface McpServerDependencies {
    readonly snippets: SnippetStore;
    readonly memory?: MemoryStore | undefined;
    readonly knowledge?: KnowledgeIndex | undefined;
    readonly logger: Logger;
    /** Tool calls become spans, children of the request's (absent: untraced). */
    readonly tracing?: Tracing | undefined;
    readonly now?: (() => Date) | undefined;
    /** Longest a tool call may take before it answers with a tool error (default 10 s). */
    readonly toolCallTimeoutMs?: number | undefined;
}

const authInfos = new WeakMap<Caller, AuthInfo>();

/**
 * The caller travels with each message as the SDK's `authInfo` (built once per caller object):
 * its id as `clientId` (the user for delegated tokens, the app for app-only ones) and its MCP app
 * roles as `scopes`, which `callTool` checks.
 */
export function authInfoFor(caller: Caller): AuthInfo {
    let info = authInfos.get(caller);
    if (!info) {
        info = { token: "", clientId: caller.id, scopes: [...caller.roles] };
        authInfos.set(caller, info);
    }
    return info;
}

/** A message without `authInfo` has no established caller: it holds no role, so no tool runs. */
const anonymous: Caller = { id: "anonymous", roles: [] };

export function callerFrom(authInfo: AuthInfo | undefined): Caller {
    return authInfo ? { id: authInfo.clientId, roles: authInfo.scopes } : anonymous;
}

/** The tools/list answer never changes at run time, so it is built once. */
export const toolList: ListToolsResult = {
    tools: tools.map((t): Tool => ({
        name: t.name,
        title: t.title,
        description: t.description,
        inputSchema: inputSchemaFor(t.arguments),
        annotations: {
            title: t.title,
            readOnlyHint: t.readOnly,
            // Writing tools replace or remove what a name or key names: destructive, but idempotent.
            destructiveHint: !t.readOnly,
            idempotentHint: true,
            openWorldHint: false,
        },
    })),
};

/** Runs a catalog tool and renders the outcome as an MCP CallToolResult. */
export function runCatalogTool(
    tool: ToolDefinition,
    args: unknown,
    caller: Caller,
    deps: McpServerDependencies,
): MaybePromise<CallToolResult> {
    try {
        // Both the fast path and the SDK's handler come through here; the dependencies are the
        // tools' host as they are.
        const outcome = deps.tracing?.enabled
            ? traceToolCall(deps.tracing, tool.name, caller.id, () =>
                  callToolWithin(tool, args, deps, caller, deps.toolCallTimeoutMs),
              )
            : callToolWithin(tool, args, deps, caller, deps.toolCallTimeoutMs);
        return isPromise(outcome)
            ? outcome.then(
                  (settled) => toolResult(tool, settled, caller, deps.logger),
                  (error: unknown) => toolFailure(tool, error, deps.logger),
              )
            : toolResult(tool, outcome, caller, deps.logger);
    } catch (error) {
        return toolFailure(tool, error, deps.logger);
    }
}

function toolResult(
    tool: ToolDefinition,
    outcome: ToolCallOutcome,
    caller: Caller,
    logger: Logger,
): CallToolResult {
    if (outcome.denied) logger.warn("tool call denied", { tool: tool.name, caller: caller.id });
    if (outcome.timedOut) logger.warn("tool timed out", { tool: tool.name });
    const content = [{ type: "text" as const, text: outcome.text }];
    if (outcome.isError) return { content, isError: true };
    return outcome.structured ? { content, structuredContent: outcome.structured } : { content };
}

/** A fault of ours or of storage: tell the model it failed without leaking internals. */
function toolFailure(tool: ToolDefinition, error: unknown, logger: Logger): CallToolResult {
    logger.error("tool failed", { tool: tool.name, error: String(error) });
    return {
        content: [{ type: "text", text: `${tool.name} failed on the server; try again later.` }],
        isError: true,
    };
}

/**
 * A JSON-RPC error a handler throws; the SDK sends its code and message as they are. Not the
 * SDK's McpError: that one prefixes "MCP error <code>: " to its message, and SDK clients prefix it
 * again, so callers would read the code twice.
 */
class ProtocolError extends Error {
    constructor(
        readonly code: number,
        message: string,
    ) {
        super(message);
    }
}

/**
 * A new SDK server with the catalog's handlers (the first one loads the SDK). Instances are cheap
 * and never shared between clients at the same time: the Streamable HTTP host pools them one
 * request at a time, the SSE host gives each session its own.
 */
export async function createMcpServer(deps: McpServerDependencies): Promise<Server> {
    const { Server, CallToolRequestSchema, ErrorCode, ListToolsRequestSchema } = await loadMcpSdk();
    const server = new Server(serverInfo, {
        capabilities: serverCapabilities,
        instructions: serverInstructions,
    });
    server.setRequestHandler(ListToolsRequestSchema, () => toolList);

    server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
        const tool = findTool(request.params.name);
        if (!tool) {
            throw new ProtocolError(
                ErrorCode.InvalidParams,
                `Unknown tool '${request.params.name}'. Available: ${tools.map((t) => t.name).join(", ")}`,
            );
        }
        return runCatalogTool(tool, request.params.arguments, callerFrom(extra.authInfo), deps);
    });
    return server;
}
