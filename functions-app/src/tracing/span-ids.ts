/**
 * Trace and span ids, and the share of new traces sampled, as the OpenTelemetry SDK makes and decides
 * them: ids from `Math.random` (they identify, they protect nothing; the SDK does the same), never
 * all zero; a trace is sampled when its id's four 32-bit words XORed fall under
 * `ratio * 0xffffffff`, the SDK's TraceIdRatioBasedSampler, so the same trace id gets the same
 * decision from every process that applies the same ratio.
 */

/** 32 lower-case hex digits, not all zero. */
export function newTraceId(): string {
    return newTraceIdSampledAt(100) as string;
}

/** 16 lower-case hex digits, not all zero. */
export function newSpanId(): string {
    return nonZero(word() + word());
}

/** Whether the trace with this id is recorded at `percent` (0-100) of traces. */
export function sampledAt(percent: number, traceId: string): boolean {
    if (percent >= 100) return true;
    if (percent <= 0 || traceId.length !== 32) return false;
    // Read digit by digit, not sliced and parsed: the rate-limited host decides this for every
    // sampled call it is sent, and a slice is an allocation.
    let accumulated = 0;
    for (let at = 0; at < 32; at += 8) {
        let part = 0;
        for (let i = at; i < at + 8; i++) {
            const digit = hexValue(traceId.charCodeAt(i));
            if (digit < 0) return false;
            part = part * 16 + digit;
        }
        accumulated = (accumulated ^ part) >>> 0;
    }
    return accumulated < bound(percent);
}

/**
 * A new trace id when a trace with it is sampled at `percent`, else undefined: the same decision
 * as {@link sampledAt} on a {@link newTraceId}, made on the four random words before any of them
 * is written as hex, so a new trace that is not sampled costs four random numbers and no string.
 */
export function newTraceIdSampledAt(percent: number): string | undefined {
    if (percent <= 0) return undefined;
    const a = randomWord();
    const b = randomWord();
    const c = randomWord();
    let d = randomWord();
    // All zero is invalid: the id then ends in 1, as `nonZero` makes a span id.
    if ((a | b | c | d) === 0) d = 1;
    if (percent < 100 && (a ^ b ^ c ^ d) >>> 0 >= bound(percent)) return undefined;
    return hex(a) + hex(b) + hex(c) + hex(d);
}

/** The SDK's bound: a trace is sampled when its XORed words are below it. */
function bound(percent: number): number {
    return Math.floor((percent / 100) * 0xffffffff);
}

function hexValue(c: number): number {
    if (c >= 48 && c <= 57) return c - 48;
    if (c >= 97 && c <= 102) return c - 87;
    if (c >= 65 && c <= 70) return c - 55;
    return -1;
}

function randomWord(): number {
    return (Math.random() * 0x100000000) >>> 0;
}

function hex(value: number): string {
    return value.toString(16).padStart(8, "0");
}

function word(): string {
    return hex(randomWord());
}

/** The W3C rule: an all-zero id is invalid; the SDK sets the last digit then, and so does this. */
function nonZero(id: string): string {
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) !== 48) return id;
    return id.slice(0, -1) + "1";
}
