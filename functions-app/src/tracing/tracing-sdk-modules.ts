/**
 * The OpenTelemetry SDK behind {@link Tracing}: loaded only when tracing is configured (in a bundle
 * this module is `tracing-sdk.js`, apart from the entry). The provider is never registered
 * globally and context travels in this instance's own AsyncLocalStorage, so two hosts in one
 * process (tests) keep their traces apart and nothing else in the process is instrumented.
 */
import { isPromise, type MaybePromise } from "../maybe-promise";
import { AsyncLocalStorage } from "node:async_hooks";
import {
    ROOT_CONTEXT,
    SpanKind as OtelSpanKind,
    SpanStatusCode,
    TraceFlags,
    createTraceState,
    trace,
    type Context,
    type Span,
    type Tracer,
} from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
    BasicTracerProvider,
    BatchSpanProcessor,
    ParentBasedSampler,
    SimpleSpanProcessor,
    TraceIdRatioBasedSampler,
    type ReadableSpan,
    type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import type { TokenCredential } from "@azure/core-auth";
import type { Logger } from "../logger";
import { parseTraceparent, parseTracestate, type IncomingTraceContext } from "./trace-context";
import type { TracingSettings } from "./settings";
import type { Attributes, SpanHandle, SpanKind, StartedSpan, Tracing } from "./tracing";

export interface SdkTracingOptions {
    readonly exporter: SpanExporter;
    readonly serviceName: string;
    /** Share of new traces recorded, 0-100 (default 100). */
    readonly samplePercent?: number;
    /** Export in batches (default); off exports each span as it ends (tests, console). */
    readonly batch?: boolean;
}

const kinds: Record<SpanKind, OtelSpanKind> = {
    server: OtelSpanKind.SERVER,
    internal: OtelSpanKind.INTERNAL,
    client: OtelSpanKind.CLIENT,
};

export function createSdkTracing(options: SdkTracingOptions): Tracing {
    const ratio = (options.samplePercent ?? 100) / 100;
    const processor =
        options.batch === false
            ? new SimpleSpanProcessor(options.exporter)
            : new BatchSpanProcessor(options.exporter);
    const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ "service.name": options.serviceName }),
        // A caller's sampled flag decides for its trace; new traces are sampled at the set ratio.
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }),
        spanProcessors: [processor],
    });
    return new SdkTracing(provider, provider.getTracer("agents-control-plane-tools"));
}

class SdkTracing implements Tracing {
    readonly enabled = true;
    private readonly active = new AsyncLocalStorage<Context>();

    constructor(
        private readonly provider: BasicTracerProvider,
        private readonly tracer: Tracer,
    ) {}

    startFromRemote(
        name: string,
        kind: "server" | "internal",
        incoming: IncomingTraceContext,
        attributes: Attributes,
    ): StartedSpan {
        const parent = remoteParent(incoming);
        const span = this.tracer.startSpan(
            name,
            { kind: kinds[kind], attributes: defined(attributes) },
            parent,
        );
        // An unsampled trace records nothing below either: its work runs without a context, so a
        // host whose traces are all unsampled never turns on AsyncLocalStorage's promise tracking.
        if (!span.isRecording()) return new UnrecordedSpan(span);
        return new RecordingSpan(span, trace.setSpan(parent, span), this.active);
    }

    /** A synchronous `work` is answered as a value, its span ended before this returns. */
    inSpan<T>(
        name: string,
        kind: "internal" | "client",
        attributes: Attributes,
        work: (span: SpanHandle) => MaybePromise<T>,
    ): MaybePromise<T> {
        const parent = this.active.getStore();
        if (!parent) return work(noHandle);
        const span = this.tracer.startSpan(
            name,
            { kind: kinds[kind], attributes: defined(attributes) },
            parent,
        );
        let result: MaybePromise<T>;
        try {
            result = this.active.run(trace.setSpan(parent, span), () => work(handle(span)));
        } catch (error) {
            failWith(span, error);
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
                failWith(span, error);
                span.end();
                throw error;
            },
        );
    }

    shutdown(): Promise<void> {
        return this.provider.shutdown();
    }
}

/** The caller's span as a remote parent, or the root context when its header is absent or invalid. */
function remoteParent(incoming: IncomingTraceContext): Context {
    const parent = parseTraceparent(incoming.traceparent);
    if (!parent) return ROOT_CONTEXT;
    const state = parseTracestate(incoming.tracestate);
    return trace.setSpanContext(ROOT_CONTEXT, {
        traceId: parent.traceId,
        spanId: parent.parentId,
        traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
        ...(state !== undefined ? { traceState: createTraceState(state) } : {}),
    });
}

const noHandle: SpanHandle = { setAttributes: () => undefined, fail: () => undefined };

/** What the host holds of a span. Classes, not objects of closures: every request makes one or two. */
class SpanHandleOf implements SpanHandle {
    constructor(protected readonly span: Span) {}

    setAttributes(attributes: Attributes): void {
        this.span.setAttributes(defined(attributes));
    }

    fail(reason: string): void {
        this.span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    }
}

/** A span being recorded: work run under it sees it as the active span. */
class RecordingSpan extends SpanHandleOf implements StartedSpan {
    constructor(
        span: Span,
        private readonly context: Context,
        private readonly active: AsyncLocalStorage<Context>,
    ) {
        super(span);
    }

    run<T>(work: () => T): T {
        return this.active.run(this.context, work);
    }

    end(): void {
        this.span.end();
    }
}

/** A span of an unsampled trace: nothing to record, and no context for the work under it. */
class UnrecordedSpan implements StartedSpan {
    constructor(private readonly span: Span) {}

    setAttributes(): void {}

    fail(): void {}

    run<T>(work: () => T): T {
        return work();
    }

    end(): void {
        this.span.end();
    }
}

function handle(span: Span): SpanHandle {
    return new SpanHandleOf(span);
}

/** The attributes without their undefined values, copied only when there is one to drop. */
function defined(attributes: Attributes): Record<string, string | number | boolean> {
    for (const key in attributes) {
        if (attributes[key] === undefined) {
            const out: Record<string, string | number | boolean> = {};
            for (const [name, value] of Object.entries(attributes))
                if (value !== undefined) out[name] = value;
            return out;
        }
    }
    return attributes as Record<string, string | number | boolean>;
}

function failWith(span: Span, error: unknown): void {
    span.setStatus({ code: SpanStatusCode.ERROR, message: errorKind(error) });
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
        done({ code: ExportResultCode.SUCCESS });
    }

    shutdown(): Promise<void> {
        return Promise.resolve();
    }
}

/** Export failures as a warning line, at most once a minute: spans are lost, the service goes on. */
class ReportingExporter implements SpanExporter {
    private lastWarning = 0;

    constructor(
        private readonly inner: SpanExporter,
        private readonly logger: Logger,
    ) {}

    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        this.inner.export(spans, (result) => {
            if (result.code !== ExportResultCode.SUCCESS && Date.now() - this.lastWarning > 60_000) {
                this.lastWarning = Date.now();
                this.logger.warn("trace export failed", {
                    spans: spans.length,
                    error: result.error ? errorKind(result.error) + ": " + result.error.message : "unknown",
                });
            }
            done(result);
        });
    }

    shutdown(): Promise<void> {
        return this.inner.shutdown();
    }

    forceFlush(): Promise<void> {
        return this.inner.forceFlush?.() ?? Promise.resolve();
    }
}

/**
 * An exporter made on the first export rather than at start. The Azure Monitor exporter's code (its
 * HTTP pipeline, statsbeat metrics, the credential) took about three quarters of a traced host's
 * start; spans wait in the batch processor for their first export (5 s, or 512 spans, or
 * shutdown) anyway, so a cold start's first answers no longer wait for it.
 *
 * Shutting down waits for the exports under way: the batch processor's shutdown exports only what
 * it still holds, so a stop that lands while a batch waits for its token (the first export's Entra
 * request) would otherwise exit and lose that batch.
 */
export class DeferredExporter implements SpanExporter {
    private inner: SpanExporter | undefined;
    private readonly underWay = new Set<Promise<void>>();

    constructor(private readonly make: () => SpanExporter) {}

    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        let exporter: SpanExporter;
        try {
            exporter = this.inner ??= this.make();
        } catch (error) {
            done({
                code: ExportResultCode.FAILED,
                error: error instanceof Error ? error : new Error(String(error)),
            });
            return;
        }
        let settle!: () => void;
        const exported = new Promise<void>((resolve) => (settle = resolve));
        this.underWay.add(exported);
        exporter.export(spans, (result) => {
            this.underWay.delete(exported);
            settle();
            done(result);
        });
    }

    /** Nothing to stop when nothing was ever exported. */
    async shutdown(): Promise<void> {
        await this.settled();
        return this.inner?.shutdown();
    }

    async forceFlush(): Promise<void> {
        await this.settled();
        return this.inner?.forceFlush?.();
    }

    private async settled(): Promise<void> {
        await Promise.all(this.underWay);
    }
}

type OtlpExporterModules = typeof import("./otlp-exporter-modules");
type AzureMonitorExporterModules = typeof import("./azure-monitor-exporter-modules");
// Required on the first export, so only the chosen exporter's code is read and evaluated, then.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const otlpHttp = () => require("./otlp-exporter-modules") as OtlpExporterModules;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const azureMonitor = () => require("./azure-monitor-exporter-modules") as AzureMonitorExporterModules;

/** The SDK with the exporter the settings name. */
export function tracingFromSettings(
    settings: TracingSettings,
    credential: (clientId: string | undefined) => TokenCredential,
    logger: Logger,
): Tracing {
    const common = { serviceName: settings.serviceName, samplePercent: settings.samplePercent };
    switch (settings.exporter) {
        case "console":
            return createSdkTracing({
                ...common,
                exporter: new JsonLineSpanExporter((line) => process.stdout.write(line + "\n")),
                batch: false,
            });
        case "otlp": {
            const exporter = new DeferredExporter(() => {
                const { OTLPTraceExporter } = otlpHttp();
                return new OTLPTraceExporter({ url: settings.endpoint });
            });
            return createSdkTracing({ ...common, exporter: new ReportingExporter(exporter, logger) });
        }
        case "azure-monitor": {
            const exporter = new DeferredExporter(() => {
                const { AzureMonitorTraceExporter } = azureMonitor();
                return new AzureMonitorTraceExporter({
                    connectionString: settings.connectionString,
                    credential: credential(settings.managedIdentityClientId),
                });
            });
            return createSdkTracing({ ...common, exporter: new ReportingExporter(exporter, logger) });
        }
    }
}
