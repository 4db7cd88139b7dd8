/**
 * A recorded span, as the host makes one or two per traced request: the exporters' `ReadableSpan`
 * and the host's span handle in one object. The OpenTelemetry SDK's tracer made each span through
 * a sampler, a context map copied per span, attribute limits and two span processors, about 15 µs
 * per span here; the host needs none of that generality (it never registers a global provider,
 * nothing else in the process is instrumented, its spans have a handful of attributes and no
 * events or links), so it records spans itself and hands the exporters the same `ReadableSpan`
 * the SDK would.
 */
import type { AsyncLocalStorage } from "node:async_hooks";
import {
    SpanStatusCode,
    type Attributes as OtelAttributes,
    type HrTime,
    type Link,
    type SpanContext,
    type SpanKind,
    type SpanStatus,
} from "@opentelemetry/api";
import type { InstrumentationScope } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan, TimedEvent } from "@opentelemetry/sdk-trace-base";
import type { Attributes, StartedSpan } from "./tracing";

/** What every span of one tracer shares: where it goes when it ends, and the context it runs in. */
export interface SpanOwner {
    readonly resource: Resource;
    readonly instrumentationScope: InstrumentationScope;
    readonly active: AsyncLocalStorage<SpanRecord>;
    ended(span: SpanRecord): void;
}

/**
 * When a span started: wall-clock milliseconds read once per local root, and the monotonic clock for
 * everything after, so a child never starts before its parent or outlasts it because the wall clock
 * moved (the SDK's anchored clock does the same).
 */
export interface SpanClock {
    readonly epochMs: number;
    readonly monotonicMs: number;
}

const noLinks: Link[] = [];
const noEvents: TimedEvent[] = [];

export class SpanRecord implements ReadableSpan, StartedSpan {
    readonly recording = true;
    status: SpanStatus = { code: SpanStatusCode.UNSET };
    ended = false;
    readonly links = noLinks;
    readonly events = noEvents;
    readonly droppedAttributesCount = 0;
    readonly droppedEventsCount = 0;
    readonly droppedLinksCount = 0;
    readonly parentSpanContext?: SpanContext;
    /** Milliseconds from the anchor's monotonic reading to this span's start and end. */
    private readonly startOffsetMs: number;
    private endOffsetMs = 0;
    /** False while `attributes` is the caller's object, which is copied before it is changed. */
    private ownsAttributes: boolean;

    constructor(
        private readonly owner: SpanOwner,
        readonly name: string,
        readonly kind: SpanKind,
        private readonly context: SpanContext,
        parentSpanContext: SpanContext | undefined,
        public attributes: OtelAttributes,
        ownsAttributes: boolean,
        /** The local root's clock, which this span's children share. */
        readonly clock: SpanClock,
        /** The percentage the trace is recorded at (100: all), which this span's children share. */
        readonly sampleRate = 100,
    ) {
        if (parentSpanContext) this.parentSpanContext = parentSpanContext;
        this.ownsAttributes = ownsAttributes;
        this.startOffsetMs = performance.now() - clock.monotonicMs;
    }

    spanContext(): SpanContext {
        return this.context;
    }

    get resource(): Resource {
        return this.owner.resource;
    }

    get instrumentationScope(): InstrumentationScope {
        return this.owner.instrumentationScope;
    }

    get startTime(): HrTime {
        return hrTime(this.clock.epochMs + this.startOffsetMs);
    }

    get endTime(): HrTime {
        return hrTime(this.clock.epochMs + this.endOffsetMs);
    }

    get duration(): HrTime {
        return hrTime(Math.max(0, this.endOffsetMs - this.startOffsetMs));
    }

    setAttributes(attributes: Attributes): void {
        if (this.ended) return;
        if (!this.ownsAttributes) {
            // Not a spread: V8 gives a spread's copy a map that each added key then replaces,
            // about ten times the cost of Object.assign's copy here.
            this.attributes = Object.assign({}, this.attributes);
            this.ownsAttributes = true;
        }
        for (const key in attributes) {
            const value = attributes[key];
            if (value !== undefined) this.attributes[key] = value;
        }
    }

    fail(reason: string): void {
        if (!this.ended) this.status = { code: SpanStatusCode.ERROR, message: reason };
    }

    run<T>(work: () => T): T {
        return this.owner.active.run(this, work);
    }

    end(): void {
        if (this.ended) return;
        this.endOffsetMs = performance.now() - this.clock.monotonicMs;
        this.ended = true;
        this.owner.ended(this);
    }
}

/** Milliseconds as OpenTelemetry's [seconds, nanoseconds]. */
export function hrTime(ms: number): HrTime {
    const seconds = Math.floor(ms / 1000);
    const nanos = Math.round((ms - seconds * 1000) * 1e6);
    return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/** A clock anchored now, for a span with no local parent. */
export function anchoredNow(): SpanClock {
    return { epochMs: Date.now(), monotonicMs: performance.now() };
}
