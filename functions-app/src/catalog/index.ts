import { DeadlineExceededError, underDeadline } from "../deadline";
import { tools, type ToolName } from "./tools";
import { ToolInputError, type ToolContext, type ToolDefinition } from "./tool";

export { inputSchemaFor, validateArguments, type InputSchema } from "./arguments";
export * from "./tool";
export { toolNames, toolRoles, tools, type ToolName } from "./tools";

const byName = new Map<string, ToolDefinition<ToolName>>(tools.map((t) => [t.name, t]));

export function findTool(name: string): ToolDefinition<ToolName> | undefined {
    return byName.get(name);
}

/** What a tool call produced, in the shape both hosts render (MCP `CallToolResult` semantics). */
export interface ToolCallOutcome {
    readonly isError: boolean;
    /** True when the caller lacks the tool's role and the tool did not run. */
    readonly denied?: boolean;
    /** True when the call outlived its time bound (its storage request was aborted). */
    readonly timedOut?: boolean;
    readonly text: string;
    readonly structured?: Record<string, unknown>;
}

/**
 * Checks the caller holds the tool's role, validates the arguments and runs the tool. Every host
 * calls tools only through here, so no handler runs without its role whatever name resolution or
 * transport led to it. A refusal and caller mistakes come back as `isError` outcomes with a
 * message; anything else is a fault of ours and propagates to the host.
 */
export async function callTool(
    tool: ToolDefinition,
    rawArgs: unknown,
    context: ToolContext,
): Promise<ToolCallOutcome> {
    if (!context.caller.roles.includes(tool.role)) {
        return {
            isError: true,
            denied: true,
            text: `Access denied: ${tool.name} requires the app role ${tool.role}.`,
        };
    }
    try {
        const invocation = await tool.invoke(rawArgs, context);
        if (!invocation.ok) {
            return {
                isError: true,
                text: `Invalid arguments for ${tool.name}: ${invocation.errors.join("; ")}`,
            };
        }
        const { output } = invocation;
        return {
            isError: false,
            text: output.text,
            ...(output.structured === undefined ? {} : { structured: output.structured }),
        };
    } catch (error) {
        if (error instanceof ToolInputError) return { isError: true, text: error.message };
        throw error;
    }
}

/** Default bound of one tool call: storage's own bound (8 s per operation) fits inside it. */
export const defaultToolCallTimeoutMs = 10_000;

/**
 * {@link callTool} bounded in time, which is how every host runs tools (the Node host's fast path
 * and SDK path, and the Functions host): a call that outlives `timeoutMs` answers a tool error and
 * its storage request is aborted, whatever storage does. Faults still propagate to the host.
 */
export async function callToolWithin(
    tool: ToolDefinition,
    rawArgs: unknown,
    context: Omit<ToolContext, "signal">,
    timeoutMs: number = defaultToolCallTimeoutMs,
): Promise<ToolCallOutcome> {
    try {
        return await underDeadline(timeoutMs, (deadline) =>
            callTool(tool, rawArgs, {
                ...context,
                get signal() {
                    return deadline.signal;
                },
            }),
        );
    } catch (error) {
        if (!(error instanceof DeadlineExceededError)) throw error;
        return {
            isError: true,
            timedOut: true,
            text: `${tool.name} did not finish within ${timeoutMs / 1000} s; try again later.`,
        };
    }
}
