import { DeadlineExceededError, underDeadline, type Deadline } from "../deadline";
import { tools, type ToolName } from "./tools";
import { isPromise, type MaybePromise } from "../maybe-promise";
import {
    ToolInputError,
    type Caller,
    type ToolContext,
    type ToolDefinition,
    type ToolInvocation,
} from "./tool";

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
 * message; anything else is a fault of ours and propagates to the host (thrown, or the promise
 * rejects). A tool that answers synchronously gives its outcome as a value.
 */
export function callTool(
    tool: ToolDefinition,
    rawArgs: unknown,
    context: ToolContext,
): MaybePromise<ToolCallOutcome> {
    if (!context.caller.roles.includes(tool.role)) {
        return {
            isError: true,
            denied: true,
            text: `Access denied: ${tool.name} requires the app role ${tool.role}.`,
        };
    }
    try {
        const invocation = tool.invoke(rawArgs, context);
        return isPromise(invocation)
            ? invocation.then(
                  (settled) => outcomeOf(tool, settled),
                  (error: unknown) => inputErrorOutcome(error),
              )
            : outcomeOf(tool, invocation);
    } catch (error) {
        return inputErrorOutcome(error);
    }
}

function outcomeOf(tool: ToolDefinition, invocation: ToolInvocation): ToolCallOutcome {
    if (!invocation.ok) {
        return { isError: true, text: `Invalid arguments for ${tool.name}: ${invocation.errors.join("; ")}` };
    }
    const { output } = invocation;
    return output.structured === undefined
        ? { isError: false, text: output.text }
        : { isError: false, text: output.text, structured: output.structured };
}

/** A mistake the caller can fix becomes its outcome; anything else is ours and goes on up. */
function inputErrorOutcome(error: unknown): ToolCallOutcome {
    if (error instanceof ToolInputError) return { isError: true, text: error.message };
    throw error;
}

/** Default bound of one tool call: storage's own bound (8 s per operation) fits inside it. */
export const defaultToolCallTimeoutMs = 10_000;

/**
 * {@link callTool} bounded in time, which is how every host runs tools (the Node host's fast path
 * and SDK path, and the Functions host): a call that outlives `timeoutMs` answers a tool error and
 * its storage request is aborted, whatever storage does. Faults still propagate to the host. A
 * tool that answers synchronously arms no timer and gives its outcome as a value.
 */
export function callToolWithin(
    tool: ToolDefinition,
    rawArgs: unknown,
    host: ToolHost,
    caller: Caller,
    timeoutMs: number = defaultToolCallTimeoutMs,
): MaybePromise<ToolCallOutcome> {
    const outcome = underDeadline(timeoutMs, (deadline) =>
        callTool(tool, rawArgs, new DeadlineContext(host, caller, deadline)),
    );
    if (!isPromise(outcome)) return outcome;
    return outcome.catch((error: unknown) => {
        if (!(error instanceof DeadlineExceededError)) throw error;
        return {
            isError: true,
            timedOut: true,
            text: `${tool.name} did not finish within ${timeoutMs / 1000} s; try again later.`,
        };
    });
}

/**
 * What a host gives each of its tool calls, made once per host (the Node host passes its
 * dependencies as they are); the caller and the deadline's signal are the call's own.
 */
export interface ToolHost {
    readonly snippets: ToolContext["snippets"];
    readonly memory?: ToolContext["memory"] | undefined;
    readonly knowledge?: ToolContext["knowledge"] | undefined;
    /** The clock tools read (absent: the system clock). */
    readonly now?: ToolContext["now"] | undefined;
}

const systemClock = (): Date => new Date();

/**
 * A call's context: what the host gives, the caller, and the signal of the call's deadline, made
 * only when a handler reads it. A class filled field by field: this is made on every call.
 */
class DeadlineContext implements ToolContext {
    readonly snippets: ToolContext["snippets"];
    readonly memory?: NonNullable<ToolContext["memory"]>;
    readonly knowledge?: NonNullable<ToolContext["knowledge"]>;
    readonly now: ToolContext["now"];

    constructor(
        host: ToolHost,
        readonly caller: Caller,
        private readonly deadline: Deadline,
    ) {
        this.snippets = host.snippets;
        if (host.memory) this.memory = host.memory;
        if (host.knowledge) this.knowledge = host.knowledge;
        this.now = host.now ?? systemClock;
    }

    get signal(): AbortSignal {
        return this.deadline.signal;
    }
}
