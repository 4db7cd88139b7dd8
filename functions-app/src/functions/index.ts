import {
    app,
    McpTextContent,
    McpToolResponse,
    type HttpRequest,
    type HttpResponseInit,
    type InvocationContext,
    type McpToolProperty,
} from "@azure/functions";
import { callToolWithin, tools, type ToolCallOutcome, type ToolDefinition } from "../catalog";
import { forwardedRolesHeader, webhookRole } from "../contract";
import { forwardedRoles } from "../forwarded-identity";
import { loadSentinel } from "../sentinel/load";
import { maxWebhookBodyBytes } from "../sentinel/webhook-limits";
import type { SnippetStore } from "../storage/snippet-store";
import { snippetStoreFromEnvironment, storageLocationFromEnvironment } from "./storage";
import { frontDoorFromEnvironment, readFrontDoorEnvironment } from "../front-door/environment";
import type { FrontDoor } from "../front-door/front-door";
import { registerFrontDoorTriggers } from "../front-door/functions-triggers";
import { callerFromTrigger, readToolTriggerInput } from "./tool-trigger-input";
import { maxNotesPerCaller } from "../catalog/memory";
import { readMemoryEnvironment } from "../memory/environment";
import type { MemoryStore } from "../memory/memory-store";
import { openMemoryStore } from "../memory/open-memory-store";
import { readKnowledgeEnvironment } from "../knowledge/environment";
import type { KnowledgeIndex } from "../knowledge/knowledge-index";
import { openKnowledgeIndex } from "../knowledge/open-knowledge-index";
import { functionsTracing } from "./tracing";
import { traceInvocation } from "../tracing/tool-call";

/**
 * The Functions host: every catalog tool as an MCP tool trigger (served by the Functions MCP
 * extension at /runtime/webhooks/mcp) and the Sentinel webhook as an HTTP trigger. Requests reach
 * the app only through the gateway; the app's built-in authentication checks the gateway's token,
 * and each tool's role is checked against the roles the gateway asserts (tool-trigger-input.ts).
 */

/** Functions `toolProperties` for a catalog tool: the same names, types and descriptions. */
function toolPropertiesFor(tool: ToolDefinition): McpToolProperty[] {
    return tool.arguments.map((a) => ({
        propertyName: a.name,
        propertyType: a.type,
        description: a.description,
        isRequired: a.required,
    }));
}

let store: SnippetStore | undefined;
const snippets = (): SnippetStore => (store ??= snippetStoreFromEnvironment(process.env));

/**
 * A service configured from the environment, opened on first use: null when it is not configured.
 * Invalid settings leave it off (its tools say so) and are logged on every call, so the other tools
 * keep working.
 */
function fromEnvironment<L, T>(
    what: string,
    read: (env: NodeJS.ProcessEnv) => { readonly location?: L; readonly errors: readonly string[] },
    open: (location: L) => T,
): (context: InvocationContext) => T | null {
    let opened: T | null | undefined;
    return (context) => {
        if (opened !== undefined) return opened;
        const { location, errors } = read(process.env);
        if (errors.length > 0) {
            context.error(`${what} is off, its settings are invalid: ${errors.join("; ")}`);
            return null;
        }
        return (opened = location === undefined ? null : open(location));
    };
}

/** The memory store from MEMORY_COSMOS_* (managed identity). */
const memory = fromEnvironment("memory", readMemoryEnvironment, (location): MemoryStore =>
    openMemoryStore(location, maxNotesPerCaller, process.env.AZURE_CLIENT_ID || undefined),
);

/** The knowledge index on AI Search from KNOWLEDGE_SEARCH_* (the Functions host loads no local folder). */
const knowledge = fromEnvironment("knowledge search", readKnowledgeEnvironment, (location): KnowledgeIndex =>
    openKnowledgeIndex(location, process.env.AZURE_CLIENT_ID || undefined),
);

/** Runs a catalog tool for the Functions MCP trigger and renders the outcome as the library expects. */
async function runToolForFunctions(
    tool: ToolDefinition,
    triggerInput: unknown,
    context: InvocationContext,
): Promise<McpToolResponse> {
    const input = readToolTriggerInput(triggerInput);
    // The extension finds tools case-insensitively; only the exact catalog name is this tool, as
    // on the Node host and at the gateway.
    if (input.name !== undefined && input.name !== tool.name) {
        context.warn(`refused tool name '${input.name.slice(0, 64)}' (not a catalog name)`);
        return toolResponse({ isError: true, text: `Unknown tool '${input.name.slice(0, 64)}'.` });
    }
    const caller = callerFromTrigger(input);
    // Bounded like the Node host's calls: a stalled storage costs a tool error, not a hung call.
    const memoryOrNull = memory(context);
    const knowledgeOrNull = knowledge(context);
    const tracing = functionsTracing(context);
    const trace = {
        traceparent: context.traceContext?.traceParent,
        tracestate: context.traceContext?.traceState,
    };
    const outcome = await traceInvocation(tracing.tracing, trace, tool.name, caller.id, () =>
        callToolWithin(
            tool,
            input.arguments,
            {
                snippets: tracing.store(snippets(), "snippets"),
                memory: memoryOrNull ? tracing.store(memoryOrNull, "memory") : undefined,
                knowledge: knowledgeOrNull ? tracing.store(knowledgeOrNull, "knowledge") : undefined,
            },
            caller,
        ),
    );
    if (outcome.isError) context.warn(`${tool.name} for ${caller.id}: ${outcome.text}`);
    return toolResponse(outcome);
}

function toolResponse(outcome: ToolCallOutcome): McpToolResponse {
    return new McpToolResponse({
        content: [new McpTextContent(outcome.text)],
        ...(outcome.structured && !outcome.isError ? { structuredContent: outcome.structured } : {}),
        ...(outcome.isError ? { isError: true } : {}),
    });
}

for (const tool of tools) {
    app.mcpTool(tool.name, {
        toolName: tool.name,
        description: tool.description,
        toolProperties: toolPropertiesFor(tool),
        handler: (input: unknown, context: InvocationContext) => runToolForFunctions(tool, input, context),
    });
}

app.http("sentinelWebhook", {
    route: "ai-agent/webhook",
    methods: ["POST"],
    authLevel: "anonymous",
    handler: async (request: HttpRequest): Promise<HttpResponseInit> => {
        // The gateway checked the role; the app checks it again from what the gateway asserts.
        const roles = forwardedRoles(request.headers.get(forwardedRolesHeader) ?? undefined);
        if (!roles.includes(webhookRole)) {
            return {
                status: 403,
                jsonBody: {
                    error: "insufficient_scope",
                    error_description: `the incident webhook requires the app role ${webhookRole}`,
                },
            };
        }
        const declared = Number(request.headers.get("content-length"));
        if (Number.isFinite(declared) && declared > maxWebhookBodyBytes) {
            return {
                status: 413,
                jsonBody: {
                    error: "payload_too_large",
                    message: `request body exceeds ${maxWebhookBodyBytes} bytes`,
                },
            };
        }
        const body = Buffer.from(await request.arrayBuffer());
        const answer = loadSentinel().handleSentinelWebhook(
            { method: request.method, contentType: request.headers.get("content-type") ?? undefined, body },
            new Date(),
        );
        return { status: answer.status, headers: answer.headers, body: answer.body };
    },
});

// The OAuth front door (mcpClientAuth: frontDoor): its settings are present only in that mode.
const frontDoorSettings = readFrontDoorEnvironment(process.env);
if (frontDoorSettings.errors.length > 0)
    throw new Error(`front door settings: ${frontDoorSettings.errors.join("; ")}`);
if (frontDoorSettings.settings) {
    const settings = frontDoorSettings.settings;
    let frontDoor: FrontDoor | undefined;
    registerFrontDoorTriggers(
        app,
        () =>
            (frontDoor ??= frontDoorFromEnvironment(
                settings,
                storageLocationFromEnvironment(process.env),
                process.env.AZURE_CLIENT_ID,
            )),
    );
}
