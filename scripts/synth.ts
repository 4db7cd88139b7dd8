/**
 * Offline synth: `npm run synth -- --stack dev [--out plan.md] [--json result.json] [--config key=value ...]`
 * Runs the program under the mock runtime with the stack file's configuration and writes a plan
 * (resource tree, outputs, rendered policies). Nothing reaches Azure.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { renderPlan } from "./lib/plan";
import { SynthError, synthesize } from "./lib/synthesize";

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            stack: { type: "string", default: "dev" },
            "stack-file": { type: "string" },
            out: { type: "string" },
            json: { type: "string" },
            config: { type: "string", multiple: true, default: [] },
        },
    });
    const configOverrides: Record<string, string> = {};
    for (const pair of values.config ?? []) {
        const i = pair.indexOf("=");
        if (i <= 0) throw new Error(`--config expects key=value, got "${pair}"`);
        configOverrides[pair.slice(0, i)] = pair.slice(i + 1);
    }
    const stack = values.stack ?? "dev";
    const started = Date.now();
    const result = await synthesize({ stack, stackFile: values["stack-file"], configOverrides });
    const plan = renderPlan(stack, result, Date.now() - started);
    if (values.json)
        writeFileSync(
            values.json,
            JSON.stringify({ resources: result.resources, outputs: result.outputs }, null, 2),
        );
    if (values.out) {
        writeFileSync(values.out, plan);
        const count = result.resources.filter((r) => r.custom).length;
        console.error(`wrote ${values.out}: ${count} resources, ${Date.now() - started} ms`);
    } else {
        process.stdout.write(plan);
    }
}

main().catch((err: unknown) => {
    console.error(err instanceof SynthError ? `synth failed: ${err.message}` : err);
    process.exit(1);
});
