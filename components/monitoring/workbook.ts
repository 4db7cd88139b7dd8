import { spanAttributes, toolSpanPrefix } from "functions-app/tracing/span-names";

/**
 * The per-agent, per-tool dashboard as Azure Workbook JSON. Calls, failures and latency by agent
 * and tool come from the gateway's `emit-metric` (AppMetrics in the workspace); exact p95 per
 * operation comes from ApiManagementGatewayLogs; each agent request's path through the gateway,
 * the tool host, the tool and its storage calls comes from the W3C trace they share (AppRequests
 * and AppDependencies, one OperationId per trace). Pure.
 */
export interface WorkbookInput {
    readonly title: string;
    /** Caller app id (the token's azp) -> agent name, so the dashboard shows names. */
    readonly agentsByAppId: Readonly<Record<string, string>>;
    readonly metricName: string;
}

/** The workbook's time range parameter. */
const timeRange = "TimeRange";

export function agentWorkbook(input: WorkbookInput): string {
    const directory = Object.entries(input.agentsByAppId)
        .map(([appId, name]) => `"${appId}", "${name}"`)
        .join(", ");
    const agents = `let agents = datatable(appId: string, agent: string) [${directory}];`;
    // Each query filters on the time range itself, so it means the same when opened in Logs or
    // pinned elsewhere, where the workbook's time context does not follow it.
    const window = `| where TimeGenerated {${timeRange}}`;
    const metrics = [
        agents,
        `AppMetrics`,
        window,
        `| where Name == "${input.metricName}"`,
        `| extend appId = tostring(Properties.agent), tool = tostring(Properties.tool), status = toint(Properties.status)`,
        `| join kind=leftouter agents on appId`,
        `| extend agent = coalesce(agent, appId)`,
    ].join("\n");
    const items = [
        {
            type: 1,
            name: "title",
            content: { json: `# ${input.title}\nCalls, failures and latency per agent and tool.` },
        },
        {
            type: 9,
            name: "parameters",
            content: {
                version: "KqlParameterItem/1.0",
                parameters: [
                    {
                        id: "time-range",
                        version: "KqlParameterItem/1.0",
                        name: timeRange,
                        type: 4,
                        value: { durationMs: 86400000 },
                        typeSettings: {
                            selectableValues: [
                                { durationMs: 3600000 },
                                { durationMs: 86400000 },
                                { durationMs: 604800000 },
                            ],
                        },
                    },
                ],
            },
        },
        query(
            "calls-by-agent-tool",
            "Calls, failures and latency by agent and tool",
            `${metrics}\n| summarize calls = sum(ItemCount), failures = sumif(ItemCount, status >= 400), avgMs = round(sum(Sum) / sum(ItemCount), 1), p95OfIntervalAvgMs = round(percentile(Sum / ItemCount, 95), 1), maxMs = max(Max) by agent, tool\n| order by calls desc`,
            "table",
        ),
        query(
            "calls-over-time",
            "Calls per agent over time",
            `${metrics}\n| summarize calls = sum(ItemCount) by agent, bin(TimeGenerated, {${timeRange}:grain})`,
            "timechart",
        ),
        query(
            "failures-by-agent",
            "Failures by agent and status",
            `${metrics}\n| where status >= 400\n| summarize failures = sum(ItemCount) by agent, tool, status\n| order by failures desc`,
            "table",
        ),
        query(
            "p95-by-operation",
            "p95 latency by API operation (gateway logs)",
            `ApiManagementGatewayLogs\n${window}\n| summarize calls = count(), failures = countif(ResponseCode >= 400), p95Ms = percentile(TotalTime, 95), p95BackendMs = percentile(BackendTime, 95) by ApiId, OperationId\n| order by calls desc`,
            "table",
        ),
        traceTree("agent-request-traces", agents, window),
    ];
    return JSON.stringify({ version: "Notebook/1.0", items, isLocked: false, fallbackResourceIds: [] });
}

/**
 * The latest traced tool calls, each shown from the agent's request down: the gateway's request
 * (APIM), the tool host's request span, the tool call, its storage calls. Spans of one trace share
 * the OperationId (the W3C trace id) and link child to parent by ParentId = Id, which the grid
 * shows as a tree.
 */
function traceTree(name: string, agents: string, window: string): object {
    const kql = [
        agents,
        `let traced = AppDependencies`,
        window,
        `| where Name startswith "${toolSpanPrefix}"`,
        `| top 50 by TimeGenerated desc`,
        `| distinct OperationId;`,
        `union AppRequests, AppDependencies`,
        window,
        `| where OperationId in (traced)`,
        `| extend appId = tostring(Properties["${spanAttributes.caller}"]), tool = tostring(Properties["${spanAttributes.tool}"]), outcome = tostring(Properties["${spanAttributes.toolOutcome}"]), store = tostring(Properties["${spanAttributes.store}"])`,
        `| lookup kind=leftouter agents on appId`,
        `| extend agent = coalesce(agent, appId), span = iff(Type == "AppRequests", "request", coalesce(DependencyType, "dependency"))`,
        `| project TimeGenerated, OperationId, Id, ParentId, Name, span, AppRoleName, DurationMs, Success, ResultCode, agent, tool, outcome, store`,
        `| order by OperationId asc, TimeGenerated asc`,
    ].join("\n");
    const item = query(
        name,
        "Agent requests to their tool and storage calls (latest 50 traced tool calls)",
        kql,
        "table",
    ) as {
        content: Record<string, unknown>;
    };
    item.content.gridSettings = {
        hierarchySettings: { treeType: 0, idColumn: "Id", parentColumn: "ParentId", expanderColumn: "Name" },
    };
    return item;
}

function query(name: string, title: string, kql: string, visualization: string): object {
    return {
        type: 3,
        name,
        content: {
            version: "KqlItem/1.0",
            title,
            query: kql,
            size: 0,
            timeContextFromParameter: timeRange,
            queryType: 0,
            resourceType: "microsoft.operationalinsights/workspaces",
            visualization,
        },
    };
}
