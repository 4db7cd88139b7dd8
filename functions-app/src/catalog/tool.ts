import type { AppRole } from "../roles";
import type { KnowledgeIndex } from "../knowledge/knowledge-index";
import type { MemoryStore } from "../memory/memory-store";
import type { SnippetStore } from "../storage/snippet-store";
import { isPromise, type MaybePromise } from "../maybe-promise";
import { validateArguments } from "./arguments";

/** JSON types a tool argument may have; they map to JSON Schema and to Functions `propertyType`. */
export type ArgumentType = "string" | "integer" | "number" | "boolean" | "object";

/** One named argument of a tool. The same spec yields the MCP input schema and the Functions trigger. */
export interface ArgumentSpec {
    readonly name: string;
    readonly type: ArgumentType;
    readonly description: string;
    readonly required: boolean;
    /** For strings: maximum length in UTF-8 bytes (the storage limit, not characters). */
    readonly maxBytes?: number;
    /** For strings: a regular expression the whole value must match. */
    readonly pattern?: RegExp;
    /** Human explanation of `pattern`, used in error messages. */
    readonly patternHint?: string;
    /** For integers and numbers. */
    readonly minimum?: number;
    readonly maximum?: number;
}

/** The value an argument of each JSON type has once validated. */
interface ArgumentValues {
    string: string;
    integer: number;
    number: number;
    boolean: boolean;
    object: Readonly<Record<string, unknown>>;
}

/**
 * The arguments a handler receives, computed from its specs the way the MCP SDK's `registerTool`
 * computes them from a schema: required specs are required members, the others optional.
 */
export type ArgumentsOf<Specs extends readonly ArgumentSpec[]> = Flatten<
    {
        readonly [
            S in Specs[number] as S["required"] extends true ? S["name"] : never
        ]: ArgumentValues[S["type"]];
    } & {
        readonly [
            S in Specs[number] as S["required"] extends true ? never : S["name"]
        ]?: ArgumentValues[S["type"]];
    }
>;

type Flatten<T> = { [K in keyof T]: T[K] };

/** Who is calling, as far as the host could establish it. */
export interface Caller {
    /** The user's object id for delegated tokens, the client application id for app-only tokens. */
    readonly id: string;
    /** MCP app roles the caller holds; `callTool` runs a tool only when its role is among them. */
    readonly roles: readonly string[];
}

/** What a handler gets besides its arguments. Handlers never see HTTP or Functions types. */
export interface ToolContext {
    readonly snippets: SnippetStore;
    /** Absent on a host without memory: the memory tools then answer that it is not configured. */
    readonly memory?: MemoryStore;
    /** Absent on a host without a knowledge index: `knowledge_search` then says so. */
    readonly knowledge?: KnowledgeIndex;
    readonly caller: Caller;
    readonly now: () => Date;
    /** Aborted when the host stops waiting for this call; handlers pass it to storage. */
    readonly signal?: AbortSignal;
}

/** The store options of a call: its abort signal, when the host set one. */
export function storeOptionsOf(context: ToolContext): { signal?: AbortSignal } {
    return context.signal ? { signal: context.signal } : {};
}

/** A tool's outcome: text for the model and, optionally, the same data as structured content. */
export interface ToolOutput {
    readonly text: string;
    readonly structured?: Record<string, unknown>;
}

/** A tool as its module writes it: the handler's arguments are typed by `arguments`. */
export interface ToolSpec<Name extends string, Specs extends readonly ArgumentSpec[]> {
    readonly name: Name;
    readonly title: string;
    readonly description: string;
    readonly arguments: Specs;
    /** App role a caller needs: stated here only; the gateway, the MCP app and every host read it. */
    readonly role: AppRole;
    /** True when the tool changes nothing (MCP `readOnlyHint`). */
    readonly readOnly: boolean;
    /** Tools that compute without I/O may answer synchronously. */
    readonly handler: (args: ArgumentsOf<Specs>, context: ToolContext) => ToolOutput | Promise<ToolOutput>;
}

/** Arguments checked against the tool's specs: the handler ran, or every problem found. */
export type ToolInvocation = { readonly ok: true; readonly output: ToolOutput } | InvalidArguments;

interface InvalidArguments {
    readonly ok: false;
    readonly errors: readonly string[];
}

/** A tool defined once and served by both hosts, its argument types sealed behind validation. */
export interface ToolDefinition<Name extends string = string> extends Omit<
    ToolSpec<Name, readonly ArgumentSpec[]>,
    "handler"
> {
    /**
     * Validates raw arguments against `arguments`, then runs the handler with them; a synchronous
     * handler's answer comes back as a value, and what it throws is thrown.
     */
    readonly invoke: (rawArgs: unknown, context: ToolContext) => MaybePromise<ToolInvocation>;
}

/**
 * Defines a tool. The handler's arguments are inferred from the specs (write them inline or
 * `as const`), so a handler reads `args.snippetname` as a string without a cast; the only way in
 * is through {@link validateArguments}, which establishes those types.
 */
export function defineTool<const Name extends string, const Specs extends readonly ArgumentSpec[]>(
    spec: ToolSpec<Name, Specs>,
): ToolDefinition<Name> {
    const { handler, ...described } = spec;
    return {
        ...described,
        invoke: (rawArgs, context) => {
            const validated = validateArguments(spec.arguments, rawArgs);
            if (!validated.ok) return validated;
            const output = handler(validated.value, context);
            return isPromise(output) ? output.then(succeeded) : succeeded(output);
        },
    };
}

function succeeded(output: ToolOutput): ToolInvocation {
    return { ok: true, output };
}

/**
 * A failure the caller can fix (bad arguments, unknown snippet). Hosts turn it into an MCP tool
 * result with `isError: true`, so the model sees the message and can correct itself.
 */
export class ToolInputError extends Error {
    constructor(
        message: string,
        readonly details: readonly string[] = [],
    ) {
        super(message);
        this.name = "ToolInputError";
    }
}
