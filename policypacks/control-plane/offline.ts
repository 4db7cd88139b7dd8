/**
 * The offline compliance run behind `npm run policy`: synthesize a stack under the mock
 * runtime, evaluate the pack over the recorded resources, print the report, and return the exit
 * code CI gates on (1 on a mandatory violation, 2 on bad configuration).
 */
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
    readonly stackFile?: string | undefined;
    readonly configOverrides: Record<string, string>;
    /** Undefined: every policy at its own level, with its defaults. */
    readonly policyConfig?: PolicyPackConfig | undefined;
    readonly json: boolean;
}

export interface OfflineOutcome {
    readonly exitCode: number;
    readonly result?: EvaluationResult;
}

/** Parsing the command line is the caller's (`scripts/policy.ts`); this takes its result. */
export async function runOffline(
    args: OfflineArgs,
    synthesize: Synthesize,
    print: (text: string) => void = (t) => process.stdout.write(t),
    printError: (text: string) => void = (t) => process.stderr.write(t),
): Promise<OfflineOutcome> {
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
