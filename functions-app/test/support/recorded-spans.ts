import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createRecordingTracing, type RecordingTracingOptions } from "../../src/tracing/tracing-sdk-modules";

/** The span recorder handing each span, as it ends and as the exporters get it, to `spans`. */
export function recordedSpans(
    options: Omit<RecordingTracingOptions, "exporter" | "serviceName" | "batch"> = {},
): { readonly tracing: ReturnType<typeof createRecordingTracing>; readonly spans: ReadableSpan[] } {
    const spans: ReadableSpan[] = [];
    const tracing = createRecordingTracing({
        exporter: {
            export: (batch, done) => {
                spans.push(...batch);
                done({ code: ExportResultCode.SUCCESS });
            },
            shutdown: () => Promise.resolve(),
        },
        serviceName: "recorded-spans",
        batch: false,
        ...options,
    });
    return { tracing, spans };
}
