/**
 * Every KQL query a resource carries, checked against the workspace's tables: log alert rules
 * (criteria), workbooks (their Logs query items) and saved searches. Used by the pack's policy
 * and by the program's tests, so both read the same queries the same way.
 */
import { analyzeKql } from "./analyze";
import { KqlSchema } from "./tables";
import { workbookQueries } from "./workbook";

export interface CarriedQuery {
    /** Where in the resource, e.g. `criteria.allOf[0].query` or `item "p95-by-operation"`. */
    readonly where: string;
    /** As analyzed (workbook parameters expanded). */
    readonly query: string;
    readonly problems: readonly string[];
}

export interface QueryFinding {
    readonly where: string;
    readonly query: string;
    readonly message: string;
}

/** Resource types that carry KQL, and where. */
export const kqlCarrierTypes = {
    scheduledQueryRule: "azure-native:monitor:ScheduledQueryRule",
    workbook: "azure-native:applicationinsights:Workbook",
    savedSearch: "azure-native:operationalinsights:SavedSearch",
} as const;

type Props = Readonly<Record<string, unknown>>;

function ruleQueries(props: Props): CarriedQuery[] {
    const criteria = props.criteria as { allOf?: unknown } | undefined;
    const allOf = Array.isArray(criteria?.allOf) ? (criteria.allOf as unknown[]) : [];
    return allOf.flatMap((c, i) => {
        const query = (c as { query?: unknown } | null)?.query;
        return typeof query === "string"
            ? [{ where: `criteria.allOf[${i}].query`, query, problems: [] }]
            : [];
    });
}

/** The queries a resource of `type` carries; undefined when the type carries none. */
export function carriedQueries(type: string, props: Props): CarriedQuery[] | undefined {
    switch (type) {
        case kqlCarrierTypes.scheduledQueryRule:
            return ruleQueries(props);
        case kqlCarrierTypes.workbook: {
            const data = props.serializedData;
            if (typeof data !== "string") return [];
            try {
                return workbookQueries(data);
            } catch (e) {
                return [{ where: "serializedData", query: "", problems: [(e as Error).message] }];
            }
        }
        case kqlCarrierTypes.savedSearch:
            return typeof props.query === "string"
                ? [{ where: "query", query: props.query, problems: [] }]
                : [];
        default:
            return undefined;
    }
}

function excerpt(query: string, start: number, length: number): string {
    const text = query.slice(start, start + Math.max(length, 1)).replace(/\s+/g, " ");
    return text === "" ? "" : ` at \`${text.slice(0, 40)}\``;
}

/** Problems and analyzer diagnostics of every query the resource carries; undefined when it carries none. */
export function checkCarriedQueries(
    type: string,
    props: Props,
    schema: KqlSchema,
): QueryFinding[] | undefined {
    const queries = carriedQueries(type, props);
    if (queries === undefined) return undefined;
    return queries.flatMap(({ where, query, problems }) => [
        ...problems.map((message) => ({ where, query, message })),
        ...(query === ""
            ? []
            : analyzeKql(query, schema).map((d) => ({
                  where,
                  query,
                  message: `line ${d.line}, column ${d.column}${excerpt(query, d.start, d.length)}: ${d.message} (${d.severity} ${d.code})`,
              }))),
    ]);
}
