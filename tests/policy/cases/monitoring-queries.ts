import * as assert from "node:assert/strict";
import { PolicyCase } from "../harness";
import { compliantStack, plus, resource, tags, withChange } from "../fixtures";

const policy = "monitoring-queries-analyze";

/** The fixture's alert rule with its query edited. */
const alertQuery = (edit: (query: string) => string) =>
    withChange(compliantStack(), "monitoring-auth-failures", (i) => {
        const [criterion] = (i.criteria as { allOf: { query: string }[] }).allOf;
        assert.ok(criterion, "the alert rule has a criterion");
        criterion.query = edit(criterion.query);
    });

/** The fixture's workbook with one query item edited. */
const workbookItem = (name: string, edit: (content: Record<string, unknown>) => void) =>
    withChange(compliantStack(), "monitoring-dashboard", (i) => {
        const doc = JSON.parse(String(i.serializedData)) as {
            items: { name: string; content: Record<string, unknown> }[];
        };
        const item = doc.items.find((x) => x.name === name);
        if (item === undefined) throw new Error(`no workbook item ${name}`);
        edit(item.content);
        i.serializedData = JSON.stringify(doc);
    });

export const monitoringQueryCases: PolicyCase[] = [
    { policy, title: "the program's alert rule and workbook queries", resources: compliantStack },
    {
        policy,
        title: "a saved search over the gateway log",
        resources: () =>
            plus(
                compliantStack(),
                resource("azure-native:operationalinsights:SavedSearch", "monitoring-denied-callers", {
                    category: "agents",
                    displayName: "Denied callers",
                    query: "ApiManagementGatewayLogs\n| where ResponseCode == 403\n| summarize denied = count() by CallerIpAddress",
                    tags,
                }),
            ),
    },
    {
        policy,
        title: "an alert query naming an unknown column",
        resources: () => alertQuery((q) => q.replace("ResponseCode", "ResponseCod")),
        message:
            /^Fix the query at criteria\.allOf\[0\]\.query: line 2, column 9 at `ResponseCod`: The name 'ResponseCod' does not refer to any known column, table, variable or function\. \(Error KS142\)\.$/,
    },
    {
        policy,
        title: "an alert query comparing a string column with a number",
        resources: () => alertQuery((q) => q.replace("ResponseCode in (401, 403)", "OperationId > 400")),
        message:
            /line 2, column 21 at `>`: The operator '>' is not defined for the operand types string and long/,
    },
    {
        policy,
        title: "an alert query reading a table the workspace does not have",
        resources: () => alertQuery((q) => q.replace("ApiManagementGatewayLogs", "GatewayLogs")),
        message:
            /line 1, column 1 at `GatewayLogs`: The name 'GatewayLogs' does not refer to any known table/,
    },
    {
        policy,
        title: "a workbook query with a syntax error",
        resources: () =>
            workbookItem("p95-by-operation", (c) => (c.query = String(c.query).replace("by ApiId", "by"))),
        message: /^Fix the query at item "p95-by-operation": line 3, .*\(Error KS\d+\)\.$/,
    },
    {
        policy,
        title: "a trace view query naming a column the dependencies table does not have",
        resources: () =>
            workbookItem(
                "agent-request-traces",
                (c) => (c.query = String(c.query).replace("DurationMs", "Duration")),
            ),
        message:
            /^Fix the query at item "agent-request-traces": line \d+, column \d+ at `Duration`: The name 'Duration' does not refer to any known column/,
    },
    {
        policy,
        title: "a workbook query without a time window",
        resources: () =>
            workbookItem(
                "p95-by-operation",
                (c) => (c.query = String(c.query).replace(/\| where TimeGenerated \{TimeRange\}\n/, "")),
            ),
        message:
            /^Fix the query at item "p95-by-operation": it states no time window; filter on the time range parameter/,
    },
    {
        policy,
        title: "a workbook query referencing a parameter the workbook does not declare",
        resources: () =>
            workbookItem(
                "calls-over-time",
                (c) => (c.query = String(c.query).replace("{TimeRange:grain}", "{Grain}")),
            ),
        message:
            /item "calls-over-time": it references \{Grain\}, which is not a time range parameter the workbook declares/,
    },
    {
        policy,
        title: "a workbook query using a time range format that does not exist",
        resources: () =>
            workbookItem(
                "calls-over-time",
                (c) => (c.query = String(c.query).replace("{TimeRange:grain}", "{TimeRange:constructor}")),
            ),
        message:
            /item "calls-over-time": it references \{TimeRange:constructor\}; a time range parameter has no format "constructor" \(value, query, start, end, grain, label\)/,
    },
    {
        policy,
        title: "a workbook query run against App Insights instead of the workspace",
        resources: () =>
            workbookItem("failures-by-agent", (c) => (c.resourceType = "microsoft.insights/components")),
        message:
            /item "failures-by-agent": it runs against "microsoft.insights\/components", whose tables the pack does not know/,
    },
    {
        policy,
        title: "a broken query inside a workbook group",
        resources: () =>
            withChange(compliantStack(), "monitoring-dashboard", (i) => {
                const doc = JSON.parse(String(i.serializedData)) as { items: Record<string, unknown>[] };
                const query = doc.items.find((x) => x.name === "p95-by-operation")!;
                const broken = structuredClone(query) as { name: string; content: { query: string } };
                broken.name = "grouped-p95";
                broken.content.query = broken.content.query.replace("BackendTime", "BackendTimeMs");
                doc.items.push({
                    type: 12,
                    name: "details",
                    content: { version: "NotebookGroup/1.0", items: [broken] },
                });
                i.serializedData = JSON.stringify(doc);
            }),
        message:
            /^Fix the query at item "grouped-p95": line 3, .*`BackendTimeMs`: The name 'BackendTimeMs' does not refer/,
    },
    {
        policy,
        title: "a workbook whose serializedData is not JSON",
        resources: () =>
            withChange(compliantStack(), "monitoring-dashboard", (i) => (i.serializedData = "{items: [")),
        message: /^Fix the query at serializedData: serializedData is not JSON/,
    },
];
