import { isWellFormed } from "../unicode";
import type { ArgumentSpec, ArgumentsOf } from "./tool";

/** JSON Schema (draft 2020-12 subset) for a tool's arguments, as MCP `tools/list` publishes it. */
export interface InputSchema {
    readonly [keyword: string]: unknown;
    readonly type: "object";
    readonly properties: Record<string, Record<string, unknown>>;
    /** Absent when no argument is required: draft-04 validators reject an empty list. */
    readonly required?: string[];
    readonly additionalProperties: false;
}

export function inputSchemaFor(specs: readonly ArgumentSpec[]): InputSchema {
    const properties: Record<string, Record<string, unknown>> = {};
    for (const spec of specs) {
        const property: Record<string, unknown> = { type: spec.type, description: spec.description };
        // JSON Schema counts characters; the byte limit is enforced on top of it at validation.
        if (spec.maxBytes !== undefined) property.maxLength = spec.maxBytes;
        if (spec.pattern !== undefined) property.pattern = spec.pattern.source;
        if (spec.minimum !== undefined) property.minimum = spec.minimum;
        if (spec.maximum !== undefined) property.maximum = spec.maximum;
        properties[spec.name] = property;
    }
    const required = specs.filter((s) => s.required).map((s) => s.name);
    return {
        type: "object",
        properties,
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
    };
}

export type ValidationResult<Value> = { ok: true; value: Value } | { ok: false; errors: string[] };

/**
 * Checks arguments against their specs and reports every problem at once. Unknown arguments are
 * rejected too: a misspelt name silently ignored would make a tool do something else than asked.
 */
export function validateArguments<const Specs extends readonly ArgumentSpec[]>(
    specs: Specs,
    raw: unknown,
): ValidationResult<ArgumentsOf<Specs>> {
    const input = raw ?? {};
    if (typeof input !== "object" || Array.isArray(input)) {
        return { ok: false, errors: ["arguments: must be an object"] };
    }
    const args = input as Record<string, unknown>;
    const errors: string[] = [];
    const known = new Set(specs.map((s) => s.name));
    for (const name of Object.keys(args)) {
        if (!known.has(name))
            errors.push(`${name}: unknown argument (expected ${[...known].join(", ") || "none"})`);
    }
    const value: Record<string, unknown> = {};
    for (const spec of specs) {
        const v = args[spec.name];
        if (v === undefined || v === null) {
            if (spec.required) errors.push(`${spec.name}: required`);
            continue;
        }
        const problem = checkValue(spec, v);
        if (problem) errors.push(`${spec.name}: ${problem}`);
        else value[spec.name] = v;
    }
    if (errors.length > 0) return { ok: false, errors };
    // Every member was just checked against its spec and no other member was kept: this is the
    // one place the specs' types are established, so handlers need no casts.
    return { ok: true, value: value as ArgumentsOf<Specs> };
}

function checkValue(spec: ArgumentSpec, v: unknown): string | undefined {
    switch (spec.type) {
        case "string": {
            if (typeof v !== "string") return `must be a string, got ${describe(v)}`;
            if (!isWellFormed(v)) return notUnicode;
            if (spec.maxBytes !== undefined && Buffer.byteLength(v, "utf8") > spec.maxBytes) {
                return `must be at most ${spec.maxBytes} bytes (UTF-8), got ${Buffer.byteLength(v, "utf8")}`;
            }
            if (spec.pattern !== undefined && !spec.pattern.test(v)) {
                return `must be ${spec.patternHint ?? `a string matching ${spec.pattern.source}`}`;
            }
            return undefined;
        }
        case "integer":
        case "number": {
            if (typeof v !== "number" || !Number.isFinite(v)) return `must be a number, got ${describe(v)}`;
            if (spec.type === "integer" && !Number.isInteger(v)) return `must be an integer, got ${v}`;
            if (spec.minimum !== undefined && v < spec.minimum) return `must be at least ${spec.minimum}`;
            if (spec.maximum !== undefined && v > spec.maximum) return `must be at most ${spec.maximum}`;
            return undefined;
        }
        case "boolean":
            return typeof v === "boolean" ? undefined : `must be a boolean, got ${describe(v)}`;
        case "object": {
            if (typeof v !== "object" || v === null || Array.isArray(v))
                return `must be an object, got ${describe(v)}`;
            const where = malformedTextIn(v, "");
            return where === undefined ? undefined : `${where} ${notUnicode}`;
        }
    }
}

/** Stored or echoed, a lone surrogate would come back as U+FFFD: refused, never altered. */
const notUnicode = "must be valid Unicode text (it contains a lone surrogate, such as \\ud800 on its own)";

/** Where inside an object argument a string or member name is not well-formed, if anywhere. */
function malformedTextIn(value: object, path: string): string | undefined {
    const entries: [string, unknown][] = Array.isArray(value)
        ? value.map((item, i): [string, unknown] => [`${path}[${i}]`, item])
        : Object.entries(value).map(([key, item]): [string, unknown] => [
              path ? `${path}.${key}` : key,
              item,
          ]);
    if (!Array.isArray(value)) {
        const badKey = Object.keys(value).find((key) => !isWellFormed(key));
        if (badKey !== undefined) return path ? `a member name in ${path}` : "a member name";
    }
    for (const [where, item] of entries) {
        if (typeof item === "string" && !isWellFormed(item)) return where;
        if (typeof item === "object" && item !== null) {
            const found = malformedTextIn(item, where);
            if (found !== undefined) return found;
        }
    }
    return undefined;
}

function describe(v: unknown): string {
    if (Array.isArray(v)) return "an array";
    if (v === null) return "null";
    return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}
