/**
 * The share of traces to record so that about `tracesPerSecond` are recorded whatever the arrival
 * rate: the rate-limited sampling Azure Monitor's OpenTelemetry distros default to (5 traces per
 * second; `RateLimitedSampler` in @azure/monitor-opentelemetry-exporter). As there, arrivals and
 * the time they span are counted in a window that decays exponentially with an adaptation time of
 * 0.1 s, the share is `window time x target rate / window count` (at most 1), and it is rounded
 * down to 100/N percent, so each recorded trace stands for a whole number N of traces (Application
 * Insights multiplies its counts back by N). The caller decides a trace below that percentage by
 * its id (`sampledAt`), so the same trace gets the same decision everywhere the percentage is the same.
 *
 * One difference: a gap between arrivals adds at most two target intervals (2 / tracesPerSecond
 * seconds) to the window's time. Azure's sampler adds the whole gap, so an idle spell is banked and
 * spent when load comes back: after 60 s idle, 10,000 arrivals a second at a target of 5 have
 * about 640 traces recorded in that first second (its own arithmetic, simulated), a burst on the
 * exporter exactly when the host is busiest. Capped, that first second records about 18. Arrivals
 * at the target rate or below are still all recorded (a gap of one target interval or more makes
 * the share 1), and a host that just started is treated as one that has been idle.
 *
 * Each decision costs one `Math.exp` and a few arithmetic operations on fields, and allocates
 * nothing: the host asks once for every call that could be traced, 20,000 and more a second.
 */

/** How quickly the window forgets, in ms: Azure's sampler's adaptation time (0.1 s). */
export const adaptationTimeMs = 100;

/** A gap adds at most this many target intervals to the window's time (see the module comment). */
const gapCapIntervals = 2;

/** Monotonic milliseconds; injectable so tests can drive time. */
export type MonotonicClock = () => number;

const monotonicNow: MonotonicClock = () => performance.now();

export class RateLimit {
    /** Arrivals in the window, each weighted by how long ago it came. */
    private windowCount = 0;
    /** Time the window spans, ms, weighted the same way. */
    private windowMs = 0;
    private lastMs: number;
    private readonly targetPerMs: number;
    private readonly gapCapMs: number;

    constructor(
        readonly tracesPerSecond: number,
        private readonly now: MonotonicClock = monotonicNow,
    ) {
        if (!(tracesPerSecond > 0) || !Number.isFinite(tracesPerSecond))
            throw new RangeError(`traces per second must be a finite number above 0, got ${tracesPerSecond}`);
        this.targetPerMs = tracesPerSecond / 1000;
        this.gapCapMs = (gapCapIntervals * 1000) / tracesPerSecond;
        this.lastMs = now() - this.gapCapMs;
    }

    /**
     * One arrival: the percentage (100/N, or 0 when the target is unreachably small) at which its
     * trace is recorded.
     */
    percent(): number {
        const now = this.now();
        const gap = now - this.lastMs;
        if (gap > 0) {
            const decay = Math.exp(-gap / adaptationTimeMs);
            this.windowCount = this.windowCount * decay + 1;
            this.windowMs = this.windowMs * decay + (gap < this.gapCapMs ? gap : this.gapCapMs);
            this.lastMs = now;
        } else {
            // The same instant (or a clock that stepped back): one more arrival, no more time.
            this.windowCount += 1;
        }
        return wholeShare((100 * this.windowMs * this.targetPerMs) / this.windowCount);
    }
}

/**
 * `percent` rounded down to 100/N for a whole N (100, 50, 33.3, 25, 20, ...), so each recorded
 * item stands for N items; 0 stays 0, 100 and above are 100. Azure Monitor's samplers round the
 * same way (`roundDownToNearest`).
 */
export function wholeShare(percent: number): number {
    if (percent >= 100) return 100;
    if (!(percent > 0)) return 0;
    return 100 / Math.ceil(100 / percent);
}
