/**
 * rate-limit-by-key counters: one fixed window per key, in this process's memory (APIM's counters
 * are distributed and approximate; see the README). Pure apart from the clock.
 */
export class RateLimiter {
    private readonly windows = new Map<string, { start: number; periodMs: number; count: number }>();

    constructor(private readonly now: () => number = Date.now) {}

    take(
        key: string,
        calls: number,
        periodSeconds: number,
        increment: number,
    ): { allowed: boolean; remaining: number; retryAfterSeconds: number } {
        const now = this.now();
        const periodMs = periodSeconds * 1000;
        let window = this.windows.get(key);
        if (!window || now >= window.start + window.periodMs || window.periodMs !== periodMs) {
            window = { start: now, periodMs, count: 0 };
            this.windows.set(key, window);
            if (this.windows.size > 100_000) this.prune(now);
        }
        const retryAfterSeconds = Math.max(1, Math.ceil((window.start + periodMs - now) / 1000));
        if (window.count + increment > calls) return { allowed: false, remaining: 0, retryAfterSeconds };
        window.count += increment;
        return { allowed: true, remaining: calls - window.count, retryAfterSeconds };
    }

    private prune(now: number): void {
        for (const [key, w] of this.windows) if (now >= w.start + w.periodMs) this.windows.delete(key);
    }
}
