/**
 * Gateway alert rules as data: KQL over the resource-specific APIM table (ApiManagementGatewayLogs,
 * filled by the gateway's diagnostic setting) and the threshold that fires each. Pure.
 */
export interface AlertDefinition {
    /** Short id used in resource names. */
    readonly id: string;
    readonly displayName: string;
    readonly description: string;
    readonly severity: 0 | 1 | 2 | 3 | 4;
    readonly query: string;
    /** Column the threshold compares; the query produces it per evaluation window. */
    readonly metricMeasureColumn: string;
    readonly threshold: number;
}

export function gatewayAlerts(opts: { latencyThresholdMs: number }): AlertDefinition[] {
    return [
        {
            id: "auth-failures",
            displayName: "Agent authentication failures (401/403)",
            description: "Many requests rejected for a missing, invalid or under-privileged token.",
            severity: 2,
            query: "ApiManagementGatewayLogs\n| where ResponseCode in (401, 403)\n| summarize failures = count()",
            metricMeasureColumn: "failures",
            threshold: 25,
        },
        {
            id: "throttling",
            displayName: "Agents throttled (429)",
            description: "Agents are hitting their per-agent rate limit.",
            severity: 3,
            query: "ApiManagementGatewayLogs\n| where ResponseCode == 429\n| summarize throttled = count()",
            metricMeasureColumn: "throttled",
            threshold: 50,
        },
        {
            id: "backend-errors",
            displayName: "Tool backend errors (5xx rate)",
            description: "More than 5% of gateway requests end in a server error.",
            severity: 1,
            query: "ApiManagementGatewayLogs\n| summarize total = count(), errors = countif(ResponseCode >= 500)\n| where total > 0\n| extend errorRatePercent = 100.0 * errors / total",
            metricMeasureColumn: "errorRatePercent",
            threshold: 5,
        },
        {
            id: "latency-p95",
            displayName: "Gateway latency p95",
            description: `p95 end-to-end latency above ${opts.latencyThresholdMs} ms (event streams excluded).`,
            severity: 2,
            query: `ApiManagementGatewayLogs\n| where OperationId !in ("mcp-sse", "mcp-get")\n| summarize p95Ms = percentile(TotalTime, 95)`,
            metricMeasureColumn: "p95Ms",
            threshold: opts.latencyThresholdMs,
        },
    ];
}
