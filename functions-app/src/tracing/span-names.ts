/**
 * Span names and attributes the tool service emits, which the stack's workbook queries read back
 * from Application Insights (span attributes land in `Properties`): one source for both.
 */
export const spanAttributes = {
    /** The caller: the agent's application id, or the user's object id for delegated tokens. */
    caller: "enduser.id",
    tool: "gen_ai.tool.name",
    /** ok, error (a refusal or the caller's mistake), denied, timeout. */
    toolOutcome: "tool.outcome",
    /** snippets, memory or knowledge. */
    store: "store.name",
    storeOperation: "store.operation",
} as const;

/** A tool call's span is named `tools/call <tool>` (OpenTelemetry's MCP convention). */
export const toolSpanPrefix = "tools/call ";
