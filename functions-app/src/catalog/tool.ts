import type { AppRole, ToolName } from "../contract";
import type { SnippetStore } from "../storage/snippet-store";

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
    readonly caller: Caller;
    readonly now: () => Date;
    /** Aborted when the host stops waiting for this call; handlers pass it to storage. */
    readonly signal?: AbortSignal;
}

/** A tool's outcome: text for the model and, optionally, the same data as structured content. */
export interface ToolOutput {
    readonly text: string;
    readonly structured?: Record<string, unknown>;
}

export type ToolArguments = Readonly<Record<string, unknown>>;

/** A tool defined once and served by both hosts. */
export interface ToolDefinition {
    readonly name: ToolName;
    readonly title: string;
    readonly description: string;
    readonly arguments: readonly ArgumentSpec[];
    /** App role a caller needs; enforced by the gateway and, in `callTool`, by every host. */
    readonly role: AppRole;
    /** True when the tool changes nothing (MCP `readOnlyHint`). */
    readonly readOnly: boolean;
    readonly handler: (args: ToolArguments, context: ToolContext) => Promise<ToolOutput>;
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
