/** Sentinel incident analysis: the contract, validation, the engine and the HTTP-agnostic webhook. */
export type {
    AlertContext,
    Analysis,
    Enrichment,
    Incident,
    IncidentEntity,
    IndicatorSource,
    MatchedIndicator,
    Severity,
    ThreatCategory,
    TimeAnalysis,
} from "./types";
export { severities, threatCategories } from "./types";
export { incidentLimits, parseIncident, type IncidentParseResult } from "./validate";
export { analyzeIncident } from "./analyze";
export { handleSentinelWebhook, type WebhookRequest, type WebhookResponse } from "./webhook";
export { maxWebhookBodyBytes } from "./webhook-limits";
export { sampleIncidents } from "./samples";
