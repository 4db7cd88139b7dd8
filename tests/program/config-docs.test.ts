/**
 * The README's configuration tables against the key table (`components/config/keys.ts`): every key
 * has one row, and that row states the key's default, its integer range (or a number key's least
 * value) and its allowed values as
 * the parser enforces them; Pulumi.yaml's description (checked in config.test.ts) names the values too. Driven by the real README and the real parser: a range the README
 * states is accepted at both ends and refused just outside them.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
    configKeyDescription,
    configKeyNames,
    configKeys,
    type ConfigKey,
} from "../../components/config/keys";
import { parseStackConfig } from "../../components/config/parse";

const P = "agents-control-plane";
const today = new Date("2026-12-01T00:00:00Z");

/** Rows of the README tables headed `| key | default | meaning |`, as their cells. */
function configRows(markdown: string): string[][] {
    const rows: string[][] = [];
    const lines = markdown.split("\n");
    lines.forEach((line, i) => {
        if (line !== "| key | default | meaning |") return;
        for (let j = i + 2; lines[j]?.startsWith("|"); j++)
            rows.push(
                (lines[j] ?? "")
                    .slice(1, -1)
                    .split(" | ")
                    .map((c) => c.trim()),
            );
    });
    return rows;
}

/** The keys a row names in its first cell (`` `key` ``). */
function keysOf(row: readonly string[]): string[] {
    return [...(row[0] ?? "").matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1] ?? "");
}

function shownDefault(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/** The parser's problems for `key` set to `value` that start `must be <kind>` (other rules aside). */
function errorsFor(key: ConfigKey, value: string, kind: "an integer" | "a number"): string[] {
    const result = parseStackConfig(
        { [`${P}:publisherEmail`]: "platform@acme-tools.io", [`${P}:${key}`]: value },
        { stack: "qa", today },
    );
    return result.ok ? [] : result.errors.filter((e) => e.startsWith(`${P}:${key}: must be ${kind}`));
}

/** The parser's range problems for `key` set to `value` (other rules, such as max >= min, aside). */
function rangeErrorsFor(key: ConfigKey, value: string): string[] {
    return errorsFor(key, value, "an integer");
}

describe("configuration keys in the README", () => {
    const rows = configRows(readFileSync("README.md", "utf8"));

    it("has exactly one row per key, and no row for a key the program does not read", () => {
        const named = rows.flatMap(keysOf);
        assert.deepEqual([...named].sort(), [...configKeyNames].sort());
    });

    for (const key of configKeyNames) {
        const spec = configKeys[key];
        it(`${key}: the row states the key table's default, range and values`, () => {
            const row = rows.find((r) => keysOf(r).includes(key));
            assert.ok(row, `no README row for ${key}`);
            const [, defaultCell = "", meaning = ""] = row;
            if (spec.default === undefined) assert.match(defaultCell, /required/, key);
            else if (spec.default !== "")
                assert.ok(
                    defaultCell.includes(`\`${shownDefault(spec.default)}\``),
                    `${key}: default cell "${defaultCell}" lacks \`${shownDefault(spec.default)}\``,
                );
            const numericValues = spec.oneOf !== undefined && typeof spec.oneOf[0] === "number";
            if (spec.range !== undefined && !numericValues) {
                assert.equal(keysOf(row).length, 1, `${key}: a key with a range has a row of its own`);
                assert.ok(
                    meaning.includes(`${spec.range.min}-${spec.range.max}`),
                    `${key}: "${meaning}" does not state ${spec.range.min}-${spec.range.max}`,
                );
            }
            for (const value of spec.oneOf ?? []) {
                assert.ok(row.join(" ").includes(String(value)), `${key}: README row does not name ${value}`);
                assert.ok(
                    configKeyDescription(key).includes(String(value)),
                    `${key}: Pulumi.yaml's description does not name ${value}`,
                );
            }
        });

        if (spec.least !== undefined) {
            const least = spec.least;
            it(`${key}: the row states its least value; the parser accepts ${least} and a fraction above it and refuses ${least - 1} and a word`, () => {
                const row = rows.find((r) => keysOf(r).includes(key));
                assert.ok(
                    row?.[2]?.includes(`${least} or more`),
                    `${key}: "${row?.[2]}" does not state "${least} or more"`,
                );
                for (const inside of [String(least), String(least + 0.5)])
                    assert.deepEqual(errorsFor(key, inside, "a number"), [], `${key}=${inside}`);
                for (const outside of [String(least - 1), "many"])
                    assert.deepEqual(errorsFor(key, outside, "a number"), [
                        `${P}:${key}: must be a number of at least ${least} (got "${outside}")`,
                    ]);
            });
        }

        if (spec.range !== undefined) {
            const { min, max } = spec.range;
            it(`${key}: the parser accepts ${min} and ${max} and refuses ${min - 1} and ${max + 1}`, () => {
                for (const inside of [min, max].filter(
                    (v) => spec.oneOf === undefined || spec.oneOf.includes(v),
                ))
                    assert.deepEqual(rangeErrorsFor(key, String(inside)), [], `${key}=${inside}`);
                for (const outside of [min - 1, max + 1])
                    assert.deepEqual(rangeErrorsFor(key, String(outside)), [
                        `${P}:${key}: must be an integer from ${min} to ${max} (got "${outside}")`,
                    ]);
            });
        }
    }
});
