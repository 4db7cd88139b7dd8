/**
 * Renders a synthesis as a plan a reviewer can read without cloud access: the resource tree by
 * component with type counts, totals by type, the stack outputs and every APIM policy document.
 */
import { countResources } from "../../policypacks/control-plane/lib/resource-count";
import { isWrappedSecret } from "./secret-wire";
import type { RecordedResource, SynthResult } from "./synth-types";

export { countResources };

export function renderPlan(stack: string, result: SynthResult, durationMs: number): string {
    const lines: string[] = [];
    const custom = result.resources.filter((r) => r.custom);
    lines.push(`# agents-control-plane: plan for stack "${stack}"`, "");
    lines.push(
        `${countResources(result.resources).text} (synthesized offline under the mock runtime in ${durationMs} ms).`,
        "",
    );

    lines.push("## Resource tree", "", "```");
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const r of result.resources) {
        const list = children.get(r.parent) ?? [];
        list.push(r);
        children.set(r.parent, list);
    }
    const walk = (parent: string | undefined, depth: number): void => {
        const kids = children.get(parent) ?? [];
        for (const component of kids.filter((k) => !k.custom)) {
            lines.push(`${"  ".repeat(depth)}${component.type} "${component.name}"`);
            walk(component.urn, depth + 1);
        }
        const byType = new Map<string, string[]>();
        for (const r of kids.filter((k) => k.custom))
            byType.set(r.type, [...(byType.get(r.type) ?? []), r.name]);
        for (const [type, names] of [...byType].sort()) {
            lines.push(`${"  ".repeat(depth)}${names.length} x ${type}: ${names.join(", ")}`);
        }
    };
    walk(undefined, 0);
    lines.push("```", "");

    lines.push("## Totals by type", "", "| type | count |", "|---|---|");
    const totals = new Map<string, number>();
    for (const r of custom) totals.set(r.type, (totals.get(r.type) ?? 0) + 1);
    for (const [type, n] of [...totals].sort()) lines.push(`| ${type} | ${n} |`);
    lines.push("");

    lines.push(
        "## Stack outputs",
        "",
        "```json",
        JSON.stringify(redactSecrets(result.outputs), null, 2),
        "```",
        "",
    );

    lines.push("## APIM policies", "");
    for (const r of custom.filter(
        (x) => x.type.startsWith("azure-native:apimanagement:") && x.type.endsWith("Policy"),
    )) {
        const scope = [r.inputs.apiId, r.inputs.operationId].filter((x) => typeof x === "string").join(" / ");
        lines.push(
            `### ${scope} (${r.name}, format ${String(r.inputs.format)})`,
            "",
            "```xml",
            String(r.inputs.value),
            "```",
            "",
        );
    }
    return lines.join("\n");
}

function redactSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(redactSecrets);
    if (value && typeof value === "object") {
        if (isWrappedSecret(value)) return "[secret]";
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
    }
    return value;
}
