/** The offline compliance report: one row per violation, mandatory ones first, and a summary. */
import { EvaluationResult, Violation } from "./evaluate";

const order: Readonly<Record<string, number>> = { mandatory: 0, remediate: 1, advisory: 2, disabled: 3 };

/** `StorageAccount backend-storage`, or `(stack)` for a violation not tied to one resource. */
export function resourceLabel(v: Violation): string {
    if (v.resourceName === undefined) {
        return v.urn === undefined ? "(stack)" : v.urn;
    }
    return `${v.resourceType?.split(":").pop() ?? ""} ${v.resourceName}`.trim();
}

export function sortViolations(violations: readonly Violation[]): Violation[] {
    return [...violations].sort(
        (a, b) =>
            (order[a.enforcementLevel] ?? 9) - (order[b.enforcementLevel] ?? 9) ||
            a.policy.localeCompare(b.policy) ||
            resourceLabel(a).localeCompare(resourceLabel(b)),
    );
}

/** A plain-text table (policy, enforcement, resource, message) followed by a one-line summary. */
export function formatReport(stack: string, result: EvaluationResult): string {
    type Row = readonly [policy: string, enforcement: string, resource: string, message: string];
    const rows = sortViolations(result.violations).map((v): Row => [
        v.policy,
        v.enforcementLevel,
        resourceLabel(v),
        v.message,
    ]);
    const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const summary =
        `Stack ${stack}: ${result.count.text} checked, ${result.violations.length} violation(s), ` +
        `${mandatory} mandatory. ${mandatory > 0 ? "FAILED" : "PASSED"}`;
    if (rows.length === 0) {
        return `${summary}\n`;
    }
    const header: Row = ["POLICY", "ENFORCEMENT", "RESOURCE", "MESSAGE"];
    const widthOf = (column: (row: Row) => string) =>
        Math.max(...[header, ...rows].map((r) => column(r).length));
    const [policyWidth, enforcementWidth, resourceWidth] = [
        widthOf(([policy]) => policy),
        widthOf(([, enforcement]) => enforcement),
        widthOf(([, , resource]) => resource),
    ];
    const line = ([policy, enforcement, resource, message]: Row) =>
        [
            policy.padEnd(policyWidth),
            enforcement.padEnd(enforcementWidth),
            resource.padEnd(resourceWidth),
            message,
        ]
            .join("  ")
            .trimEnd();
    return [line(header), ...rows.map(line), "", summary, ""].join("\n");
}
