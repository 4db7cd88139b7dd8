/**
 * The `npm run policy` command line: its flags and how they become the offline run's arguments.
 * Apart from `scripts/policy.ts` so tests can read CI's arguments exactly as the command does.
 */
import { readFileSync } from "node:fs";
import type { PolicyPackConfig } from "@pulumi/policy";
import { UsageError, defineCommand, parseCommandLine, type FlagValues } from "functions-app/cli";
import type { OfflineArgs } from "../../policypacks/control-plane/offline";
import { checkStackFlags, configFlag, configOverrides, stackFlags } from "./stack-flags";

export const policyCommand = defineCommand({
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

/** The offline run's arguments from the parsed flags; throws {@link UsageError} on a bad value. */
export function offlineArgs(flags: FlagValues<typeof policyCommand.flags>): OfflineArgs {
    checkStackFlags(flags.stack, flags["stack-file"]);
    return {
        stack: flags.stack,
        stackFile: flags["stack-file"],
        configOverrides: configOverrides(flags.config),
        policyConfig:
            flags["policy-config"] === undefined ? undefined : readPolicyConfig(flags["policy-config"]),
        json: flags.json,
    };
}

/** The offline run's arguments from a command line such as CI's (`--help` is not one). */
export function offlineArgsFromCommandLine(argv: readonly string[]): OfflineArgs {
    const flags = parseCommandLine(policyCommand, argv);
    if (flags === "help") throw new UsageError("--help is not a policy run");
    return offlineArgs(flags);
}
