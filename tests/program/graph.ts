/** Dependency questions over a synthesized stack's recorded resources. */
import type { RecordedResource } from "../../scripts/lib/synthesize";

export interface DependencyGraph {
    /** Every resource `r` waits for, directly or through others. */
    readonly dependenciesOf: (r: RecordedResource) => RecordedResource[];
    /** Whether `r` waits for `target`, directly or through others. */
    readonly waitsFor: (r: RecordedResource, target: RecordedResource) => boolean;
}

export function dependencyGraph(resources: readonly RecordedResource[]): DependencyGraph {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const dependenciesOf = (r: RecordedResource): RecordedResource[] => {
        const seen = new Set<string>();
        const pending = [...(r.dependencies ?? [])];
        while (pending.length > 0) {
            const urn = pending.pop()!;
            if (seen.has(urn)) continue;
            seen.add(urn);
            pending.push(...(byUrn.get(urn)?.dependencies ?? []));
        }
        return [...seen].flatMap((urn) => byUrn.get(urn) ?? []);
    };
    return {
        dependenciesOf,
        waitsFor: (r, target) => dependenciesOf(r).some((d) => d.urn === target.urn),
    };
}
