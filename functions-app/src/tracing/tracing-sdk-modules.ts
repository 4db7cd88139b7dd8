/**
 * The tracing behind {@link Tracing} when it is configured (in a bundle this module is
 * `tracing-sdk.js`, apart from the entry): spans recorded by the host itself (`span-record.ts`) and
 * handed to an OpenTelemetry exporter as the SDK's `ReadableSpan`s. Nothing is registered globally
 * and context travels in this instance's own AsyncLocalStorage, so two hosts in one process (tests)
 * keep their traces apart and nothing else in the process is instrumented.
 */
import { isPromise, type MaybePromise } from "../maybe-promise";
import { AsyncLocalStorage } from "node:async_hooks";
import { hostname } from "node:os";
import {
    SpanKind as OtelSpanKind,
    SpanStatusCode,
    TraceFlags,
    createTraceState,
    type Attributes as OtelAttributes,
    type SpanContext,
} from "@opentelemetry/api";
import type { ExportResult, InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Logger } from "../logger";
import { parseTraceparent, parseTracestate, type IncomingTraceContext } from "./trace-context";
import type { BatchLimits, TracingSettings } from "./settings";
import type { Attributes, SpanHandle, SpanKind, StartedSpan, Tracing } from "./tracing";
import { noSpan } from "./no-span";
import { anchoredNow, SpanRecord, type SpanClock, type SpanOwner } from "./span-record";
import { newSpanId, newTraceIdSampledAt, sampledAt } from "./span-ids";
import { RateLimit, wholeShare, type MonotonicClock } from "./rate-limit";
import { BatchExport, ImmediateExport, type ExportProblem, type SpanSink } from "./span-export";
import { exportSucceeded, fixedResource } from "./span-transfer";
import { exportDestination, startExportWorker, WorkerExporter } from "./worker-export";

export interface RecordingTracingOptions {
    readonly exporter: SpanExporter;
    readonly serviceName: string;
    /**
     * Traces recorded per second, about (default 0: none, {@link samplePercent} decides): a rate
     * limit decides for new traces and for those a caller sent sampled.
     */
    readonly tracesPerSecond?: number;
    /** The rate limit's clock, ms (tests); default `performance.now`. */
    readonly clock?: MonotonicClock;
    /** With no traces per second: share of new traces recorded, 0-100 (default 100). */
    readonly samplePercent?: number;
    /** Export in batches (default); off exports each span as it ends (tests, console). */
    readonly batch?: boolean;
    /** The batches' limits (default: the OpenTelemetry SDK's). */
    readonly batchLimits?: BatchLimits;
    /** Told of spans lost on the way to the exporter (a full queue, an export that hung or threw). */
    readonly onExportProblem?: (problem: ExportProblem) => void;
}

/**
 * The service and its instance: the host name (an AKS pod's name, a Functions worker's machine),
 * read once: without it the Azure Monitor exporter reads os.hostname() for every span's cloud
 * role instance, a system call per span.
 */
function hostResourceAttributes(serviceName: string): OtelAttributes {
    return { "service.name": serviceName, "service.instance.id": hostname() };
}

const kinds: Record<SpanKind, OtelSpanKind> = {
    server: OtelSpanKind.SERVER,
    internal: OtelSpanKind.INTERNAL,
    client: OtelSpanKind.CLIENT,
};

/** The instrumentation scope every span names (the SDK's tracer name). */
export const instrumentationScopeName = "agents-control-plane-tools";

/**
 * The attribute Azure Monitor's samplers put on every span of a trace recorded at a percentage
 * below 100 (that percentage). The Azure Monitor exporter copies it into each telemetry item's
 * `sampleRate`, from which Application Insights counts each item 100/rate times; without it a
 * sampled host's requests and dependencies would be under-counted by that factor.
 */
export const sampleRateAttribute = "microsoft.sample_rate";

export function createRecordingTracing(options: RecordingTracingOptions): Tracing {
    const sink =
        options.batch === false
            ? new ImmediateExport(options.exporter, options.onExportProblem)
            : new BatchExport(options.exporter, options.onExportProblem, options.batchLimits);
    return new RecordingTracing(
        fixedResource(hostResourceAttributes(options.serviceName)),
        sink,
        (options.tracesPerSecond ?? 0) > 0
            ? new RateLimit(options.tracesPerSecond ?? 0, options.clock)
            : // Rounded as the rate limit's shares are, so the share decided and the rate stamped agree.
              wholeShare(options.samplePercent ?? 100),
    );
}

class RecordingTracing implements Tracing, SpanOwner {
    readonly enabled = true;
    readonly active = new AsyncLocalStorage<SpanRecord>();
    readonly instrumentationScope: InstrumentationScope = { name: instrumentationScopeName };
    /** Spans started from a request (local roots) not yet ended. */
    private openRoots = 0;

    constructor(
        readonly resource: Resource,
        private readonly sink: SpanSink,
        /** What decides: a rate limit, or the fixed share (100/N percent) of new traces. */
        private readonly sampling: RateLimit | number,
    ) {}

    /**
     * When the last open local root ends, the context store is turned off: once a store has been
     * entered, Node (20) keeps its async hooks on, about 0.13 µs more per `await` here, and with a
     * rate limit a few traces a second would otherwise make every unsampled request pay that. The
     * next recorded request turns it on again (turning it on and off costs about 1.5 µs, paid only
     * when recorded requests do not overlap); work of a finished request that starts a span after
     * this runs untraced.
     */
    ended(span: SpanRecord): void {
        if (isLocalRoot(span.parentSpanContext) && --this.openRoots === 0) this.active.disable();
        this.sink.ended(span);
    }

    /**
     * With a rate limit, the limit's percentage decides for a new trace and for a trace the caller
     * sent sampled alike (by trace id, `sampledAt`): the gateway samples every call by default, so
     * its flag alone would leave the host's tracing cost unbounded under load. With a share, a new
     * trace is sampled at that share and a caller's sampled flag decides for its trace (recorded
     * whole, at 100%). Every span of a trace recorded below 100% carries that percentage
     * ({@link sampleRateAttribute}).
     *
     * A trace the caller did not sample records nothing either way. Azure Monitor's samplers do not
     * read a remote parent's flag (they decide such a trace as a new one, by its id); the host keeps
     * honouring "not sampled" because the caller has then dropped its own part of the trace, so the
     * host's spans would hang from a request Application Insights never receives, and because it
     * saves the work: such a request makes no span, waits for no end and runs without a context, so
     * a host whose traces are all unsampled never turns on AsyncLocalStorage's promise tracking.
     */
    startFromRemote(
        name: string,
        kind: "server" | "internal",
        incoming: IncomingTraceContext,
        attributes: Attributes,
    ): StartedSpan {
        const parent = parseTraceparent(incoming.traceparent);
        const sampling = this.sampling;
        if (!parent) {
            const percent = typeof sampling === "number" ? sampling : sampling.percent();
            const traceId = newTraceIdSampledAt(percent);
            if (traceId === undefined) return noSpan;
            return this.record(name, kind, traceId, undefined, attributes, anchoredNow(), percent);
        }
        if (!parent.sampled) return noSpan;
        let percent = 100;
        if (typeof sampling !== "number") {
            percent = sampling.percent();
            if (!sampledAt(percent, parent.traceId)) return noSpan;
        }
        const state = parseTracestate(incoming.tracestate);
        const remote: SpanContext = {
            traceId: parent.traceId,
            spanId: parent.parentId,
            traceFlags: TraceFlags.SAMPLED,
            isRemote: true,
            ...(state !== undefined ? { traceState: createTraceState(state) } : {}),
        };
        return this.record(name, kind, parent.traceId, remote, attributes, anchoredNow(), percent);
    }

    bindActiveSpan<A extends unknown[], R>(work: (...args: A) => R): (...args: A) => R {
        const span = this.active.getStore();
        return span === undefined ? work : (...args) => this.active.run(span, work, ...args);
    }

    /** A synchronous `work` is answered as a value, its span ended before this returns. */
    inSpan<T>(
        name: string,
        kind: "internal" | "client",
        attributes: Attributes,
        work: (span: SpanHandle) => MaybePromise<T>,
    ): MaybePromise<T> {
        const parent = this.active.getStore();
        if (!parent) return work(noSpan);
        const context = parent.spanContext();
        const span = this.record(
            name,
            kind,
            context.traceId,
            context,
            attributes,
            parent.clock,
            parent.sampleRate,
        );
        let result: MaybePromise<T>;
        try {
            result = this.active.run(span, () => work(span));
        } catch (error) {
            span.fail(errorKind(error));
            span.end();
            throw error;
        }
        if (!isPromise(result)) {
            span.end();
            return result;
        }
        return result.then(
            (value) => {
                span.end();
                return value;
            },
            (error: unknown) => {
                span.fail(errorKind(error));
                span.end();
                throw error;
            },
        );
    }

    shutdown(): Promise<void> {
        return this.sink.shutdown();
    }

    private record(
        name: string,
        kind: SpanKind,
        traceId: string,
        parent: SpanContext | undefined,
        attributes: Attributes,
        clock: SpanClock,
        /** The percentage the trace is recorded at: below 100, stamped on the span. */
        sampleRate: number,
    ): SpanRecord {
        const context: SpanContext = {
            traceId,
            spanId: newSpanId(),
            traceFlags: TraceFlags.SAMPLED,
            // Vendors' state travels with the trace, as the SDK passes the parent's on.
            ...(parent?.traceState !== undefined ? { traceState: parent.traceState } : {}),
        };
        if (isLocalRoot(parent)) this.openRoots++;
        let own = definedOnly(attributes);
        if (sampleRate < 100) {
            own ??= Object.assign({}, attributes) as OtelAttributes;
            own[sampleRateAttribute] = sampleRate;
        }
        return new SpanRecord(
            this,
            name,
            kinds[kind],
            context,
            parent,
            own ?? attributes,
            own !== undefined,
            clock,
            sampleRate,
        );
    }
}

/** Whether a span with this parent is started from a request: no parent, or its caller's. */
function isLocalRoot(parent: SpanContext | undefined): boolean {
    return parent === undefined || parent.isRemote === true;
}

/** A copy of the attributes without their undefined values, or undefined when none is undefined. */
function definedOnly(attributes: Attributes): OtelAttributes | undefined {
    for (const key in attributes) {
        if (attributes[key] === undefined) {
            const out: OtelAttributes = {};
            for (const [name, value] of Object.entries(attributes))
                if (value !== undefined) out[name] = value;
            return out;
        }
    }
    return undefined;
}

/** The error's class (and an Azure SDK status), not its message: messages can carry callers' data. */
function errorKind(error: unknown): string {
    if (!(error instanceof Error)) return "error";
    const status = (error as { statusCode?: unknown }).statusCode;
    return typeof status === "number" ? `${error.name} ${status}` : error.name;
}

/** Spans as JSON lines beside the host's logs (`TRACING_EXPORTER=console`). */
export class JsonLineSpanExporter implements SpanExporter {
    constructor(private readonly write: (line: string) => void) {}

    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        for (const span of spans) {
            const context = span.spanContext();
            this.write(
                JSON.stringify({
                    time: new Date().toISOString(),
                    level: "info",
                    message: "span",
                    name: span.name,
                    kind: OtelSpanKind[span.kind].toLowerCase(),
                    traceId: context.traceId,
                    spanId: context.spanId,
                    parentSpanId: span.parentSpanContext?.spanId,
                    durationMs: span.duration[0] * 1000 + span.duration[1] / 1e6,
                    status: SpanStatusCode[span.status.code].toLowerCase(),
                    ...(span.status.message ? { statusMessage: span.status.message } : {}),
                    attributes: span.attributes,
                }),
            );
        }
        done({ code: exportSucceeded });
    }

    shutdown(): Promise<void> {
        return Promise.resolve();
    }
}

/**
 * Export failures, and spans lost before the exporter saw them, as a warning line at most once a
 * minute: spans are lost, the service goes on.
 */
class ReportingExporter implements SpanExporter {
    private lastWarning = 0;

    constructor(
        private readonly inner: SpanExporter,
        private readonly logger: Logger,
    ) {}

    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        this.inner.export(spans, (result) => {
            if (result.code !== exportSucceeded)
                this.warn("trace export failed", {
                    spans: spans.length,
                    error: result.error ? errorKind(result.error) + ": " + result.error.message : "unknown",
                });
            done(result);
        });
    }

    /** For {@link RecordingTracingOptions.onExportProblem}. */
    readonly problem = (problem: ExportProblem): void => {
        if (problem.kind === "threw")
            this.warn("trace export failed", { spans: problem.spans, error: errorKind(problem.error) });
        else if (problem.kind === "timeout")
            this.warn("trace export failed", { spans: problem.spans, error: "no answer in time" });
        else this.warn("trace spans dropped: the export queue was full", { spans: problem.spans });
    };

    shutdown(): Promise<void> {
        return this.inner.shutdown();
    }

    forceFlush(): Promise<void> {
        return this.inner.forceFlush?.() ?? Promise.resolve();
    }

    private warn(message: string, fields: Record<string, string | number>): void {
        if (Date.now() - this.lastWarning <= 60_000) return;
        this.lastWarning = Date.now();
        this.logger.warn(message, fields);
    }
}

/** The tracing with the exporter the settings name. */
export function tracingFromSettings(settings: TracingSettings, logger: Logger): Tracing {
    const common = {
        serviceName: settings.serviceName,
        tracesPerSecond: settings.tracesPerSecond,
        samplePercent: settings.samplePercent,
        batchLimits: settings.batch,
    };
    const reported = (exporter: SpanExporter): RecordingTracingOptions => {
        const reporting = new ReportingExporter(exporter, logger);
        return { ...common, exporter: reporting, onExportProblem: reporting.problem };
    };
    switch (settings.exporter) {
        case "console":
            return createRecordingTracing({
                ...common,
                exporter: new JsonLineSpanExporter((line) => process.stdout.write(line + "\n")),
                batch: false,
            });
        case "otlp":
        case "azure-monitor":
            return createRecordingTracing(
                reported(
                    new WorkerExporter(
                        {
                            destination: exportDestination(settings),
                            resource: {
                                attributes: hostResourceAttributes(settings.serviceName),
                                scope: { name: instrumentationScopeName },
                            },
                        },
                        startExportWorker,
                        settings.batch.exportTimeoutMs,
                    ),
                ),
            );
    }
}
