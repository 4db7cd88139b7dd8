/**
 * `npm run connect -- --stack <stack> --agent <name>`: prints an agent's connection values and a
 * ready-to-run program for its platform. Values come from `--outputs <file>` (what
 * `pulumi stack output --json --show-secrets` printed after `pulumi up`: the real client ids);
 * without it the stack is synthesized offline, which gives the right issuers, subjects and scope
 * shape but placeholder ids (mock runtime), and the output says so.
 */
import { readFileSync } from "node:fs";
import { defineCommand, runCommand, UsageError } from "functions-app/cli";
import { agentNames, connectionValues, StackOutputsError } from "../connect-kit/stack-outputs";
import { renderConnection } from "../connect-kit/snippets";
import { isWrappedSecret } from "./lib/secret-wire";
import { exampleIdentitiesOptInKey } from "../components/config/example-identities";
import { checkStackFlags, stackFlags } from "./lib/stack-flags";
import { SynthError, synthesize } from "./lib/synthesize";

const command = defineCommand({
    name: "npm run connect",
    summary:
        "Prints an agent's connection values (MCP endpoint, tenant, client id, scope, federation) and a\n" +
        "ready-to-run TypeScript program for its platform using connect-kit/.",
    flags: {
        ...stackFlags,
        agent: {
            type: "string",
            value: "<name>",
            description: "the agent, by its name in the stack file; required",
        },
        outputs: {
            type: "string",
            value: "<file>",
            description:
                "stack outputs from `pulumi stack output --json --show-secrets` (real ids); without it the\nstack is synthesized offline and ids are placeholders",
        },
    },
    exitCodes: { 1: "no such agent, or the outputs or the synthesis failed" },
});

runCommand(command, async (flags) => {
    if (flags.agent === undefined) throw new UsageError("--agent <name> is required");
    let outputs: unknown;
    let origin: string;
    if (flags.outputs !== undefined) {
        try {
            outputs = JSON.parse(readFileSync(flags.outputs, "utf8")) as unknown;
        } catch (error) {
            throw new UsageError(`--outputs ${flags.outputs}: ${(error as Error).message}`);
        }
        origin = flags.outputs;
    } else {
        checkStackFlags(flags.stack, flags["stack-file"]);
        // Offline: the shipped example identities are fine to show, nothing is deployed.
        const result = await synthesize({
            stack: flags.stack,
            stackFile: flags["stack-file"],
            configOverrides: { [exampleIdentitiesOptInKey]: "true" },
        }).catch((error: unknown) => {
            throw error instanceof SynthError
                ? new Error(`synthesis of stack ${flags.stack} failed: ${error.message}`)
                : error;
        });
        outputs = JSON.parse(JSON.stringify(result.outputs), (_k, v: unknown) =>
            isWrappedSecret(v) ? v.value : v,
        ) as unknown;
        origin =
            "an offline synthesis: client ids and URLs are PLACEHOLDERS until `pulumi up`; pass --outputs";
    }
    try {
        process.stdout.write(renderConnection(flags.stack, connectionValues(outputs, flags.agent), origin));
    } catch (error) {
        if (error instanceof StackOutputsError && agentNames(outputs).length === 0)
            throw new Error(`${error.message} (is ${origin} the output of pulumi stack output --json?)`);
        throw error;
    }
});
