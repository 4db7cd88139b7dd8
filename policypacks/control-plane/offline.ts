/**
 * The offline compliance run behind `npm run policy`: synthesize a stack under the mock
 * runtime, evaluate the pack over the recorded resources, print the report, and return the exit
 * code CI gates on (1 on a mandatory violation, 2 on bad arguments or configuration).
 */
import { readFileSync } from "node:fs";
import { PolicyPackConfig } from "@pulumi/policy";
import { EvaluationResult, RecordedResource, evaluate, hasMandatoryViolation } from "./evaluate";
import { PolicyConfigError } from "./lib/policy-config";
import { formatReport } from "./report";

/** What the program's synthesizer takes and returns (scripts/lib/synthesize.ts). */
export type Synthesize = (options: {
    stack: string;
    configOverrides?: Record<string, string>;
    stackFile?: string;
}) => Promise<{ resources: RecordedResource[]; outputs: Record<string, unknown> }>;

export interface OfflineArgs {
    readonly stack: string;
    readonly stackFile?: string;
    readonly configOverrides: Record<string, string>;
    readonly policyConfig?: PolicyPackConfig;
    readonly json: boolean;
}

export const usage = `Usage: npm run policy -- --stack <name> [options]

Synthesizes the stack under Pulumi's mock runtime and checks it against the policy pack.

  --stack <name>           stack to check (reads Pulumi.<name>.yaml)
  --stack-file <path>      read the stack configuration from another file
  --config <key>=<value>   override one program config value (repeatable), as pulumi --config does
  --policy-config <file>   policy pack configuration (JSON), as pulumi --policy-pack-config takes
  --json                   print the violations as JSON instead of a table

Exit status: 0 compliant, 1 a mandatory violation, 2 bad arguments or configuration.`;

export class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): OfflineArgs {
    let stack: string | undefined;
    let stackFile: string | undefined;
    let policyConfig: PolicyPackConfig | undefined;
    let json = false;
    const configOverrides: Record<string, string> = {};
    const problems: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = (): string => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) {
                problems.push(`${flag} needs a value`);
                return "";
            }
            return v;
        };
        if (flag === "--stack") stack = value();
        else if (flag === "--stack-file") stackFile = value();
        else if (flag === "--json") json = true;
        else if (flag === "--config") {
            const pair = value();
            const eq = pair.indexOf("=");
            if (eq <= 0) problems.push(`--config expects key=value, got "${pair}"`);
            else configOverrides[pair.slice(0, eq)] = pair.slice(eq + 1);
        } else if (flag === "--policy-config") {
            const file = value();
            if (file !== "") {
                try {
                    policyConfig = JSON.parse(readFileSync(file, "utf8")) as PolicyPackConfig;
                } catch (e) {
                    problems.push(`--policy-config ${file}: ${e instanceof Error ? e.message : String(e)}`);
                }
            }
        } else problems.push(`unknown argument "${flag}"`);
    }
    if (stack === undefined && stackFile === undefined) {
        problems.push("--stack is required");
    }
    if (problems.length > 0) {
        throw new UsageError(problems.join("\n"));
    }
    return { stack: stack ?? "", stackFile, configOverrides, policyConfig, json };
}

export interface OfflineOutcome {
    readonly exitCode: number;
    readonly result?: EvaluationResult;
}

export async function runOffline(
    argv: readonly string[],
    synthesize: Synthesize,
    print: (text: string) => void = (t) => process.stdout.write(t),
    printError: (text: string) => void = (t) => process.stderr.write(t),
): Promise<OfflineOutcome> {
    let args: OfflineArgs;
    try {
        args = parseArgs(argv);
    } catch (e) {
        printError(`${e instanceof Error ? e.message : String(e)}\n\n${usage}\n`);
        return { exitCode: 2 };
    }
    let resources: RecordedResource[];
    try {
        ({ resources } = await synthesize({
            stack: args.stack,
            configOverrides: args.configOverrides,
            ...(args.stackFile === undefined ? {} : { stackFile: args.stackFile }),
        }));
    } catch (e) {
        printError(
            `Could not synthesize stack ${args.stack || args.stackFile}: ${e instanceof Error ? e.message : String(e)}\n`,
        );
        return { exitCode: 2 };
    }
    let result: EvaluationResult;
    try {
        result = await evaluate(resources, { config: args.policyConfig });
    } catch (e) {
        if (e instanceof PolicyConfigError) {
            printError(`${e.message}\n`);
            return { exitCode: 2 };
        }
        throw e;
    }
    print(
        args.json
            ? `${JSON.stringify(result.violations, null, 2)}\n`
            : formatReport(args.stack || args.stackFile || "", result),
    );
    return { exitCode: hasMandatoryViolation(result) ? 1 : 0, result };
}
