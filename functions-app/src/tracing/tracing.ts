/**
 * The tool service's tracing, as both hosts use it. This file loads no OpenTelemetry code: with
 * tracing off (the default) the hosts get {@link tracingOff} and pay one property read per hook;
 * the SDK and the chosen exporter (`tracing-sdk-modules.ts`, shipped as `tracing-sdk.js` beside the
 * bundle) load only when a TRACING_EXPORTER is set.
 */
import type { MaybePromise } from "../maybe-promise";
import type { IncomingTraceContext } from "./trace-context";
import type { TracingSettings } from "./settings";
import type { Logger } from "../logger";
import { noSpan } from "./no-span";

export type AttributeValue = string | number | boolean;
export type Attributes = Readonly<Record<string, AttributeValue | undefined>>;

/** What work can say about the span it runs in. */
export interface SpanHandle {
    setAttributes(attributes: Attributes): void;
    /** Marks the span failed; `reason` names the kind of failure, never request content. */
    fail(reason: string): void;
}

/** A span started explicitly, ended by whoever started it (e.g. when the response is sent). */
export interface StartedSpan extends SpanHandle {
    /** False for a span nothing records (tracing off, an unsampled trace): its other calls do nothing. */
    readonly recording: boolean;
    /** Runs `work` with this span as the parent of the spans started inside it. */
    run<T>(work: () => T): T;
    end(): void;
}

export type SpanKind = "server" | "internal" | "client";

export interface Tracing {
    readonly enabled: boolean;
    /**
     * A span continuing the caller's trace: the child of a valid `traceparent`, else the root of a
     * new trace (a malformed header is never an error).
     */
    startFromRemote(
        name: string,
        kind: "server" | "internal",
        incoming: IncomingTraceContext,
        attributes: Attributes,
    ): StartedSpan;
    /**
     * Runs `work` in a child of the span active here, ending it when `work` settles (a rejection
     * marks it failed). With no span active, `work` runs untraced: readiness probes and start-up
     * reads make no orphan traces.
     */
    inSpan<T>(
        name: string,
        kind: "internal" | "client",
        attributes: Attributes,
        work: (span: SpanHandle) => MaybePromise<T>,
    ): MaybePromise<T>;
    /**
     * `work`, made to run in the span active here whenever it is called later: an event listener
     * runs in its emitter's context, not the one it was added in. Without an active span, `work`.
     */
    bindActiveSpan<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R;
    /** Exports what is buffered and stops. */
    shutdown(): Promise<void>;
}

export const tracingOff: Tracing = {
    enabled: false,
    startFromRemote: () => noSpan,
    inSpan: (_name, _kind, _attributes, work) => work(noSpan),
    bindActiveSpan: (work) => work,
    shutdown: () => Promise.resolve(),
};

type TracingSdkModules = typeof import("./tracing-sdk-modules");

/**
 * The tracing the settings ask for: {@link tracingOff} without settings, else the SDK with their
 * exporter, loaded now; the OTLP and Azure Monitor exporters run in a worker thread (Azure
 * Monitor's with the settings' managed identity). Export failures are logged as warnings.
 */
export function openTracing(settings: TracingSettings | undefined, logger: Logger): Tracing {
    if (!settings) return tracingOff;
    // In a bundle, `tracing-sdk.js` beside the entry (see scripts/bundle.ts).
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when configured
    const sdk = require("./tracing-sdk-modules") as TracingSdkModules;
    return sdk.tracingFromSettings(settings, logger);
}
