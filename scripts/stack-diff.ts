/**
 * `npm run stack-diff -- --before a.json --after b.json`: compares two plans written by
 * `npm run synth -- --json`, e.g. before and after a refactoring that must not change what deploys.
 */
import { readFile } from "node:fs/promises";
import { UsageError, defineCommand, runCommand } from "functions-app/cli";
import { describeDifference, diffStacks } from "./lib/stack-diff";
import type { SynthResult } from "./lib/synth-types";

const command = defineCommand({
    name: "npm run stack-diff",
    summary:
        "Compares two syntheses written by `npm run synth -- --json`: resources added, removed or moved\n" +
        "(a new URN aliasing the old one), inputs and outputs changed. Prints `identical` when nothing is.",
    flags: {
        before: { type: "string", value: "<file>", description: "the earlier synthesis (JSON)" },
        after: { type: "string", value: "<file>", description: "the later synthesis (JSON)" },
    },
    exitCodes: { 1: "the stacks differ" },
});

async function readSynthesis(flag: string, file: string | undefined): Promise<SynthResult> {
    if (file === undefined) throw new UsageError(`--${flag} is required`);
    try {
        return JSON.parse(await readFile(file, "utf8")) as SynthResult;
    } catch (error) {
        throw new UsageError(`--${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
}

runCommand(command, async (flags) => {
    const before = await readSynthesis("before", flags.before);
    const after = await readSynthesis("after", flags.after);
    const difference = diffStacks(before, after);
    const report = describeDifference(difference);
    process.stdout.write(report);
    return report === "identical\n" ? 0 : 1;
});
