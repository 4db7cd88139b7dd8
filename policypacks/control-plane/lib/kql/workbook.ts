/**
 * The KQL inside an Azure Workbook's serialized JSON: query items (type 3, nested in groups, type
 * 12) that read Logs (queryType 0). Workbook parameters are expanded the way the portal expands
 * a time range parameter inside a query (`{TimeRange}` becomes `> ago(1d)`), so what is analyzed
 * is what the workspace would run.
 */

export interface WorkbookQuery {
    /** Where it sits, e.g. `item "calls-by-agent-tool"`. */
    readonly where: string;
    /** The query with workbook parameters expanded. */
    readonly query: string;
    /** What is wrong before the query reaches the analyzer. */
    readonly problems: readonly string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Item and parameter type codes of the Workbook format. */
const queryItem = 3;
const parametersItem = 9;
const groupItem = 12;
const timeRangeParameter = 4;
const logsQuery = 0;
const workspaceResourceType = "microsoft.operationalinsights/workspaces";

/**
 * What a time range parameter expands to in a query, by format (`{TimeRange:grain}`): a sample of
 * the real expansion, valid where the real one is.
 */
const timeRangeExpansions: Readonly<Record<string, string>> = {
    "": "> ago(1d)",
    value: "> ago(1d)",
    query: "> ago(1d)",
    start: "datetime(2026-01-01T00:00:00Z)",
    end: "datetime(2026-01-02T00:00:00Z)",
    grain: "30m",
    label: "Last 24 hours",
};

const parameterReference = /\{([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?\}/g;

function itemsOf(container: Json): Json[] {
    return Array.isArray(container.items) ? container.items.filter(isObject) : [];
}

/** Every item, groups flattened, with its position for messages. */
function allItems(items: Json[], prefix = "items"): { item: Json; path: string }[] {
    return items.flatMap((item, i) => {
        const path = `${prefix}[${i}]`;
        const content = isObject(item.content) ? item.content : {};
        return [
            { item, path },
            ...(item.type === groupItem ? allItems(itemsOf(content), `${path}.content.items`) : []),
        ];
    });
}

function timeRangeParameters(items: { item: Json }[]): Set<string> {
    const names = new Set<string>();
    for (const { item } of items) {
        const content = isObject(item.content) ? item.content : {};
        if (item.type !== parametersItem || !Array.isArray(content.parameters)) continue;
        for (const p of content.parameters.filter(isObject)) {
            if (p.type === timeRangeParameter && typeof p.name === "string") names.add(p.name);
        }
    }
    return names;
}

/** Parses `serializedData`; throws with a clear message when it is not a workbook document. */
export function workbookQueries(serializedData: string): WorkbookQuery[] {
    let doc: unknown;
    try {
        doc = JSON.parse(serializedData);
    } catch (e) {
        throw new Error(`serializedData is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!isObject(doc) || !Array.isArray(doc.items)) {
        throw new Error("serializedData is not a workbook document (no items array)");
    }
    const items = allItems(itemsOf(doc));
    const timeRanges = timeRangeParameters(items);
    const queries: WorkbookQuery[] = [];
    for (const { item, path } of items) {
        const content = isObject(item.content) ? item.content : {};
        if (item.type !== queryItem || typeof content.query !== "string" || content.queryType !== logsQuery)
            continue;
        const where = typeof item.name === "string" ? `item "${item.name}"` : path;
        const problems: string[] = [];
        const declared = content.resourceType;
        // A non-string resourceType is shown as the JSON it is.
        const resourceType = (
            typeof declared === "string" ? declared : declared == null ? "" : JSON.stringify(declared)
        ).toLowerCase();
        if (resourceType !== workspaceResourceType) {
            problems.push(
                `it runs against "${resourceType || "(no resourceType)"}", whose tables the pack does not know; ` +
                    `set resourceType to "${workspaceResourceType}"`,
            );
        }
        let statesWindow = false;
        const query = content.query.replace(
            parameterReference,
            (whole, name: string, format: string | undefined) => {
                if (!timeRanges.has(name)) {
                    problems.push(
                        `it references ${whole}, which is not a time range parameter the workbook declares`,
                    );
                    return whole;
                }
                const key = format ?? "";
                const expansion = Object.hasOwn(timeRangeExpansions, key)
                    ? timeRangeExpansions[key]
                    : undefined;
                if (expansion === undefined) {
                    problems.push(
                        `it references ${whole}; a time range parameter has no format "${key}" (${Object.keys(timeRangeExpansions).filter(Boolean).join(", ")})`,
                    );
                    return whole;
                }
                if (format === undefined || format === "query" || format === "value") statesWindow = true;
                return expansion;
            },
        );
        if (!statesWindow) {
            problems.push(
                "it states no time window; filter on the time range parameter, e.g. `| where TimeGenerated {TimeRange}`",
            );
        }
        queries.push({ where, query, problems });
    }
    return queries;
}
