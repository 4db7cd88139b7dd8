/**
 * The Sentinel webhook contract: the incident a playbook posts and the analysis it gets back.
 * Field names follow the original service (camelCase outside, snake_case inside `enrichment`) so
 * existing playbooks keep working.
 */

/** Sentinel incident severities, lowest first. */
export const severities = ["Informational", "Low", "Medium", "High", "Critical"] as const;

export type Severity = (typeof severities)[number];

/** An entity attached to the incident. Sentinel sends more fields per kind; they are kept, not required. */
export interface IncidentEntity {
    /** Entity kind, e.g. Account, Host, IP, URL, FileHash, Process, MailMessage. */
    readonly type: string;
    /** The entity's identifying value: UPN, host name, address, hash, ... */
    readonly name: string;
    readonly [field: string]: unknown;
}

export interface AlertContext {
    readonly description: string;
    /** ISO 8601 date-time with a time zone designator, e.g. 2025-09-26T18:44:12Z. */
    readonly timestamp: string;
}

/** What a Sentinel playbook posts to the webhook (and what the `analyze_incident` tool takes). */
export interface Incident {
    readonly incidentId: string;
    readonly severity: Severity;
    readonly entities: readonly IncidentEntity[];
    readonly alertContext: AlertContext;
    /** MITRE ATT&CK tactic names, either spelling: "Lateral Movement" or Sentinel's "LateralMovement". */
    readonly tactics?: readonly string[];
    /** MITRE ATT&CK technique ids, e.g. T1110 or T1110.003. */
    readonly techniques?: readonly string[];
}

/** Threat categories the engine can assign, in tie-break priority order (first wins a tie). */
export const threatCategories = [
    "Malware",
    "Data Exfiltration",
    "Command and Control",
    "Credential Access",
    "Lateral Movement",
    "Privilege Escalation",
    "Authentication Attack",
    "Phishing",
    "Impact",
    "Defense Evasion",
    "Persistence",
    "Reconnaissance",
    "Suspicious Network Activity",
    "General Security Incident",
] as const;

export type ThreatCategory = (typeof threatCategories)[number];

/** Where a matched indicator came from. */
export type IndicatorSource = "severity" | "entity" | "description" | "tactic" | "technique";

/** One rule that fired, with enough detail to recompute the confidence score by hand. */
export interface MatchedIndicator {
    /** Stable rule id, e.g. `keyword:brute-force`, `entity:Host`, `technique:T1110`. */
    readonly rule: string;
    readonly source: IndicatorSource;
    /** What matched: the phrase, the entity names, the tactic or technique as sent. */
    readonly evidence: string;
    /** Categories this indicator points to (empty for severity, which supports whatever is chosen). */
    readonly categories: readonly ThreatCategory[];
    /** Weight in the confidence score, 0..1. */
    readonly weight: number;
    /** True when the indicator supports the chosen category and so counts in the score. */
    readonly contributes: boolean;
}

/** Present when the alert is more than an hour old, or dated in the future beyond clock skew. */
export interface TimeAnalysis {
    readonly kind: "delayed" | "future";
    /** Minutes between the alert timestamp and the analysis; negative for a future timestamp. */
    readonly age_minutes: number;
    readonly note: string;
}

export interface Enrichment {
    /** The category with the strongest evidence; "General Security Incident" when no rule classifies it. */
    readonly threat_category: ThreatCategory;
    /** One paragraph for the analyst: urgency, what the category means, and the evidence. */
    readonly threat_intel: string;
    readonly severity: Severity;
    /** Entity counts by type (known types under their canonical name, e.g. "Ip" counts as "IP"). */
    readonly entity_summary: Readonly<Record<string, number>>;
    readonly matched_indicators: readonly MatchedIndicator[];
    /** ATT&CK tactics sent with the incident or implied by the matched categories, in kill-chain order. */
    readonly mitre_tactics: readonly string[];
    readonly time_analysis?: TimeAnalysis;
}

/** What the webhook answers. */
export interface Analysis {
    readonly incidentId: string;
    /** Concrete actions naming the entities, deduplicated, most urgent first. */
    readonly recommendations: readonly string[];
    /** 0..1, two decimals; see score.ts for the formula. */
    readonly confidenceScore: number;
    readonly enrichment: Enrichment;
    /** When the analysis ran (ISO 8601). */
    readonly processedAt: string;
}
