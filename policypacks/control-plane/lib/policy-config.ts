/**
 * Policy configuration as the Pulumi CLI prepares it before calling `configure`: every policy's
 * schema defaults, overridden by the configuration file, validated against the schema (every
 * problem reported at once).
 */
import { EnforcementLevel, Policies, PolicyConfigSchema, PolicyPackConfig } from "@pulumi/policy";

/** Configuration of one policy after defaults: its properties and, if set, its enforcement level. */
export interface ResolvedPolicyConfig {
    /** Undefined: the policy's own level applies. */
    readonly enforcementLevel?: EnforcementLevel | undefined;
    readonly properties: Readonly<Record<string, unknown>>;
}

export class PolicyConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid policy configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "PolicyConfigError";
    }
}

const enforcementLevels: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

/** Defaults from every policy's schema with `overrides` applied; throws listing every problem. */
export function resolvePolicyConfig(
    policies: Policies,
    overrides: PolicyPackConfig = {},
): ReadonlyMap<string, ResolvedPolicyConfig> {
    const problems: string[] = [];
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const name of Object.keys(overrides)) {
        if (name !== "all" && !byName.has(name)) {
            problems.push(`${name}: no such policy in the pack`);
        }
    }
    const all = overrides.all;
    const resolved = new Map<string, ResolvedPolicyConfig>();
    for (const policy of policies) {
        // As the CLI does: `all` sets every policy's level; a policy's own entry overrides the level
        // only if it names one (an entry with settings alone keeps the level from `all`).
        const own = overrides[policy.name];
        const { enforcementLevel: ownLevel, ...props } =
            typeof own === "string" ? { enforcementLevel: own } : (own ?? {});
        const enforcementLevel = ownLevel ?? (typeof all === "string" ? all : undefined);
        if (enforcementLevel !== undefined && !enforcementLevels.includes(enforcementLevel)) {
            problems.push(
                `${policy.name}.enforcementLevel: "${enforcementLevel}" is not one of ${enforcementLevels.join(", ")}`,
            );
        }
        const schema: PolicyConfigSchema = policy.configSchema ?? { properties: {} };
        const properties: Record<string, unknown> = {};
        for (const [key, prop] of Object.entries(schema.properties)) {
            if (prop.default !== undefined) {
                properties[key] = prop.default;
            }
        }
        for (const [key, value] of Object.entries(props)) {
            const prop = schema.properties[key];
            if (prop === undefined) {
                problems.push(`${policy.name}.${key}: the policy has no such setting`);
                continue;
            }
            problems.push(...checkValue(`${policy.name}.${key}`, value, prop));
            properties[key] = value;
        }
        for (const key of schema.required ?? []) {
            if (properties[key] === undefined) {
                problems.push(`${policy.name}.${key}: required`);
            }
        }
        resolved.set(policy.name, {
            enforcementLevel,
            properties,
        });
    }
    if (problems.length > 0) {
        throw new PolicyConfigError(problems);
    }
    return resolved;
}

/** The subset of JSON Schema the pack's settings use: type, items, additionalProperties, minimum, minLength. */
interface ValueSchema {
    readonly type?: string | readonly string[];
    readonly items?: unknown;
    readonly additionalProperties?: unknown;
    readonly minimum?: number;
    readonly minLength?: number;
}

function typeOf(value: unknown): string {
    if (Array.isArray(value)) return "array";
    if (value === null) return "null";
    if (typeof value === "number" && Number.isInteger(value)) return "integer";
    return typeof value;
}

function checkValue(path: string, value: unknown, schema: unknown): string[] {
    if (schema === true || schema === undefined || schema === null || typeof schema !== "object") {
        return [];
    }
    const s = schema as ValueSchema;
    const types = s.type === undefined ? [] : typeof s.type === "string" ? [s.type] : s.type;
    const actual = typeOf(value);
    if (types.length > 0 && !types.some((t) => t === actual || (t === "number" && actual === "integer"))) {
        return [`${path}: expected ${types.join(" or ")}, got ${actual}`];
    }
    if (typeof value === "number" && s.minimum !== undefined && value < s.minimum) {
        return [`${path}: must be at least ${s.minimum}`];
    }
    if (typeof value === "string" && s.minLength !== undefined && value.length < s.minLength) {
        return [`${path}: must not be empty`];
    }
    if (Array.isArray(value)) {
        return value.flatMap((v, i) => checkValue(`${path}[${i}]`, v, s.items));
    }
    if (actual === "object") {
        return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
            checkValue(`${path}.${k}`, v, s.additionalProperties),
        );
    }
    return [];
}
