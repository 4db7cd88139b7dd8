import type { Indicator } from "./indicators";
import { threatCategories, type MatchedIndicator, type ThreatCategory } from "./types";

export interface Verdict {
    readonly category: ThreatCategory;
    /** Categories with at least one signal (description, tactic or technique), strongest first. */
    readonly matchedCategories: readonly ThreatCategory[];
    readonly indicators: readonly MatchedIndicator[];
    readonly confidence: number;
}

/**
 * Chooses the threat category and scores the confidence in it.
 *
 * Each indicator has a weight w in (0, 1): the share of the remaining doubt it removes. Independent
 * evidence combines as a noisy-OR:
 *
 *     confidence = 1 - (1 - w_severity) * PRODUCT over supporting indicators of (1 - w_i)
 *
 * The severity weight (0.2 Informational .. 0.8 Critical) is the prior and always counts, so the
 * score is at least 0.2; every further indicator raises it, and it never exceeds 1. An indicator
 * supports a category when it lists it. Only signals (description keywords, tactics, techniques) can
 * propose a category, entities merely corroborate one; the category whose supporting indicators
 * combine highest wins (ties: the order of `threatCategories`). With no signal the category is
 * "General Security Incident" and only severity counts.
 *
 * Adding an indicator never lowers the score: each category's combined strength can only grow, so
 * the strongest one can only grow too.
 */
export function judge(indicators: readonly Indicator[]): Verdict {
    const proposed = new Set(indicators.filter(isSignal).flatMap((i) => i.categories));
    const strengths = threatCategories
        .filter((c) => proposed.has(c))
        .map((category) => ({
            category,
            // Rounded so that equal evidence multiplied in a different order still ties.
            strength: Math.round(combine(indicators.filter((i) => i.categories.includes(category))) * 1e9),
        }));
    // Stable sort keeps the priority order between equal strengths.
    strengths.sort((a, b) => b.strength - a.strength);
    const category = strengths[0]?.category ?? "General Security Incident";
    const marked = indicators.map((i) => ({
        ...i,
        contributes: i.source === "severity" || i.categories.includes(category),
    }));
    return {
        category,
        matchedCategories: strengths.map((s) => s.category),
        indicators: marked,
        confidence: round2(combine(marked.filter((i) => i.contributes))),
    };
}

function isSignal(indicator: Indicator): boolean {
    return (
        indicator.source === "description" ||
        indicator.source === "tactic" ||
        indicator.source === "technique"
    );
}

/** Noisy-OR of independent evidence. */
function combine(indicators: readonly Indicator[]): number {
    return 1 - indicators.reduce((doubt, i) => doubt * (1 - i.weight), 1);
}

function round2(value: number): number {
    return Math.min(1, Math.max(0, Math.round(value * 100) / 100));
}
