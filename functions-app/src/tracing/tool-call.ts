import type { ToolCallOutcome } from "../catalog";
import { isPromise, type MaybePromise } from "../maybe-promise";
import type { IncomingTraceContext } from "./trace-context";
import type { SpanHandle, StartedSpan, Tracing } from "./tracing";
import { spanAttributes, toolSpanPrefix } from "./span-names";

/** Span name and attributes of one tool call (OpenTelemetry's MCP and GenAI tool conventions). */
function toolSpan(toolName: string, callerId: string) {
    return {
        name: toolSpanPrefix + toolName,
        attributes: {
            "mcp.method.name": "tools/call",
            "gen_ai.operation.name": "execute_tool",
            [spanAttributes.tool]: toolName,
            // The per-agent trace view maps it to the agent's name.
            [spanAttributes.caller]: callerId,
        },
    };
}

/** What the call came to: ok, error (the caller's mistake or a refusal), denied, timeout. */
function outcomeOf(outcome: ToolCallOutcome): string {
    if (outcome.denied) return "denied";
    if (outcome.timedOut) return "timeout";
    return outcome.isError ? "error" : "ok";
}

/** The call's outcome on its span. */
function noted(span: SpanHandle, outcome: ToolCallOutcome): ToolCallOutcome {
    span.setAttributes({ [spanAttributes.toolOutcome]: outcomeOf(outcome) });
    if (outcome.timedOut) span.fail("timeout");
    return outcome;
}

/** A tool call (Node host) as a child of the request's span, its outcome on the span. */
export function traceToolCall(
    tracing: Tracing,
    toolName: string,
    callerId: string,
    call: () => MaybePromise<ToolCallOutcome>,
): MaybePromise<ToolCallOutcome> {
    if (!tracing.enabled) return call();
    const { name, attributes } = toolSpan(toolName, callerId);
    return tracing.inSpan(name, "internal", attributes, (span) => {
        const outcome = call();
        return isPromise(outcome) ? outcome.then((settled) => noted(span, settled)) : noted(span, outcome);
    });
}

/**
 * A tool call (Functions host) as a child of the invocation's trace context, which the Functions
 * host hands the worker on each invocation (`InvocationContext.traceContext`).
 */
export async function traceInvocation(
    tracing: Tracing,
    invocation: IncomingTraceContext,
    toolName: string,
    callerId: string,
    call: () => MaybePromise<ToolCallOutcome>,
): Promise<ToolCallOutcome> {
    if (!tracing.enabled) return call();
    const { name, attributes } = toolSpan(toolName, callerId);
    const span: StartedSpan = tracing.startFromRemote(name, "internal", invocation, attributes);
    try {
        const outcome = await span.run(call);
        span.setAttributes({ [spanAttributes.toolOutcome]: outcomeOf(outcome) });
        if (outcome.timedOut) span.fail("timeout");
        return outcome;
    } catch (error) {
        span.fail(error instanceof Error ? error.name : "error");
        throw error;
    } finally {
        span.end();
    }
}
