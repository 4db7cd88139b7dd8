import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { createRecordingTracing } from "../../src/tracing/tracing-sdk-modules";
import type { Tracing } from "../../src/tracing/tracing";

/** A finished span as tests compare it. */
export interface RecordedSpan {
    readonly name: string;
    readonly kind: "server" | "internal" | "client" | "producer" | "consumer";
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId: string | undefined;
    readonly attributes: Readonly<Record<string, unknown>>;
}

/** The real tracing SDK exporting each span, as it ends, to memory (every new trace sampled). */
export function inMemoryTracing(): { readonly tracing: Tracing; spans(): RecordedSpan[] } {
    const exporter = new InMemorySpanExporter();
    const tracing = createRecordingTracing({ exporter, serviceName: "test", batch: false });
    return {
        tracing,
        spans: () =>
            exporter.getFinishedSpans().map((span) => ({
                name: span.name,
                kind: SpanKind[span.kind].toLowerCase() as RecordedSpan["kind"],
                traceId: span.spanContext().traceId,
                spanId: span.spanContext().spanId,
                parentSpanId: span.parentSpanContext?.spanId,
                attributes: span.attributes,
            })),
    };
}
