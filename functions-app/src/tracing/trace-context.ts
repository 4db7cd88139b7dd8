/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) headers, parsed and written without any
 * tracing SDK, so the gateway and the hosts agree on what a valid `traceparent` is and a host with
 * tracing off pays nothing for it.
 */

/** A position in a trace: the trace, the span that is the parent of what comes next, sampled or not. */
export interface TraceParent {
    /** 32 lower-case hex digits, not all zero. */
    readonly traceId: string;
    /** 16 lower-case hex digits, not all zero. */
    readonly parentId: string;
    /** The sampled bit of trace-flags. */
    readonly sampled: boolean;
}

/** The trace context a request carried, as its headers give it (either may be missing). */
export interface IncomingTraceContext {
    readonly traceparent?: string | readonly string[] | undefined;
    readonly tracestate?: string | readonly string[] | undefined;
}

/**
 * The parent a `traceparent` header names, or undefined when it is absent, repeated or malformed
 * (the caller then starts a new trace: a bad header is never an error). Version 00 must be exactly
 * four fields; a later version may append fields (the spec's forward-compatibility rule); `ff` is
 * invalid. Read character by character: every traced request parses one.
 */
export function parseTraceparent(header: string | readonly string[] | undefined): TraceParent | undefined {
    if (typeof header !== "string") return undefined;
    const value = header.trim();
    if (value.length < 55) return undefined;
    // version(2) - trace-id(32) - parent-id(16) - flags(2): dashes at 2, 35, 52.
    if (!isLowerHex(value, 0, 2) || value.startsWith("ff")) return undefined;
    if (value.startsWith("00") ? value.length !== 55 : value.length > 55 && value[55] !== "-")
        return undefined;
    if (value[2] !== "-" || value[35] !== "-" || value[52] !== "-") return undefined;
    if (!isLowerHex(value, 3, 35) || isAllZero(value, 3, 35)) return undefined;
    if (!isLowerHex(value, 36, 52) || isAllZero(value, 36, 52)) return undefined;
    if (!isLowerHex(value, 53, 55)) return undefined;
    return {
        traceId: value.slice(3, 35),
        parentId: value.slice(36, 52),
        sampled: (parseInt(value.slice(53, 55), 16) & 1) === 1,
    };
}

/** True when `value[from..to)` is lower-case hex digits only. */
function isLowerHex(value: string, from: number, to: number): boolean {
    for (let i = from; i < to; i++) {
        const c = value.charCodeAt(i);
        if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
    }
    return true;
}

function isAllZero(value: string, from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (value.charCodeAt(i) !== 48) return false;
    return true;
}

/** A version-00 `traceparent` header value. */
export function formatTraceparent(parent: TraceParent): string {
    return `00-${parent.traceId}-${parent.parentId}-${parent.sampled ? "01" : "00"}`;
}

/** The spec's limit on list members; longer lists are dropped rather than guessed at. */
const maxTracestateMembers = 32;
const tracestateKey = /^(?:[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13}|[a-z][a-z0-9_\-*/]{0,255})$/;
// Printable ASCII except ',' and '=', the last character not a space.
const tracestateValue = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/**
 * A `tracestate` header as it may be forwarded (repeated headers joined, empty members dropped), or
 * undefined when it is absent or not a valid list: vendors' state is passed on untouched or not at all.
 */
export function parseTracestate(header: string | readonly string[] | undefined): string | undefined {
    if (header === undefined) return undefined;
    const joined = typeof header === "string" ? header : header.join(",");
    const members = joined
        .split(",")
        .map((m) => m.trim())
        .filter((m) => m.length > 0);
    if (members.length === 0 || members.length > maxTracestateMembers) return undefined;
    const keys = new Set<string>();
    for (const member of members) {
        const eq = member.indexOf("=");
        if (eq <= 0) return undefined;
        const key = member.slice(0, eq);
        if (!tracestateKey.test(key) || !tracestateValue.test(member.slice(eq + 1)) || keys.has(key))
            return undefined;
        keys.add(key);
    }
    return members.join(",");
}
