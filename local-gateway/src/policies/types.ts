/**
 * What policy element executors share: the compiled statement shape, the per-request runtime, the
 * services the gateway provides to elements (tokens, counters, backends, metrics), and the two
 * ways a statement leaves the normal flow (a returned response, a policy error).
 */
import type { Readable } from "node:stream";
import type { GatewayContext } from "../context";
import type { XmlElement, XmlValue } from "../xml";

export type Section = "inbound" | "backend" | "outbound" | "on-error";
export type Scope = "global" | "api" | "operation";

export interface PolicyRuntime {
    readonly context: GatewayContext;
    readonly services: GatewayServices;
    section: Section;
    /** Aborted when the caller goes away (ends a streamed backend call). */
    readonly signal: AbortSignal;
    /** Streamed backend body, handed to the client after outbound; cleared when a policy replaces the body. */
    backendStream?: Readable | undefined;
}

export interface Statement {
    readonly element: string;
    readonly scope: Scope;
    /** Absent when the element carries no `id` attribute. */
    readonly policyId?: string | undefined;
    /** Synchronous for elements that only read and change the context; awaited either way. */
    run(rt: PolicyRuntime): void | Promise<void>;
}

/** A literal or a compiled expression. */
export interface PolicyValue {
    readonly expression: boolean;
    /** The literal text, when not an expression. */
    readonly literal?: string;
    evaluate(context: GatewayContext): unknown;
}

export interface MintedToken {
    readonly token: string;
    readonly expiresOn: number;
}

export interface TokenValidationResult {
    readonly ok: boolean;
    readonly reason?: string;
    readonly message?: string;
    readonly header?: Record<string, unknown>;
    readonly payload?: Record<string, unknown>;
}

export interface MetricRecord {
    readonly name: string;
    readonly namespace: string;
    readonly value: number;
    readonly dimensions: Readonly<Record<string, string>>;
}

export interface ForwardOptions {
    readonly timeoutSeconds: number;
    readonly bufferResponse: boolean;
}

/** What the gateway process provides to elements. */
export interface GatewayServices {
    /** Validates a bearer token for a tenant the way Entra's metadata for it would. */
    validateEntraToken(
        token: string,
        tenant: string,
        audiences: readonly string[],
    ): Promise<TokenValidationResult>;
    /** Token for the gateway's managed identity, for a resource. */
    managedIdentityToken(resource: string, clientId?: string): Promise<MintedToken>;
    /** Backend entity id -> base URL and the credential headers APIM adds for it. */
    backend(
        backendId: string,
    ): { url: string; headers: readonly (readonly [string, readonly string[]])[] } | undefined;
    /** Fixed-window counter: returns whether allowed, remaining calls and seconds to renewal. */
    rateLimit(
        key: string,
        calls: number,
        periodSeconds: number,
        increment: number,
    ): { allowed: boolean; remaining: number; retryAfterSeconds: number };
    forward(rt: PolicyRuntime, options: ForwardOptions): Promise<void>;
    emitMetric(metric: MetricRecord): void;
}

/**
 * `return-response` (or an element that ends the pipeline with a response): thrown to unwind the
 * sections, caught by the pipeline, never reported as a failure.
 */
export class ResponseReturned extends Error {
    constructor() {
        super("the pipeline ended with a response");
        this.name = "ResponseReturned";
    }
}

/** A policy error: jumps to on-error with `context.LastError`, and a response to send if on-error sets none. */
export class PolicyError extends Error {
    constructor(
        readonly source: string,
        readonly reason: string,
        message: string,
        readonly response: { status: number; reason: string; headers?: [string, string][]; body?: string },
    ) {
        super(message);
        this.name = "PolicyError";
    }
}

/** Load-time helpers the element compilers use. */
export interface LoadContext {
    readonly document: string;
    readonly scope: Scope;
    readonly section: Section;
    value(value: XmlValue, where: string): PolicyValue;
    statements(elements: readonly XmlElement[]): Statement[];
    fail(element: XmlElement | XmlValue, message: string): never;
}

export type ElementCompiler = (element: XmlElement, load: LoadContext) => Statement;
