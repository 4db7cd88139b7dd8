import { parseIsoTimestamp } from "./timestamp";
import type { TimeAnalysis } from "./types";

/** Alerts older than this were not acted on promptly; the analysis says so. */
export const staleAfterMinutes = 60;
/** Sender clocks may run this far ahead before a future timestamp is worth a note. */
export const clockSkewMinutes = 5;

/** The time analysis for an alert raised at `timestamp`, or undefined when it is recent. */
export function analyzeTime(timestamp: string, now: Date): TimeAnalysis | undefined {
    const raisedAt = parseIsoTimestamp(timestamp);
    if (raisedAt === undefined) return undefined;
    // Truncated towards zero so that past and future ages round alike.
    const ageMinutes = Math.trunc((now.getTime() - raisedAt) / 60_000);
    if (ageMinutes > staleAfterMinutes) {
        return {
            kind: "delayed",
            age_minutes: ageMinutes,
            note:
                `The alert was raised ${duration(ageMinutes)} before this analysis. The detection or ` +
                `hand-off delay gave an attacker time to act, so scope activity from ${timestamp} onwards.`,
        };
    }
    if (-ageMinutes > clockSkewMinutes) {
        return {
            kind: "future",
            age_minutes: ageMinutes,
            note:
                `The alert timestamp is ${duration(-ageMinutes)} in the future, beyond the ` +
                `${clockSkewMinutes} minute clock-skew allowance; check the clock of the alert source.`,
        };
    }
    return undefined;
}

/** "95 minutes", "5.5 hours", "3 days": the unit a reader expects for that span. */
function duration(minutes: number): string {
    if (minutes < 120) return `${minutes} minutes`;
    const hours = minutes / 60;
    if (hours < 48) return `${Number(hours.toFixed(1))} hours`;
    return `${Math.floor(hours / 24)} days`;
}
