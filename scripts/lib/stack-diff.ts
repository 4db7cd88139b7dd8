/**
 * Compares two offline syntheses of one stack (`npm run synth -- --json`): which resources a
 * refactoring added, removed or moved (a new URN that aliases the old one keeps its state), and
 * which inputs or outputs it changed. Pure.
 */
import type { RecordedResource, SynthResult } from "./synth-types";

export interface MovedResource {
    readonly from: string;
    readonly to: string;
}

export interface ChangedResource {
    readonly urn: string;
    /** `old type -> new type`, when the type changed. */
    readonly type?: string;
    /** Input paths whose values differ, e.g. `tags.project` or `subnets[2]`. */
    readonly inputs: readonly string[];
}

export interface StackDifference {
    /** New URNs that neither exist before nor alias a resource that did. */
    readonly added: readonly string[];
    /** URNs before that nothing after has or aliases: Pulumi would delete them. */
    readonly removed: readonly string[];
    /** Resources under a new URN that aliases the old one. */
    readonly moved: readonly MovedResource[];
    readonly changed: readonly ChangedResource[];
    /** Output paths whose values differ. */
    readonly outputs: readonly string[];
}

export function diffStacks(before: SynthResult, after: SynthResult): StackDifference {
    const old = new Map(before.resources.map((r) => [r.urn, r]));
    const matched = new Set<string>();
    const added: string[] = [];
    const moved: MovedResource[] = [];
    const changed: ChangedResource[] = [];
    for (const r of after.resources) {
        const previousUrn = [r.urn, ...(r.aliases ?? [])].find((u) => old.has(u) && !matched.has(u));
        if (previousUrn === undefined) {
            added.push(r.urn);
            continue;
        }
        matched.add(previousUrn);
        if (previousUrn !== r.urn) moved.push({ from: previousUrn, to: r.urn });
        const previous = old.get(previousUrn) as RecordedResource;
        const inputs = differingPaths(previous.inputs, r.inputs, "");
        const type = previous.type === r.type ? undefined : `${previous.type} -> ${r.type}`;
        if (inputs.length > 0 || type) changed.push({ urn: r.urn, ...(type ? { type } : {}), inputs });
    }
    const removed = before.resources.filter((r) => !matched.has(r.urn)).map((r) => r.urn);
    return { added, removed, moved, changed, outputs: differingPaths(before.outputs, after.outputs, "") };
}

/** Paths at which two JSON values differ (a missing member counts as a difference). */
export function differingPaths(a: unknown, b: unknown, path: string): string[] {
    if (Array.isArray(a) && Array.isArray(b)) {
        const length = Math.max(a.length, b.length);
        return Array.from({ length }, (_, i) => differingPaths(a[i], b[i], `${path}[${i}]`)).flat();
    }
    if (isObject(a) && isObject(b)) {
        const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
        return keys.flatMap((k) => differingPaths(a[k], b[k], path ? `${path}.${k}` : k));
    }
    return JSON.stringify(a) === JSON.stringify(b) ? [] : [path || "(value)"];
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The difference as a short report; `identical` when nothing differs. */
export function describeDifference(d: StackDifference): string {
    const lines: string[] = [];
    const section = (title: string, items: readonly string[]) => {
        if (items.length === 0) return;
        lines.push(`${title} (${items.length}):`, ...items.map((i) => `  ${i}`));
    };
    section("added", d.added);
    section("removed", d.removed);
    section(
        "moved (aliased to the old URN)",
        d.moved.map((m) => `${m.from}\n    -> ${m.to}`),
    );
    section(
        "changed",
        d.changed.map((c) => `${c.urn}${c.type ? ` type ${c.type}` : ""}: ${c.inputs.join(", ")}`),
    );
    section("outputs changed", d.outputs);
    return lines.length === 0 ? "identical\n" : `${lines.join("\n")}\n`;
}
