/**
 * Ended spans as plain data, so a batch can cross to the export worker (`postMessage` clones data,
 * not methods or prototypes), and the exporters' `ReadableSpan` made again from it on the other
 * side. The host's spans have no events or links and drop no attributes, so neither do these.
 */
import {
    createTraceState,
    type Attributes,
    type HrTime,
    type SpanContext,
    type SpanStatus,
} from "@opentelemetry/api";
import type { ExportResultCode, InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** A span context with its trace state as its header text. */
export interface SpanContextData {
    readonly traceId: string;
    readonly spanId: string;
    readonly traceFlags: number;
    readonly isRemote?: boolean;
    readonly traceState?: string;
}

export interface SpanData {
    readonly name: string;
    readonly kind: number;
    readonly context: SpanContextData;
    readonly parent?: SpanContextData;
    readonly startTime: HrTime;
    readonly endTime: HrTime;
    readonly duration: HrTime;
    readonly status: SpanStatus;
    readonly attributes: Attributes;
}

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

export function toSpanData(span: ReadableSpan): SpanData {
    const parent = span.parentSpanContext;
    return {
        name: span.name,
        kind: span.kind,
        context: toContextData(span.spanContext()),
        ...(parent ? { parent: toContextData(parent) } : {}),
        startTime: span.startTime,
        endTime: span.endTime,
        duration: span.duration,
        status: span.status,
        attributes: span.attributes,
    };
}

/** The `ReadableSpan` an exporter takes, from data made by {@link toSpanData}. */
export function fromSpanData(data: SpanData, resource: Resource, scope: InstrumentationScope): ReadableSpan {
    const context = fromContextData(data.context);
    return {
        name: data.name,
        kind: data.kind,
        spanContext: () => context,
        ...(data.parent ? { parentSpanContext: fromContextData(data.parent) } : {}),
        startTime: data.startTime,
        endTime: data.endTime,
        duration: data.duration,
        status: data.status,
        attributes: data.attributes,
        links: [],
        events: [],
        ended: true,
        resource,
        instrumentationScope: scope,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
    };
}

function toContextData(context: SpanContext): SpanContextData {
    return {
        traceId: context.traceId,
        spanId: context.spanId,
        traceFlags: context.traceFlags,
        ...(context.isRemote !== undefined ? { isRemote: context.isRemote } : {}),
        ...(context.traceState ? { traceState: context.traceState.serialize() } : {}),
    };
}

function fromContextData(data: SpanContextData): SpanContext {
    const { traceState, ...rest } = data;
    return traceState !== undefined ? { ...rest, traceState: createTraceState(traceState) } : rest;
}
