import { knownEntityType, knownEntityTypes } from "./entities";
import { collectIndicators } from "./indicators";
import { killChainOrder, tacticsOfCategory } from "./mitre";
import { recommend } from "./recommend";
import { judge, type Verdict } from "./score";
import { analyzeTime } from "./time";
import type { Analysis, Incident, Severity, ThreatCategory } from "./types";

/**
 * Analyzes a validated incident. Deterministic: the same incident and `now` give the same analysis,
 * and every conclusion is traceable to `enrichment.matched_indicators`.
 */
export function analyzeIncident(incident: Incident, now: Date): Analysis {
    const verdict = judge(collectIndicators(incident));
    const timeAnalysis = analyzeTime(incident.alertContext.timestamp, now);
    return {
        incidentId: incident.incidentId,
        recommendations: recommend({
            incident,
            category: verdict.category,
            matchedCategories: verdict.matchedCategories,
            timeAnalysis,
        }),
        confidenceScore: verdict.confidence,
        enrichment: {
            threat_category: verdict.category,
            threat_intel: threatIntel(incident.severity, verdict),
            severity: incident.severity,
            entity_summary: entitySummary(incident),
            matched_indicators: verdict.indicators,
            mitre_tactics: mitreTactics(incident, verdict),
            ...(timeAnalysis && { time_analysis: timeAnalysis }),
        },
        processedAt: now.toISOString(),
    };
}

/**
 * The tactics sent, plus those implied by what the description and techniques show. Categories
 * proposed only by a sent tactic imply nothing more: inferring tactics from tactics would invent some.
 */
function mitreTactics(incident: Incident, verdict: Verdict): string[] {
    const observed = verdict.indicators
        .filter((i) => i.source === "description" || i.source === "technique")
        .flatMap((i) => i.categories);
    return killChainOrder([...(incident.tactics ?? []), ...observed.flatMap((c) => tacticsOfCategory[c])]);
}

const urgency: Readonly<Record<Severity, string>> = {
    Critical: "Incident requires immediate attention due to critical severity.",
    High: "Incident requires immediate attention due to high severity.",
    Medium: "Incident should be investigated today (medium severity).",
    Low: "Incident can be triaged in the regular queue (low severity).",
    Informational: "Informational incident: review for context; act only if other alerts corroborate it.",
};

const meaning: Readonly<Record<ThreatCategory, string>> = {
    Malware: "Malicious code is present or has run on an endpoint.",
    "Data Exfiltration": "Data may have been transferred out of the organization.",
    "Command and Control": "A compromised system may be communicating with attacker infrastructure.",
    "Credential Access": "Credentials may have been stolen from a system or directory.",
    "Lateral Movement": "An attacker may be moving from one system to others.",
    "Privilege Escalation": "An identity or process may have gained privileges it should not have.",
    "Authentication Attack": "Sign-in activity points to an attack on user credentials.",
    Phishing: "A deceptive message may have reached users to steal credentials or deliver malware.",
    Impact: "Systems or data may be disrupted, destroyed or held to ransom.",
    "Defense Evasion": "Security controls or logs may have been tampered with.",
    Persistence: "An attacker may have set up a way to keep access.",
    Reconnaissance: "Someone is mapping systems or services, often ahead of an attack.",
    "Suspicious Network Activity": "Network traffic deviates from the expected pattern.",
    "General Security Incident": "No rule classified the activity; the assessment rests on severity alone.",
};

function threatIntel(severity: Severity, verdict: Verdict): string {
    const evidence = verdict.indicators
        .filter((i) => i.contributes && i.source !== "severity")
        .map((i) => i.evidence);
    const others = verdict.matchedCategories.filter((c) => c !== verdict.category);
    return [
        urgency[severity],
        meaning[verdict.category],
        ...(evidence.length > 0 ? [`Evidence: ${evidence.join("; ")}.`] : []),
        ...(others.length > 0 ? [`Weaker signals of: ${others.join(", ")}.`] : []),
    ].join(" ");
}

/** Counts by type: known kinds under their canonical name in a fixed order, others as sent. */
function entitySummary(incident: Incident): Record<string, number> {
    const counts = new Map<string, number>(knownEntityTypes.map((t) => [t, 0]));
    for (const entity of incident.entities) {
        const type = knownEntityType(entity.type) ?? entity.type.trim();
        counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    // fromEntries defines own properties, so even a type named "__proto__" is counted, not swallowed.
    return Object.fromEntries([...counts].filter(([, n]) => n > 0));
}
