import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { build } from "esbuild";
import { bundleFunctionsApp, bundleNodeServer } from "functions-app/bundle";
import { startAzurite } from "functions-app/azurite";
import { startTokenIssuer } from "functions-app/test-support/token-issuer";
import { startOtlpCollector } from "functions-app/test-support/otlp-collector";
import { exportReport, startAzureMonitorStandIns, type ExpectedExport } from "./azure-monitor-stand-ins";
import { aksLike, legacyCall, modernCall, type LoadRequest } from "./calls";
import { compile } from "./compile";
import { machineLine, runStart } from "./machine";
import { bareSpawnArgs, measureColdStarts, type ColdStartResult } from "./cold-start";
import { measureFunctionsLoad } from "./functions-load";
import {
    label,
    measureRounds,
    median,
    row,
    sharesOf,
    startRows,
    stopAll,
    summarize,
    type Row,
    type Target,
} from "./load-rows";
import { formatSpread, spreadOf } from "./spread";

/**
 * `npm run bench`: tools/call hello_mcp over Streamable HTTP, same client (autocannon) and
 * concurrency for every server, all measured in this one run:
 *   (a) our Node host (the bundle that ships),
 *   (b) a bare node:http JSON-RPC echo (the practical limit),
 *   (c) the SDK's documented stateless pattern (express, new McpServer + transport per request),
 *   (d) for the breakdown, the host's HTTP handling with a canned answer instead of the SDK, and
 *   (e) the host with its fast path off (MCP_FAST_PATH=off), so every request takes the SDK's dispatch,
 *   (f) the host answering the same call in the modern revision (2026-07-28: `_meta`, Mcp-* headers),
 *   (g) the host configured as the AKS backend runs it: auth on (the gateway's RS256 token checked
 *       against a JWKS on loopback), the caller and its roles forwarded by the gateway and checked
 *       per tool, ALLOWED_ORIGINS and PUBLIC_BASE_URL set (batch bounds are always on);
 *   (h) (g) with every call traced (the gateway's sampled traceparent), spans exported over OTLP/HTTP
 *       to a collector on loopback: the row earlier runs compare with;
 *   (h-am) (h) with the exporter the stack deploys on both backends, Azure Monitor's, publishing as
 *       an AKS pod (workload identity) to offline stand-ins (bench/azure-monitor-stand-ins.ts: HTTPS
 *       ingestion, Entra's token endpoint, a preload that routes and refuses the host's outbound
 *       connections); after the rounds the bench checks the items that reached ingestion (request
 *       items per call) and the token request, and fails if the row did not really export. Left out,
 *       with the reason printed, when the machine has no openssl for the stand-ins' certificate;
 *   (i) (h-am) as the stack deploys it now: rate-limited at 5 traces a second (TRACING_TRACES_PER_SECOND,
 *       `toolTracingTracesPerSecond`'s default), each call with a sampled traceparent of its own
 *       trace as the gateway sends them; the bench prints the request items that reached ingestion
 *       by the sample rate they carried and fails if none arrived or more than the limit allows.
 *       After every other row, so the rows before it keep their places (and indexes);
 * then the Node host's cold start (spawn -> first tools/list answer; bench/cold-start.ts), tracing
 * off and on, beside a bare `node -e 0` spawn and the echo's, and the Functions app's load time and
 * size (bench/functions-load.ts).
 *
 * The servers run side by side and are measured in interleaved rounds (a, b, c, a, b, c, ...), so
 * a change in machine load during the run hits all of them alike; each figure is the median round.
 * The rows the targets compare ((a), (b), (g), (i), (b-aks) and their baselines) each run in several
 * processes (`--processes`, 3): two processes of one build can differ by a tenth in CPU per request
 * for as long as they live (where V8 happened to place and optimize their code), so a row's round is
 * the round of its median process, and one unlucky process no longer moves the row.
 * With --baseline, an earlier build's host runs as (a0), (g0), (h0), (h0-am) and, after (i), (i0)
 * beside them ((i0) needs a build that reads TRACING_TRACES_PER_SECOND: an older one records every
 * call and fails (i0)'s export check).
 */

const root = path.resolve(__dirname, "..");
const out = path.join(__dirname, ".out");
/** What `npm run bench` varies (bench/main.ts reads it from the command line). */
export interface BenchOptions {
    readonly connections: number;
    readonly seconds: number;
    readonly rounds: number;
    readonly coldRuns: number;
    /** Processes per compared row; a row's round is its median process's. */
    readonly processes: number;
    /** An earlier `npm run build` folder (functions-app/dist), measured beside this build. */
    readonly baseline?: string;
}

let connections = 32;
let seconds = 5;
let rounds = 5;
let coldRuns = 15;
let processes = 3;
let baseline: string | undefined;

/**
 * As on AKS with tracing on and no rate limit (as the stack deployed it before
 * `toolTracingTracesPerSecond`, and as it does with that key at 0 and `toolTracingSamplePercent` at
 * 100): each call arrives with the gateway's `traceparent`, sampled when the gateway samples it
 * (`appInsightsSamplingPercentage`, default 100), so every call is traced. `exporter`: where the
 * spans go, OTLP/HTTP to a collector on loopback (h) or Azure Monitor to its stand-ins (h-am).
 */
function tracedAks(
    aks: { env: Record<string, string>; request: LoadRequest },
    exporter: Record<string, string>,
): { env: Record<string, string>; request: LoadRequest } {
    return {
        // No rate limit, whatever the host's default: these rows trace every call, as earlier runs did.
        env: { ...aks.env, TRACING_TRACES_PER_SECOND: "0", ...exporter },
        request: {
            ...aks.request,
            headers: {
                ...aks.request.headers,
                traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            },
        },
    };
}

/** The host transpiled file by file, resolving its dependencies from node_modules at run time. */
async function compileUnbundled(): Promise<string> {
    const dir = path.join(root, "functions-app", "dist", "unbundled");
    await rm(dir, { recursive: true, force: true });
    const srcRoot = path.join(root, "functions-app", "src");
    const entries = (await readdir(srcRoot, { recursive: true }))
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
        .map((f) => path.join(srcRoot, f));
    await build({
        entryPoints: entries,
        outdir: dir,
        outbase: srcRoot,
        bundle: false,
        platform: "node",
        target: "node20",
        format: "cjs",
        logLevel: "warning",
    });
    return path.join(dir, "node-host", "main.js");
}

async function main(): Promise<void> {
    const start = runStart();
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const [server, functionsApp, functionsLoader, echo, sdk, httpOnly, unbundled, storage] =
        await Promise.all([
            bundleNodeServer({ outDir: out }),
            bundleFunctionsApp({ outDir: out }),
            compile(
                path.join(__dirname, "servers", "functions-load.ts"),
                path.join(out, "functions-load.js"),
            ),
            compile(path.join(__dirname, "servers", "echo.ts"), path.join(out, "echo.js")),
            compile(path.join(__dirname, "servers", "sdk-stateless.ts"), path.join(out, "sdk-stateless.js")),
            compile(
                path.join(__dirname, "servers", "host-http-only.ts"),
                path.join(out, "host-http-only.js"),
            ),
            compileUnbundled(),
            startAzurite(),
        ]);
    const hostEnv = { SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString };
    const baselineServer = baseline === undefined ? undefined : path.join(baseline, "server", "server.js");
    const issuer = await startTokenIssuer();
    const aks = await aksLike(issuer);
    const collector = await startOtlpCollector();
    const otlpTracing = { TRACING_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl };
    const traced = tracedAks(aks, otlpTracing);
    const azureMonitor = await startAzureMonitorStandIns();
    const azureMonitorLeftOut =
        "unavailable" in azureMonitor
            ? `${baselineServer === undefined ? "(h-am)" : "(h-am) and (h0-am)"} left out: ${azureMonitor.unavailable}`
            : undefined;
    if (azureMonitorLeftOut !== undefined) console.error(azureMonitorLeftOut);
    /**
     * (h) exporting to Azure Monitor's stand-ins, with an ingestion stand-in of its own; with
     * `tracesPerSecond`, rate-limited as the stack deploys it, each call of a trace of its own.
     */
    const azureMonitorRow = (name: string, file: string, tracesPerSecond?: number, count = 1): Row[] => {
        if ("unavailable" in azureMonitor) return [];
        const { env, request } = tracedAks(aks, {});
        return [
            {
                name,
                args: [...azureMonitor.nodeArgs, file],
                env: {
                    ...hostEnv,
                    ...env,
                    ...(tracesPerSecond !== undefined
                        ? { TRACING_TRACES_PER_SECOND: String(tracesPerSecond) }
                        : {}),
                },
                request: tracesPerSecond !== undefined ? { ...request, traceEachCall: true } : request,
                processes: count,
                exportFor: () => azureMonitor.exportFor(),
                ...(tracesPerSecond !== undefined ? { tracesPerSecond } : {}),
            },
        ];
    };
    const targets: Target[] = [];
    try {
        const rows: Row[] = [
            row("(a) Node host (bundle)", server.entry, hostEnv, legacyCall, processes),
            row("(b) node:http JSON-RPC echo", echo, {}, legacyCall, processes),
            row("(c) SDK stateless pattern", sdk, {}, legacyCall),
            row("(d) host HTTP handling, canned answer (no SDK)", httpOnly, {}, legacyCall),
            row(
                "(e) Node host, SDK dispatch only (MCP_FAST_PATH=off)",
                server.entry,
                { ...hostEnv, MCP_FAST_PATH: "off" },
                legacyCall,
            ),
            row("(f) Node host, modern request (2026-07-28)", server.entry, hostEnv, modernCall),
            row(
                "(g) Node host as on AKS (auth, forwarded roles)",
                server.entry,
                { ...hostEnv, ...aks.env },
                aks.request,
                processes,
            ),
            row(
                "(h) as on AKS, every call traced (gateway's sampled traceparent, OTLP export)",
                server.entry,
                { ...hostEnv, ...traced.env },
                traced.request,
            ),
            ...azureMonitorRow(
                "(h-am) as on AKS, every call traced, Azure Monitor exporter (stand-ins)",
                server.entry,
            ),
            ...(baselineServer === undefined
                ? []
                : [
                      row(
                          "(a0) baseline: Node host (--baseline)",
                          baselineServer,
                          hostEnv,
                          legacyCall,
                          processes,
                      ),
                      row(
                          "(g0) baseline: as on AKS (--baseline)",
                          baselineServer,
                          { ...hostEnv, ...aks.env },
                          aks.request,
                          processes,
                      ),
                      row(
                          "(h0) baseline: as on AKS, every call traced (--baseline)",
                          baselineServer,
                          { ...hostEnv, ...traced.env },
                          traced.request,
                      ),
                      ...azureMonitorRow(
                          "(h0-am) baseline: as on AKS, traced, Azure Monitor exporter (--baseline)",
                          baselineServer,
                      ),
                  ]),
            // Last, so every row before it keeps its place (targets[6] is (g), results[1] the echo).
            ...azureMonitorRow(
                "(i) as deployed: Azure Monitor exporter, rate-limited at 5 traces/s (the stack's default)",
                server.entry,
                5,
                processes,
            ),
            ...(baselineServer === undefined
                ? []
                : azureMonitorRow(
                      "(i0) baseline: as deployed, rate-limited at 5 traces/s (--baseline)",
                      baselineServer,
                      5,
                      processes,
                  )),
            // The raw limit for the gateway's larger request (a kilobyte of token, the forwarded
            // caller, roles and correlation id): what Node's parser alone costs (g) and (i) over (b).
            row(
                "(b-aks) node:http JSON-RPC echo, the gateway's request (as (g))",
                echo,
                {},
                aks.request,
                processes,
            ),
        ];
        const settings = { connections, seconds };
        await startRows(rows, root, settings, targets);
        await measureRounds(targets, settings, rounds);
        const results = await Promise.all(targets.map(summarize));
        // Stopping exports what each host's batch still holds.
        await stopAll(targets);
        const tokenRequests = "unavailable" in azureMonitor ? 0 : azureMonitor.tokenRequests();
        const exports = targets.flatMap((target) =>
            target.processes.flatMap((instance, i) =>
                instance.exported
                    ? [
                          {
                              name:
                                  label(target.name) +
                                  (target.processes.length > 1 ? ` process ${i + 1}` : ""),
                              target,
                              instance,
                              exported: instance.exported,
                          },
                      ]
                    : [],
            ),
        );
        const exportReports = exports.map(({ name, target, instance, exported }) => {
            const expected: ExpectedExport =
                target.tracesPerSecond === undefined
                    ? { kind: "every call" }
                    : {
                          kind: "rate-limited",
                          tracesPerSecond: target.tracesPerSecond,
                          loadSeconds: instance.loadSeconds,
                          spells: instance.spells,
                          itemsPerTrace: 2,
                      };
            return exportReport(name, exported, instance.calls, tokenRequests, expected);
        });
        for (const report of exportReports) console.error(report.line);
        const notExported = exportReports.flatMap((r) => (r.problem === undefined ? [] : [r.problem]));
        // Before the cold starts: a row that exported nothing measured a host that drops its spans.
        if (notExported.length > 0)
            throw new Error(
                `Azure Monitor rows did not really export, so their figures are not the exporter's:\n${notExported.join("\n")}`,
            );
        const cold = await measureColdStarts(
            [
                { name: "bare spawn (`node -e`, to exit)", args: bareSpawnArgs },
                { name: "node:http JSON-RPC echo (bench/servers/echo.ts)", args: [echo], expect: "MCPTool" },
                {
                    name: "Node host bundle (server.js)",
                    args: [server.entry],
                    env: hostEnv,
                    cwd: server.directory,
                    expect: "hello_mcp",
                },
                // As an AKS pod starts: tracing on, its SDK read at start (the exporter on the first export).
                {
                    name: "Node host bundle, tracing on (OTLP)",
                    args: [server.entry],
                    env: { ...hostEnv, ...otlpTracing },
                    cwd: server.directory,
                    expect: "hello_mcp",
                },
                ...(baselineServer === undefined
                    ? []
                    : [
                          {
                              name: "baseline: Node host bundle (--baseline)",
                              args: [baselineServer],
                              env: hostEnv,
                              cwd: path.dirname(baselineServer),
                              expect: "hello_mcp",
                          },
                          {
                              name: "baseline: Node host bundle, tracing on (OTLP) (--baseline)",
                              args: [baselineServer],
                              env: { ...hostEnv, ...otlpTracing },
                              cwd: path.dirname(baselineServer),
                              expect: "hello_mcp",
                          },
                      ]),
                {
                    name: "Node host unbundled (node_modules)",
                    args: [unbundled],
                    env: hostEnv,
                    cwd: path.dirname(unbundled),
                    expect: "hello_mcp",
                },
            ],
            coldRuns,
        );
        const functionsLoads = await measureFunctionsLoad(
            functionsLoader,
            [
                { name: "this build", directory: functionsApp.directory, zipPath: functionsApp.zipPath },
                ...(baseline === undefined
                    ? []
                    : [
                          {
                              name: "baseline (--baseline)",
                              directory: path.join(baseline, "functions-app"),
                              zipPath: path.join(baseline, "functions-app.zip"),
                          },
                      ]),
            ],
            coldRuns,
        );
        const [host, echoTarget] = targets;
        const aksTarget = targets[6];
        const echoResult = results[1];
        if (!host || !echoTarget || !echoResult || !aksTarget)
            throw new Error("the host, the echo and the host as on AKS must be measured");
        const echoRate = echoResult.requestsPerSecond; // (b), the second target
        const echoCpu = echoResult.cpuUsPerRequest;
        const echoForAks = targets.find((t) => t.name.startsWith("(b-aks)"));
        /**
         * Per round: req/s as % of an echo's (`reference`, (b) unless named), and that echo's CPU
         * per request as % of this one's.
         */
        const versusEcho = (target: Target, shown: string, reference: Target = echoTarget): string => {
            const { rate, cpu } = sharesOf(target, reference);
            const list = (xs: number[]) => xs.map((x) => x.toFixed(1) + "%").join(", ");
            return (
                `${shown} as % of ${reference === echoTarget ? "(b)" : label(reference.name)}, round by round: ` +
                `req/s ${list(rate)} (median ${median(rate).toFixed(1)}%); ` +
                `CPU per request ${list(cpu)} (median ${median(cpu).toFixed(1)}%)`
            );
        };
        const lines = [
            machineLine(start),
            "",
            `tools/call hello_mcp over Streamable HTTP (protocol 2025-06-18 unless named), ${connections} connections, ${rounds} interleaved rounds of ${seconds} s, Node ${process.version}; ` +
                `(a), (b), (g), (i), (b-aks) and their baselines in ${processes} processes each, a row's round being its median process's`,
            "",
            "| server | req/s (median round) | % of echo | rounds req/s | CPU µs/request | echo's CPU/request as % | p50 ms | p99 ms | errors | non-2xx | peak RSS MiB |",
            "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
            ...results.map(
                (r) =>
                    `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${((100 * r.requestsPerSecond) / echoRate).toFixed(1)}% | ` +
                    `${r.rounds.join(", ")} | ${r.cpuUsPerRequest.toFixed(0)} | ${((100 * echoCpu) / r.cpuUsPerRequest).toFixed(1)}% | ` +
                    `${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.non2xx} | ${r.peakRssMiB.toFixed(0)} |`,
            ),
            "",
            versusEcho(host, "(a)"),
            versusEcho(aksTarget, "(g)"),
            ...targets
                .slice(7)
                .filter((t) => t !== echoForAks)
                .map((t) => versusEcho(t, label(t.name))),
            ...(echoForAks === undefined
                ? []
                : targets
                      .filter((t) => t === aksTarget || t.name.startsWith("(i") || t.name.startsWith("(g0)"))
                      .map((t) => versusEcho(t, label(t.name), echoForAks))),
            "",
            "CPU µs per request of each process (its median round), rows in several processes:",
            ...results
                .filter((r) => r.processCpuUsPerRequest.length > 1)
                .map(
                    (r) => `${label(r.name)} ${r.processCpuUsPerRequest.map((x) => x.toFixed(1)).join(", ")}`,
                ),
            "",
            "Azure Monitor export (stand-ins): what reached ingestion for all calls answered, warm-up included " +
                "(a traced hello_mcp makes 1 request and 1 dependency item; (i) records about 5 traces a second " +
                "while loaded, each item carrying the sample rate Application Insights counts it back by):",
            ...exportReports.map((r) => r.line),
            ...(azureMonitorLeftOut === undefined ? [] : [azureMonitorLeftOut]),
            "",
            `Cold start (bench/cold-start.ts): spawn -> first tools/list answer, ${coldRuns} interleaved rounds;`,
            "median (p25-p75, min-max); ratios: per round, to the same round's bare spawn and echo. Wall time,",
            "then the CPU time the process used until then (all threads) and the time it waited for a core:",
            "",
            "| variant | ms | ratio to bare spawn | ratio to echo | CPU ms | CPU ratio to bare spawn | CPU ratio to echo | waited for a core, ms |",
            "|---|---|---|---|---|---|---|---|",
            ...cold.map((c: ColdStartResult) => {
                const toEcho = (mine: readonly number[], echo: readonly number[] | undefined) =>
                    formatSpread(spreadOf(mine.map((x, round) => x / (echo?.[round] ?? NaN))), 2);
                return (
                    `| ${c.name} | ${formatSpread(c.ms)} | ${formatSpread(c.ratioToFirst, 2)} | ` +
                    `${toEcho(c.runs, cold[1]?.runs)} | ${formatSpread(c.cpuMs, 1)} | ` +
                    `${formatSpread(c.cpuRatioToFirst, 2)} | ${toEcho(c.cpuRuns, cold[1]?.cpuRuns)} | ` +
                    `${c.waitMs.n > 0 ? formatSpread(c.waitMs) : "-"} |`
                );
            }),
            "",
            `Functions app (bench/functions-load.ts): require of dist/index.js under the worker stand-in, ${coldRuns} fresh processes per build, interleaved:`,
            ...functionsLoads.map(
                (f) =>
                    `${f.name}: ${formatSpread(f.loadMs, 1)} ms` +
                    (f === functionsLoads[0]
                        ? ""
                        : ` (per round, this build / it: ${formatSpread(
                              spreadOf(
                                  f.runs.map((ms, round) => (functionsLoads[0]?.runs[round] ?? NaN) / ms),
                              ),
                              2,
                          )})`) +
                    `, ${f.functions} functions registered; package ${(f.zipBytes / 1024).toFixed(0)} KiB zipped (` +
                    Object.entries(f.files)
                        .map(([name, bytes]) => `dist/${name} ${(bytes / 1024).toFixed(0)} KiB`)
                        .join(", ") +
                    ")",
            ),
        ];
        console.log(lines.join("\n"));
        await mkdir(path.join(__dirname, "results"), { recursive: true });
        await writeFile(
            path.join(__dirname, "results", "latest.json"),
            JSON.stringify(
                {
                    connections,
                    seconds,
                    rounds,
                    processes,
                    node: process.version,
                    results,
                    azureMonitorExport: exports.map(({ name, instance, exported }) => ({
                        name,
                        calls: instance.calls,
                        loadSeconds: instance.loadSeconds,
                        items: Object.fromEntries(exported.received.byBaseType),
                        requestItemsBySampleRate: Object.fromEntries(exported.received.requestSampleRates),
                        posts: exported.received.posts,
                        tokenRequests,
                    })),
                    coldStart: cold,
                    functionsLoad: functionsLoads,
                },
                null,
                2,
            ),
        );
    } finally {
        await stopAll(targets);
        await Promise.all([
            storage.stop(),
            issuer.close(),
            collector.close(),
            "unavailable" in azureMonitor ? undefined : azureMonitor.close(),
        ]);
    }
}

export async function runBenchmark(options: BenchOptions): Promise<void> {
    ({ connections, seconds, rounds, coldRuns, processes, baseline } = options);
    await main();
}
