/**
 * `npm run synth`: runs the program under Pulumi's mock runtime with a stack's configuration and
 * writes the plan (resource tree, outputs, rendered policies). Nothing reaches Azure.
 */
import { writeFileSync } from "node:fs";
import { defineCommand, runCommand } from "functions-app/cli";
import { countResources, renderPlan } from "./lib/plan";
import { checkStackFlags, configFlag, configOverrides, stackFlags } from "./lib/stack-flags";
import { SynthError, synthesize } from "./lib/synthesize";

const command = defineCommand({
    name: "npm run synth",
    summary:
        "Runs the Pulumi program offline under the mock runtime with the stack's configuration and prints\n" +
        "the plan: resource tree, totals by type, stack outputs and every rendered APIM policy.",
    flags: {
        ...stackFlags,
        config: configFlag,
        out: {
            type: "string",
            value: "<file>",
            description: "write the plan to this file instead of stdout",
        },
        json: {
            type: "string",
            value: "<file>",
            description: "also write every recorded resource and the outputs as JSON",
        },
    },
    exitCodes: { 1: "the program failed (configuration errors are listed)" },
});

runCommand(command, async (flags) => {
    checkStackFlags(flags.stack, flags["stack-file"]);
    const overrides = configOverrides(flags.config);
    const started = Date.now();
    const result = await synthesize({
        stack: flags.stack,
        stackFile: flags["stack-file"],
        configOverrides: overrides,
    }).catch((error: unknown) => {
        throw error instanceof SynthError
            ? new Error(`synthesis of stack ${flags.stack} failed: ${error.message}`)
            : error;
    });
    const plan = renderPlan(flags.stack, result, Date.now() - started);
    if (flags.json)
        writeFileSync(
            flags.json,
            JSON.stringify({ resources: result.resources, outputs: result.outputs }, null, 2),
        );
    if (flags.out) {
        writeFileSync(flags.out, plan);
        process.stderr.write(
            `wrote ${flags.out}: stack ${flags.stack}, ${countResources(result.resources).text}\n`,
        );
    } else {
        process.stdout.write(plan);
    }
});
