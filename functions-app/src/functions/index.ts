import {
    app,
    McpTextContent,
    McpToolResponse,
    type HttpRequest,
    type HttpResponseInit,
    type InvocationContext,
    type McpToolProperty,
} from "@azure/functions";
import { callTool, tools, type ToolDefinition } from "../catalog";
import { handleSentinelWebhook, maxWebhookBodyBytes } from "../sentinel";
import type { SnippetStore } from "../storage/snippet-store";
import { snippetStoreFromEnvironment } from "./storage";

/**
 * The Functions host: every catalog tool as an MCP tool trigger (served by the Functions MCP
 * extension at /runtime/webhooks/mcp) and the Sentinel webhook as an HTTP trigger. Requests reach
 * the app only through the gateway; the app's built-in authentication checks the gateway's token.
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

/** The extension hands the handler `{ name, arguments, ... }`, as an object or as its JSON text. */
function argumentsOf(triggerInput: unknown): unknown {
    let value = triggerInput;
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    return typeof value === "object" && value !== null
        ? (value as { arguments?: unknown }).arguments
        : undefined;
}

let store: SnippetStore | undefined;
const snippets = (): SnippetStore => (store ??= snippetStoreFromEnvironment(process.env));

/** Runs a catalog tool for the Functions MCP trigger and renders the outcome as the library expects. */
async function runToolForFunctions(
    tool: ToolDefinition,
    triggerInput: unknown,
    context: InvocationContext,
): Promise<McpToolResponse> {
    // The caller was authenticated by the gateway; the app sees the gateway's identity only.
    const outcome = await callTool(tool, argumentsOf(triggerInput), {
        snippets: snippets(),
        caller: { id: "gateway", roles: [tool.role] },
        now: () => new Date(),
    });
    if (outcome.isError) context.warn(`${tool.name}: ${outcome.text}`);
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
        const answer = handleSentinelWebhook(
            { method: request.method, contentType: request.headers.get("content-type") ?? undefined, body },
            new Date(),
        );
        return { status: answer.status, headers: answer.headers, body: answer.body };
    },
});
