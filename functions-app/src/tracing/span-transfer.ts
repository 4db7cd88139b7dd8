/**
 * Ended spans as plain data, so a batch can cross to the export worker (`postMessage` clones data,
 * not methods or prototypes), and the exporters' `ReadableSpan` made again from it on the other
 * side. A batch is one flat array of strings, numbers and booleans: the structured clone of an
 * object per span (its context, times, status and attributes) took about 5 µs a span over both
 * threads, as much as recording it; a flat array about 1.3 µs. The host's spans have no events or
 * links and drop no attributes, so neither do these.
 */
import {
    createTraceState,
    type AttributeValue,
    type Attributes,
    type HrTime,
    type SpanContext,
} from "@opentelemetry/api";
import type { ExportResultCode, InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/**
 * Spans one after another, each as: name, kind; trace id, span id, flags, remote, trace state;
 * whether a parent follows, and its trace id, span id, flags, remote, trace state; start, end and
 * duration as [seconds, nanoseconds]; status code and message; the attribute count, then each
 * attribute's key and value. Absent values are `undefined`.
 */
export type SpanBatch = (AttributeValue | undefined)[];

/** What every span of one host shares, sent once when the worker starts. */
export interface ResourceData {
    readonly attributes: Attributes;
    readonly scope: InstrumentationScope;
}

/*
 * @opentelemetry/core's ExportResultCode values, without loading core: it evaluates the semantic
 * conventions (about 200 KB of CommonJS) for two constants.
 */
export const exportSucceeded: ExportResultCode = 0;
export const exportFailed: ExportResultCode = 1;

/**
 * A resource of fixed attributes: what the exporters read of one (`attributes`), without the
 * resources package and the semantic conventions it evaluates on load.
 */
export function fixedResource(attributes: Attributes): Resource {
    return {
        attributes,
        merge: (other) => fixedResource({ ...attributes, ...other?.attributes }),
        getRawAttributes: () => Object.entries(attributes),
    };
}

export function encodeSpans(spans: readonly ReadableSpan[]): SpanBatch {
    const batch: SpanBatch = [];
    for (const span of spans) {
        batch.push(span.name, span.kind);
        pushContext(batch, span.spanContext());
        const parent = span.parentSpanContext;
        batch.push(parent !== undefined);
        if (parent) pushContext(batch, parent);
        const { startTime, endTime, duration, status, attributes } = span;
        batch.push(startTime[0], startTime[1], endTime[0], endTime[1], duration[0], duration[1]);
        batch.push(status.code, status.message);
        const keys = Object.keys(attributes);
        batch.push(keys.length);
        for (const key of keys) batch.push(key, attributes[key]);
    }
    return batch;
}

/** The `ReadableSpan`s an exporter takes, from a batch made by {@link encodeSpans}. */
export function decodeSpans(
    batch: SpanBatch,
    resource: Resource,
    scope: InstrumentationScope,
): ReadableSpan[] {
    const spans: ReadableSpan[] = [];
    let at = 0;
    const next = () => batch[at++];
    const text = () => next() as string;
    const number = () => next() as number;
    const context = (): SpanContext => {
        const traceId = text();
        const spanId = text();
        const traceFlags = number();
        const isRemote = next() as boolean | undefined;
        const traceState = next() as string | undefined;
        return {
            traceId,
            spanId,
            traceFlags,
            ...(isRemote !== undefined ? { isRemote } : {}),
            ...(traceState !== undefined ? { traceState: createTraceState(traceState) } : {}),
        };
    };
    const time = (): HrTime => [number(), number()];
    while (at < batch.length) {
        const name = text();
        const kind = number();
        const own = context();
        const parent = next() === true ? context() : undefined;
        const startTime = time();
        const endTime = time();
        const duration = time();
        const code = number();
        const message = next() as string | undefined;
        const attributes: Attributes = {};
        for (let count = number(); count > 0; count--) attributes[text()] = next();
        spans.push({
            name,
            kind,
            spanContext: () => own,
            ...(parent ? { parentSpanContext: parent } : {}),
            startTime,
            endTime,
            duration,
            status: message !== undefined ? { code, message } : { code },
            attributes,
            links: [],
            events: [],
            ended: true,
            resource,
            instrumentationScope: scope,
            droppedAttributesCount: 0,
            droppedEventsCount: 0,
            droppedLinksCount: 0,
        });
    }
    return spans;
}

function pushContext(batch: SpanBatch, context: SpanContext): void {
    batch.push(
        context.traceId,
        context.spanId,
        context.traceFlags,
        context.isRemote,
        context.traceState?.serialize(),
    );
}
