import { startServer, type RunningServer } from "./servers/start-server";
import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import * as path from "node:path";
import autocannon from "autocannon";
import { bundleNodeServer } from "functions-app/bundle";
import { startAzurite } from "functions-app/azurite";
import { startOtlpCollector } from "functions-app/test-support/otlp-collector";
import {
    describeSampleRates,
    exportReport,
    startAzureMonitorStandIns,
    type AzureMonitorExport,
} from "./azure-monitor-stand-ins";
import { sampleRateAttribute } from "functions-app/tracing/sdk";
import { measureColdStarts } from "./cold-start";
import { formatSpread, spreadOf } from "./spread";

/** OTLP's SPAN_KIND_SERVER: a request span, one per recorded trace. */
const otlpServerKind = 2;

/**
 * `npm run bench -- --tracing`: what tracing costs the Node host bundle, all in one run. The same
 * bundle runs six times side by side: tracing off, tracing on with every trace exported (OTLP/HTTP
 * to a local collector, batched as in Azure), with 10% of new traces sampled, with none (the
 * bench's calls carry no traceparent, so nothing is recorded: the floor of having tracing on),
 * with every trace exported by the exporter the stack deploys, Azure Monitor's, as an AKS pod to
 * offline stand-ins (bench/azure-monitor-stand-ins.ts; left out, with the reason, without openssl),
 * and rate-limited at 5 traces a second as the stack deploys it (OTLP, under a service name of its
 * own so the collector counts its spans apart; last, so the variants before it keep their places). Each
 * is loaded with tools/call hello_mcp (no storage: request and tool spans) and get_snippet (plus a
 * storage span), in interleaved rounds so a change in machine load hits all alike; then the
 * cold start of each (spawn to first tools/list answer) and the bundle's sizes. The collector and the
 * ingestion stand-in count what they receive, so the spans exported per call are measured, not
 * assumed; the run fails if the Azure Monitor host did not really export.
 */

export interface TracingCostOptions {
    readonly connections: number;
    readonly seconds: number;
    readonly rounds: number;
    readonly coldRuns: number;
}

const out = path.join(__dirname, ".out", "tracing");
const mcpPath = "/runtime/webhooks/mcp";
const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
};
const call = (name: string, args: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
const calls = [
    { tool: "hello_mcp", body: call("hello_mcp", {}) },
    { tool: "get_snippet", body: call("get_snippet", { snippetname: "bench" }) },
] as const;

/** A host started with `nodeArgs` before its entry point (the Azure Monitor variant's outbound guard). */
function start(
    entry: string,
    env: Record<string, string>,
    nodeArgs: readonly string[],
): Promise<RunningServer> {
    return startServer([...nodeArgs, entry], env, path.dirname(entry));
}

/** SIGTERM (the host exports what it buffered), then waits. */
function stop(running: RunningServer): Promise<void> {
    if (running.child.exitCode !== null || running.child.signalCode !== null) return Promise.resolve();
    running.child.removeAllListeners("exit");
    return new Promise((resolve) => {
        running.child.once("exit", () => resolve());
        running.child.kill("SIGTERM");
        setTimeout(() => running.child.kill("SIGKILL"), 15_000).unref();
    });
}

interface Round {
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly requests: number;
    readonly failures: number;
}

export async function runTracingCost(options: TracingCostOptions): Promise<void> {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const [server, storage, collector, azureMonitor] = await Promise.all([
        bundleNodeServer({ outDir: out }),
        startAzurite(),
        startOtlpCollector(),
        startAzureMonitorStandIns(),
    ]);
    const base = { SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString };
    /** The rate-limited variant's `service.name`, so its spans are counted apart from the others'. */
    const rateLimitedService = "agents-control-plane-tools-rate-limited";
    const rateLimit = 5;
    const otlp = { TRACING_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl };
    const azureMonitorLeftOut =
        "unavailable" in azureMonitor
            ? `Azure Monitor variant left out: ${azureMonitor.unavailable}`
            : undefined;
    if (azureMonitorLeftOut !== undefined) console.error(azureMonitorLeftOut);
    const variants: {
        name: string;
        env: Record<string, string>;
        nodeArgs?: readonly string[];
        exported?: AzureMonitorExport;
    }[] = [
        { name: "tracing off", env: base },
        { name: "tracing on, 100% exported (OTLP/HTTP)", env: { ...base, ...otlp } },
        { name: "tracing on, 10% of new traces", env: { ...base, ...otlp, TRACING_SAMPLE_PERCENT: "10" } },
        {
            name: "tracing on, 0% (callers' sampled traces only)",
            env: { ...base, ...otlp, TRACING_SAMPLE_PERCENT: "0" },
        },
        ...("unavailable" in azureMonitor
            ? []
            : [
                  await azureMonitor.exportFor().then((exported) => ({
                      name: "tracing on, 100% exported (Azure Monitor, stand-ins)",
                      env: { ...base, ...exported.env },
                      nodeArgs: azureMonitor.nodeArgs,
                      exported,
                  })),
              ]),
        {
            name: `tracing on, rate-limited at ${rateLimit} traces/s (OTLP)`,
            env: {
                ...base,
                ...otlp,
                OTEL_SERVICE_NAME: rateLimitedService,
                TRACING_TRACES_PER_SECOND: String(rateLimit),
            },
        },
    ];
    const rateLimitedIndex = variants.length - 1;
    const hosts: RunningServer[] = [];
    try {
        for (const v of variants) hosts.push(await start(server.entry, v.env, v.nodeArgs ?? []));
        const [first] = hosts;
        if (!first) throw new Error("no host started");
        const saved = await fetch(first.url + mcpPath, {
            method: "POST",
            headers,
            body: call("save_snippet", { snippetname: "bench", snippet: "a snippet for the benchmark" }),
        });
        if (saved.status !== 200) throw new Error(`save_snippet answered ${saved.status}`);

        const load = (url: string, body: string, duration: number) =>
            autocannon({
                url: url + mcpPath,
                connections: options.connections,
                method: "POST",
                headers,
                body,
                duration,
            });
        const rounds = new Map<string, Round[]>();
        const key = (variant: number, tool: string) => `${variant}:${tool}`;
        // Every call each host answered, warm-up included: what the Azure Monitor host must have exported.
        const answered = hosts.map(() => 0);
        for (const c of calls)
            for (const [i, h] of hosts.entries())
                answered[i] = (answered[i] ?? 0) + (await load(h.url, c.body, 2)).requests.total; // warm-up: JIT, pools
        const spansBefore = collector.spans.length;
        let tracedRequests = 0;
        let rateLimitedRequests = 0;
        for (let round = 1; round <= options.rounds; round++) {
            for (const c of calls) {
                for (const [i, h] of hosts.entries()) {
                    const r = await load(h.url, c.body, options.seconds);
                    if (i === 1) tracedRequests += r.requests.total;
                    if (i === rateLimitedIndex) rateLimitedRequests += r.requests.total;
                    answered[i] = (answered[i] ?? 0) + r.requests.total;
                    const list = rounds.get(key(i, c.tool)) ?? [];
                    list.push({
                        requestsPerSecond: r.requests.average,
                        p50Ms: r.latency.p50,
                        p99Ms: r.latency.p99,
                        requests: r.requests.total,
                        failures: r.errors + r.timeouts + r.non2xx,
                    });
                    rounds.set(key(i, c.tool), list);
                }
            }
            console.error(`round ${round}/${options.rounds} done`);
        }
        // Stopping flushes each host's batch; the collector then holds every span exported.
        await Promise.all(hosts.map(stop));
        const measuredSpans = collector.spans.slice(spansBefore);
        const fullHost = measuredSpans.filter((s) => s.serviceName === "agents-control-plane-tools");
        const rateLimited = measuredSpans.filter((s) => s.serviceName === rateLimitedService);
        // Its request (server) spans: one per trace recorded, with the rate each was recorded at.
        const rateLimitedTraces = rateLimited.filter((s) => s.kind === otlpServerKind);
        const rateLimitedRates = new Map<number, number>();
        for (const span of rateLimitedTraces) {
            const rate = Number(span.attributes[sampleRateAttribute] ?? 100);
            rateLimitedRates.set(rate, (rateLimitedRates.get(rate) ?? 0) + 1);
        }
        const rateLimitedSeconds = options.rounds * calls.length * options.seconds;
        const tokenRequests = "unavailable" in azureMonitor ? 0 : azureMonitor.tokenRequests();
        const exportReports = variants.flatMap((v, i) =>
            v.exported === undefined
                ? []
                : [exportReport("Azure Monitor host", v.exported, answered[i] ?? 0, tokenRequests)],
        );
        for (const report of exportReports) console.error(report.line);
        const notExported = exportReports.flatMap((r) => (r.problem === undefined ? [] : [r.problem]));
        // A host that exported nothing measured what dropping spans costs, not the exporter.
        if (notExported.length > 0)
            throw new Error(`The Azure Monitor host did not really export:\n${notExported.join("\n")}`);
        const cold = await measureColdStarts(
            variants.map((v) => ({
                name: v.name,
                args: [...(v.nodeArgs ?? []), server.entry],
                env: v.env,
                cwd: server.directory,
                expect: "hello_mcp",
            })),
            options.coldRuns,
        );
        const size = async (file: string) => (await stat(path.join(server.directory, file))).size;
        const sizes = {
            "server.js": await size("server.js"),
            "tracing-sdk.js": await size("tracing-sdk.js"),
            "otlp-exporter.js": await size("otlp-exporter.js"),
            "azure-monitor-exporter.js": await size("azure-monitor-exporter.js"),
            "azure-sdk.js": await size("azure-sdk.js"),
        };

        const median = (xs: number[]) => spreadOf(xs).median;
        const lines = [
            `Tracing cost: Node host bundle, tools/call over Streamable HTTP, ${options.connections} connections, ` +
                `${options.rounds} interleaved rounds of ${options.seconds} s, Node ${process.version}`,
            "",
            "| tool | variant | req/s (median round) | vs off | p50 ms | p99 ms | failures |",
            "|---|---|---:|---:|---:|---:|---:|",
        ];
        const summary: Record<string, unknown>[] = [];
        for (const c of calls) {
            const off = median((rounds.get(key(0, c.tool)) ?? []).map((r) => r.requestsPerSecond));
            for (const [i, v] of variants.entries()) {
                const rs = rounds.get(key(i, c.tool)) ?? [];
                const rps = median(rs.map((r) => r.requestsPerSecond));
                const p50 = median(rs.map((r) => r.p50Ms));
                const p99 = median(rs.map((r) => r.p99Ms));
                const failures = rs.reduce((n, r) => n + r.failures, 0);
                summary.push({
                    tool: c.tool,
                    variant: v.name,
                    requestsPerSecond: rps,
                    p50Ms: p50,
                    p99Ms: p99,
                    failures,
                });
                lines.push(
                    `| ${c.tool} | ${v.name} | ${rps.toFixed(0)} | ${((100 * rps) / off - 100).toFixed(1)}% | ${p50} | ${p99} | ${failures} |`,
                );
            }
        }
        lines.push(
            "",
            `Spans exported by the 100% host: ${fullHost.length} for ${tracedRequests} measured calls ` +
                `(${(fullHost.length / Math.max(1, tracedRequests)).toFixed(2)} per call; hello_mcp makes 2, get_snippet 3)`,
            ...exportReports.map(
                (r) =>
                    `${r.line}, all calls answered, warm-up included (a call makes 1 request item; ` +
                    "hello_mcp 1 dependency item, get_snippet 2)",
            ),
            `Traces recorded by the rate-limited host: ${rateLimitedTraces.length} (${rateLimited.length} spans) ` +
                `for ${rateLimitedRequests} measured calls in ${rateLimitedSeconds} s of load, ` +
                `${(rateLimitedTraces.length / Math.max(1, rateLimitedSeconds)).toFixed(1)} a second ` +
                `(target ${rateLimit}, and up to about 18 more each time load comes back after idle, ` +
                `${(options.rounds + 1) * calls.length} times here with the warm-ups, whose late exports the count may ` +
                `include); request spans by sample rate: ` +
                `${describeSampleRates(rateLimitedRates).line}, counted back by Application Insights (100/rate ` +
                `each) to ${Math.round(describeSampleRates(rateLimitedRates).countedBack)} calls`,
            ...(azureMonitorLeftOut === undefined ? [] : [azureMonitorLeftOut]),
            "",
            `Cold start (spawn -> first tools/list answer), ${options.coldRuns} interleaved rounds, median (p25-p75, min-max):`,
            ...(azureMonitorLeftOut === undefined
                ? [
                      "(the Azure Monitor host's includes its stand-ins' NODE_EXTRA_CA_CERTS, which production does " +
                          "not set: Node then loads its root certificates at start, some 15-30 ms of CPU)",
                  ]
                : []),
            "",
            "| variant | ms | ratio to off | CPU ms (all threads) | CPU ratio to off |",
            "|---|---|---|---|---|",
            ...cold.map(
                (c) =>
                    `| ${c.name} | ${formatSpread(c.ms)} | ${formatSpread(c.ratioToFirst, 2)} | ` +
                    `${formatSpread(c.cpuMs, 1)} | ${formatSpread(c.cpuRatioToFirst, 2)} |`,
            ),
            "",
            `Bundle: ${Object.entries(sizes)
                .map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KiB`)
                .join(", ")} (tracing-sdk.js is read only when TRACING_EXPORTER is set, ` +
                "an exporter's file on the first export)",
        );
        console.log(lines.join("\n"));
        await mkdir(path.join(__dirname, "results"), { recursive: true });
        await writeFile(
            path.join(__dirname, "results", "tracing.json"),
            JSON.stringify(
                {
                    ...options,
                    node: process.version,
                    throughput: summary,
                    coldStart: cold,
                    sizes,
                    spans: fullHost.length,
                    tracedRequests,
                    rateLimited: {
                        tracesPerSecond: rateLimit,
                        traces: rateLimitedTraces.length,
                        spans: rateLimited.length,
                        calls: rateLimitedRequests,
                        seconds: rateLimitedSeconds,
                        tracesBySampleRate: Object.fromEntries(rateLimitedRates),
                    },
                    azureMonitorExport: variants.flatMap((v, i) =>
                        v.exported === undefined
                            ? []
                            : [
                                  {
                                      calls: answered[i],
                                      items: Object.fromEntries(v.exported.received.byBaseType),
                                      posts: v.exported.received.posts,
                                      tokenRequests,
                                  },
                              ],
                    ),
                },
                null,
                2,
            ),
        );
    } finally {
        await Promise.all(hosts.map(stop));
        await collector.close();
        await storage.stop();
        if (!("unavailable" in azureMonitor)) await azureMonitor.close();
    }
}
