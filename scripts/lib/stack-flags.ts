/**
 * The flags every command that reads a stack shares (`npm start`, `npm run synth`, `npm run
 * policy`), with one rule for all of them: without `--stack` they use `dev`, and each names the
 * stack it used in its output.
 */
import { existsSync, readdirSync } from "node:fs";
import { UsageError, type ValueFlag } from "functions-app/cli";
import { repositoryRoot, stackFilePath } from "./stack-file";

export const stackFlags = {
    stack: {
        type: "string",
        value: "<name>",
        default: "dev",
        description: "stack to use: its configuration is Pulumi.<name>.yaml",
    },
    "stack-file": {
        type: "string",
        value: "<path>",
        description: "read the stack configuration from this file instead",
    },
} as const satisfies Record<string, ValueFlag>;

/** The stack names this repository has a `Pulumi.<name>.yaml` for. */
export function knownStacks(): string[] {
    return readdirSync(repositoryRoot)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Refuses a stack without a configuration file before any work starts. */
export function checkStackFlags(stack: string, stackFile: string | undefined): void {
    if (stackFile !== undefined) {
        if (!existsSync(stackFile)) throw new UsageError(`--stack-file ${stackFile}: no such file`);
        return;
    }
    if (!existsSync(stackFilePath(stack)))
        throw new UsageError(
            `--stack ${stack}: there is no Pulumi.${stack}.yaml; stacks here: ${knownStacks().join(", ")}`,
        );
}

/** `--config key=value` pairs as the synthesizer takes them. */
export function configOverrides(pairs: readonly string[]): Record<string, string> {
    const overrides: Record<string, string> = {};
    for (const pair of pairs) {
        const i = pair.indexOf("=");
        if (i <= 0) throw new UsageError(`--config expects key=value, got "${pair}"`);
        overrides[pair.slice(0, i)] = pair.slice(i + 1);
    }
    return overrides;
}

export const configFlag = {
    type: "string",
    value: "<key>=<value>",
    multiple: true,
    description: "override one config value of the stack, as pulumi --config does",
} as const satisfies ValueFlag;
