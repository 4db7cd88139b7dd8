/**
 * Custom metrics the gateway emits (`emit-metric` in apim-policies/, rendered from these names)
 * and the dashboard and alerts read. Pure.
 */
import { projectName } from "../project";

export const gatewayMetrics = {
    /** Per MCP call: gateway time in ms, by agent, tool, method and status. */
    mcpCall: "mcp-call-duration-ms",
    /** Per screened message with findings: 1, by agent, tool, check, stage (arguments/result) and mode. */
    contentFinding: "mcp-content-finding",
    /** Per Sentinel webhook call: gateway time in ms, by agent and status. */
    sentinelWebhook: "sentinel-webhook-duration-ms",
} as const;

/** Namespace of those metrics in Application Insights. */
export const gatewayMetricNamespace = projectName;
