import { entityEvidence, groupEntities, knownEntityTypes, listNames } from "./entities";
import { keywordRules, normalizeText } from "./keywords";
import { findTactic, techniques } from "./mitre";
import type { Incident, MatchedIndicator, Severity } from "./types";

/** An indicator before the category is chosen, so before it is known whether it counts. */
export type Indicator = Omit<MatchedIndicator, "contributes">;

/** Prior confidence from Sentinel's own severity, which reflects the fidelity of the detection rule. */
export const severityWeight: Readonly<Record<Severity, number>> = {
    Informational: 0.2,
    Low: 0.35,
    Medium: 0.5,
    High: 0.65,
    Critical: 0.8,
};

const tacticWeight = 0.15;
// A technique id is more specific than a tactic, so it weighs more.
const techniqueWeight = 0.25;

/** Every rule that fires for the incident, in a fixed order: severity, entities, description, tactics, techniques. */
export function collectIndicators(incident: Incident): Indicator[] {
    return [
        {
            rule: `severity:${incident.severity}`,
            source: "severity",
            evidence: `severity ${incident.severity}`,
            categories: [],
            weight: severityWeight[incident.severity],
        },
        ...entityIndicators(incident),
        ...keywordIndicators(incident.alertContext.description),
        ...tacticIndicators(incident.tactics ?? []),
        ...techniqueIndicators(incident.techniques ?? []),
    ];
}

/** One indicator per known entity kind: a second host widens the scope but is not new evidence. */
function entityIndicators(incident: Incident): Indicator[] {
    const namesByType = groupEntities(incident.entities);
    return knownEntityTypes.flatMap((type): Indicator[] => {
        const names = namesByType.get(type);
        if (!names) return [];
        return [
            {
                rule: `entity:${type}`,
                source: "entity",
                evidence: `${type} ${listNames(names)}`,
                categories: entityEvidence[type].categories,
                weight: entityEvidence[type].weight,
            },
        ];
    });
}

function keywordIndicators(description: string): Indicator[] {
    const text = normalizeText(description);
    return keywordRules.flatMap((r): Indicator[] => {
        const match = r.pattern.exec(text);
        if (!match) return [];
        return [
            {
                rule: r.id,
                source: "description",
                evidence: `"${matchedWords(text, match)}" in the description`,
                categories: [r.category],
                weight: r.weight,
            },
        ];
    });
}

/** The whole words a match touches, so "brute ?forc" shows as "brute force", not "brute forc". */
function matchedWords(text: string, match: RegExpExecArray): string {
    const end = text.indexOf(" ", match.index + match[0].length);
    return text.slice(match.index, end === -1 ? undefined : end);
}

function tacticIndicators(names: readonly string[]): Indicator[] {
    const seen = new Set<string>();
    return names.flatMap((name): Indicator[] => {
        const tactic = findTactic(name);
        if (!tactic || tactic.categories.length === 0 || seen.has(tactic.name)) return [];
        seen.add(tactic.name);
        return [
            {
                rule: `tactic:${tactic.name.replace(/ /g, "")}`,
                source: "tactic",
                evidence: `tactic ${tactic.name}`,
                categories: tactic.categories,
                weight: tacticWeight,
            },
        ];
    });
}

function techniqueIndicators(ids: readonly string[]): Indicator[] {
    const seen = new Set<string>();
    return ids.flatMap((id): Indicator[] => {
        const given = id.trim().toUpperCase();
        const parent = given.split(".")[0] ?? given;
        const technique = Object.hasOwn(techniques, parent) ? techniques[parent] : undefined;
        if (!technique || seen.has(parent)) return [];
        seen.add(parent);
        return [
            {
                rule: `technique:${parent}`,
                source: "technique",
                evidence: `technique ${given} (${technique.name})`,
                categories: technique.categories,
                weight: techniqueWeight,
            },
        ];
    });
}
