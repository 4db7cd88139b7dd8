/**
 * Trace and span ids, and the share of new traces sampled, as the OpenTelemetry SDK makes and decides
 * them: ids from `Math.random` (they identify, they protect nothing; the SDK does the same), never
 * all zero; a new trace is sampled when its id's four 32-bit words XORed fall under
 * `ratio * 0xffffffff`, the SDK's TraceIdRatioBasedSampler, so the same trace id gets the same
 * decision from every process that applies the same ratio.
 */

/** 32 lower-case hex digits, not all zero. */
export function newTraceId(): string {
    return nonZero(word() + word() + word() + word());
}

/** 16 lower-case hex digits, not all zero. */
export function newSpanId(): string {
    return nonZero(word() + word());
}

/** Whether a new trace with this id is recorded, at `percent` (0-100) of new traces. */
export function sampledAt(percent: number, traceId: string): boolean {
    if (percent >= 100) return true;
    if (percent <= 0 || traceId.length !== 32) return false;
    const bound = Math.floor((percent / 100) * 0xffffffff);
    let accumulated = 0;
    for (let at = 0; at < 32; at += 8) {
        const part = parseInt(traceId.slice(at, at + 8), 16);
        if (Number.isNaN(part)) return false;
        accumulated = (accumulated ^ part) >>> 0;
    }
    return accumulated < bound;
}

function word(): string {
    return ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
}

/** The W3C rule: an all-zero id is invalid; the SDK sets the last digit then, and so does this. */
function nonZero(id: string): string {
    for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) !== 48) return id;
    return id.slice(0, -1) + "1";
}
