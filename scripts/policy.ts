/**
 * `npm run policy`: synthesizes a stack under Pulumi's mock runtime, evaluates the policy pack over
 * every recorded resource and prints a report; exits 1 on a mandatory violation so CI can gate on it.
 */
import { readFileSync } from "node:fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { UsageError, defineCommand, runCommand } from "../functions-app/scripts/cli";
import { checkStackFlags, configFlag, configOverrides, stackFlags } from "./lib/stack-flags";

const command = defineCommand({
    name: "npm run policy",
    summary:
        "Synthesizes the stack offline under Pulumi's mock runtime and checks it against the policy pack\n" +
        "(policypacks/control-plane), as pulumi preview --policy-pack would, without Azure or the Pulumi CLI.",
    flags: {
        ...stackFlags,
        config: configFlag,
        "policy-config": {
            type: "string",
            value: "<file>",
            description: "policy pack configuration (JSON), as pulumi --policy-pack-config takes",
        },
        json: { type: "boolean", description: "print the violations as JSON instead of a table" },
    },
    exitCodes: { 1: "a mandatory violation", 2: "bad arguments, configuration or policy configuration" },
});

function readPolicyConfig(file: string): PolicyPackConfig {
    try {
        return JSON.parse(readFileSync(file, "utf8")) as PolicyPackConfig;
    } catch (error) {
        throw new UsageError(
            `--policy-config ${file}: ${error instanceof Error ? error.message : String(error)}`,
        );
    }
}

runCommand(command, async (flags) => {
    checkStackFlags(flags.stack, flags["stack-file"]);
    // Loaded only now (the pack takes seconds to load), so --help and bad arguments answer at once.
    const [{ runOffline }, { synthesize }] = await Promise.all([
        import("../policypacks/control-plane/offline"),
        import("./lib/synthesize"),
    ]);
    const { exitCode } = await runOffline(
        {
            stack: flags.stack,
            stackFile: flags["stack-file"],
            configOverrides: configOverrides(flags.config),
            policyConfig:
                flags["policy-config"] === undefined ? undefined : readPolicyConfig(flags["policy-config"]),
            json: flags.json,
        },
        synthesize,
    );
    return exitCode;
});
