/** `npm run bench`: the command line of the benchmark in `mcp-throughput.ts`. */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { UsageError, defineCommand, runCommand } from "functions-app/cli";
import { onStopRequest } from "functions-app/stop-request";

const command = defineCommand({
    name: "npm run bench",
    summary:
        "Measures tools/call hello_mcp over Streamable HTTP (throughput, p50/p99 latency, errors, peak RSS)\n" +
        "for the Node host bundle against a bare node:http echo, the SDK's stateless pattern and two\n" +
        "breakdown servers, and the host as on AKS, untraced and traced (OTLP, and Azure Monitor's exporter\n" +
        "to offline stand-ins, every call and rate-limited at 5 traces/s as deployed), in interleaved rounds;\n" +
        "then the host's cold start, bundled and unbundled;\n" +
        "then memory_save and memory_recall beside hello_mcp on a local Cosmos DB server (memory-tools.ts).\n" +
        "Writes bench/results/latest.json. Takes about 32 server processes x rounds x seconds, plus four minutes.",
    flags: {
        connections: { type: "string", value: "<n>", default: "32", description: "concurrent connections" },
        seconds: {
            type: "string",
            value: "<n>",
            default: "2",
            description: "length of one round per server",
        },
        // Eleven: a median and its spread need that many samples on a shared machine. Seven for the
        // throughput bench, whose compared rows run in three processes: 21 loads behind each figure.
        rounds: {
            type: "string",
            value: "<n>",
            description: "interleaved rounds (default: 7 for the throughput bench, 11 for the others)",
        },
        processes: {
            type: "string",
            value: "<n>",
            default: "3",
            description:
                "processes per compared row ((a), (b), (g), (i), (b-aks) and their baselines); a row's round is its median process's",
        },
        "cold-runs": { type: "string", value: "<n>", default: "15", description: "cold starts per variant" },
        baseline: {
            type: "string",
            value: "<dir>",
            description:
                "also measure an earlier build, the functions-app/dist folder `npm run build` wrote (server/server.js and functions-app/): the Node host as (a0), (g0), (h0) and (h0-am), in the cold starts and the Functions app's load, a before/after in one run; with --local-gateway, an earlier checkout of the repository (after npm ci) whose local gateway runs beside this one",
        },
        tracing: {
            type: "boolean",
            description: "instead: what tracing costs, off vs on in the same run (bench/tracing-cost.ts)",
        },
        features: {
            type: "boolean",
            description:
                "instead: what each AKS feature (Host and Origin checks, auth, the forwarded caller and roles, tracing as deployed) costs per call, switched on one at a time in the same run (bench/feature-cost.ts; --processes, --rounds, 7 by default)",
        },
        "gateway-checkpoints": {
            type: "boolean",
            description:
                "instead: what request validation and content screening add per call on the local gateway (bench/gateway-checkpoints.ts; calls per round = --connections x 2, --rounds)",
        },
        "local-gateway": {
            type: "boolean",
            description:
                "instead: CPU ms per call and wall p50/p99 through the local gateway (dev stack) for hello_mcp, a refused call and save_snippet (bench/local-gateway.ts; --connections sequential calls per kind per round, at most 120; --rounds; --baseline <checkout>: an earlier checkout with its node_modules, measured in the same run)",
        },
    },
    exitCodes: { 1: "a server failed to start or to answer hello_mcp" },
});

function positiveInteger(flag: string, raw: string): number {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--${flag} ${raw}: expected a whole number of at least 1`);
    return n;
}

/** The folder of an earlier `npm run build`, checked for both builds it must hold. */
function earlierBuild(dir: string): string {
    const resolved = path.resolve(dir);
    for (const file of ["server/server.js", "functions-app/dist/index.js", "functions-app.zip"]) {
        if (!existsSync(path.join(resolved, file)))
            throw new UsageError(
                `--baseline ${dir}: no ${file} in it (run npm run build at the earlier commit)`,
            );
    }
    return resolved;
}

/** An earlier checkout of the repository with its own node_modules, for `--local-gateway`. */
function earlierCheckout(dir: string): string {
    const resolved = path.resolve(dir);
    for (const file of ["local-gateway/src/harness.ts", "node_modules/tsx/package.json"]) {
        if (!existsSync(path.join(resolved, file)))
            throw new UsageError(
                `--baseline ${dir}: no ${file} in it (a checkout of an earlier commit, after npm ci)`,
            );
    }
    return resolved;
}

runCommand(command, async (flags) => {
    const roundsOr = (byDefault: number) =>
        flags.rounds === undefined ? byDefault : positiveInteger("rounds", flags.rounds);
    if (flags["local-gateway"]) {
        onStopRequest(() => Promise.resolve());
        const { runLocalGatewayBench } = await import("./local-gateway");
        return runLocalGatewayBench({
            calls: Math.min(positiveInteger("connections", flags.connections), 120),
            rounds: roundsOr(11),
            ...(flags.baseline !== undefined ? { baseline: earlierCheckout(flags.baseline) } : {}),
        });
    }
    const options = {
        connections: positiveInteger("connections", flags.connections),
        seconds: positiveInteger("seconds", flags.seconds),
        rounds: roundsOr(11),
        coldRuns: positiveInteger("cold-runs", flags["cold-runs"]),
        processes: positiveInteger("processes", flags.processes),
        ...(flags.baseline !== undefined ? { baseline: earlierBuild(flags.baseline) } : {}),
    };
    // An interrupted run exits; the exit kills every server it started and Azurite.
    onStopRequest(() => Promise.resolve());

    if (flags["gateway-checkpoints"]) {
        const { runCheckpointBench } = await import("./gateway-checkpoints");
        return runCheckpointBench({ calls: options.connections * 2, rounds: options.rounds });
    }
    // Loaded only now, so --help and bad arguments answer at once.
    if (flags.tracing) return (await import("./tracing-cost")).runTracingCost(options);
    if (flags.features)
        return (await import("./feature-cost")).runFeatureCost({ ...options, rounds: roundsOr(7) });
    const { runBenchmark } = await import("./mcp-throughput");
    await runBenchmark({ ...options, rounds: roundsOr(7) });
    const { runMemoryBenchmark } = await import("./memory-tools");
    await runMemoryBenchmark(options);
});
