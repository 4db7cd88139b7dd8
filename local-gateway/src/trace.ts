/**
 * W3C trace context through the gateway, as APIM does it when its Application Insights diagnostic
 * uses `httpCorrelationProtocol: W3C`: the caller's trace is kept (a new one starts when the caller
 * sent no valid `traceparent`), and each call to the backend carries a `traceparent` whose parent
 * is the gateway's own span for that call, with the caller's `tracestate`.
 */
import { randomBytes } from "node:crypto";
import { formatTraceparent, parseTraceparent, parseTracestate } from "functions-app/trace-context";
import type { Headers } from "./context";

/** The trace one gateway request belongs to. */
export interface GatewayTrace {
    readonly traceId: string;
    readonly sampled: boolean;
    /** The caller's span (the parent of the gateway's), when the caller sent a valid traceparent. */
    readonly callerSpanId?: string;
    readonly tracestate?: string;
}

/** Read once from the request as it arrived, before any policy runs. */
export function traceOfInbound(headers: Headers): GatewayTrace {
    const values = headers.get("traceparent");
    const parent = parseTraceparent(values?.length === 1 ? values[0] : undefined);
    if (!parent) return { traceId: nonZeroHex(16), sampled: true };
    const tracestate = parseTracestate(headers.get("tracestate"));
    return {
        traceId: parent.traceId,
        sampled: parent.sampled,
        callerSpanId: parent.parentId,
        ...(tracestate !== undefined ? { tracestate } : {}),
    };
}

/** The trace headers of one backend call: a new span of the gateway's as the parent. */
export function backendTraceHeaders(trace: GatewayTrace): Record<string, string[]> {
    const traceparent = formatTraceparent({
        traceId: trace.traceId,
        parentId: nonZeroHex(8),
        sampled: trace.sampled,
    });
    return { traceparent: [traceparent], ...(trace.tracestate ? { tracestate: [trace.tracestate] } : {}) };
}

function nonZeroHex(bytes: number): string {
    for (;;) {
        const hex = randomBytes(bytes).toString("hex");
        if (!/^0+$/.test(hex)) return hex;
    }
}
