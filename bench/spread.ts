/** A sample's median and spread: the middle half (p25-p75) and the extremes. */
export interface Spread {
    readonly median: number;
    readonly p25: number;
    readonly p75: number;
    readonly min: number;
    readonly max: number;
    readonly n: number;
}

/** Nearest-rank quantile of an ascending sample. */
function quantile(sorted: readonly number[], q: number): number {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export function spreadOf(sample: readonly number[]): Spread {
    const sorted = [...sample].sort((a, b) => a - b);
    return {
        median: quantile(sorted, 0.5),
        p25: quantile(sorted, 0.25),
        p75: quantile(sorted, 0.75),
        min: sorted[0] ?? NaN,
        max: sorted[sorted.length - 1] ?? NaN,
        n: sorted.length,
    };
}

/** `median (p25-p75, min-max)` with `digits` decimals. */
export function formatSpread(s: Spread, digits = 0): string {
    const f = (x: number) => x.toFixed(digits);
    return `${f(s.median)} (${f(s.p25)}-${f(s.p75)}, ${f(s.min)}-${f(s.max)})`;
}
