import { mkdir, rm } from "node:fs/promises";
import * as path from "node:path";
import { bundleNodeServer } from "functions-app/bundle";
import { startAzurite } from "functions-app/azurite";
import { appRoles, forwardedCallerHeader } from "functions-app/contract";
import { startOtlpCollector } from "functions-app/test-support/otlp-collector";
import { startTokenIssuer } from "functions-app/test-support/token-issuer";
import { aksLike, benchAudience } from "./calls";
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
import { compile } from "./compile";
import { machineLine, runStart } from "./machine";
import { formatSpread, spreadOf } from "./spread";

/**
 * `npm run bench -- --features`: what each feature the AKS backend runs with costs per call, switched
 * on one at a time by configuration in the same bundle, every row loaded with the gateway's request
 * (a kilobyte of token, the forwarded caller and roles, the correlation id) in interleaved rounds:
 *   (b-aks) the node:http echo given that request: the raw limit;
 *   (f0) the host with nothing configured (auth off: the token and forwarded headers are ignored);
 *   (f1) + the Host and Origin checks (ALLOWED_ORIGINS, PUBLIC_BASE_URL);
 *   (f2) + auth on, with the agent's own token carrying the tool's role (the forwarded headers,
 *        still sent, are not believed from a token that is not the gateway's);
 *   (f3) + the gateway's token, the forwarded caller and roles believed and checked per tool: the
 *        host as on AKS, row (g) of the main bench;
 *   (f3t) the same, each call with a sampled traceparent of its own trace, as the gateway sends
 *        them, tracing off: the client builds every request anew, which slows it, so (f4) is
 *        compared with a row loaded the same way (an echo loaded so is held back by the client
 *        and idles between requests, which raises its CPU per request: it is not the raw limit);
 *   (f4) + tracing as deployed, rate-limited at 5 traces/s, exported over OTLP/HTTP to a collector
 *        on loopback (the main bench's (i) exports to Azure Monitor's stand-ins instead).
 * Batch and nesting bounds and the correlation id are always on, so (f0) includes them. A step's
 * cost is, per round, the CPU µs per request of its row minus the row before it (median and spread
 * over the rounds); every row runs in `--processes` processes, its round being its median process's.
 */

export interface FeatureCostOptions {
    readonly connections: number;
    readonly seconds: number;
    readonly rounds: number;
    readonly processes: number;
}

/** OTLP's SPAN_KIND_SERVER: a request span, one per recorded trace. */
const otlpServerKind = 2;
const root = path.resolve(__dirname, "..");
const out = path.join(__dirname, ".out", "features");

/** Per round, `target`'s CPU µs per request minus `before`'s: what the step between them costs. */
const stepCost = (target: Target, before: Target) =>
    spreadOf(target.rounds.map((r, k) => r.cpuUsPerRequest - (before.rounds[k]?.cpuUsPerRequest ?? NaN)));

export async function runFeatureCost(options: FeatureCostOptions): Promise<void> {
    const start = runStart();
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const [server, echo, storage, issuer, collector] = await Promise.all([
        bundleNodeServer({ outDir: out }),
        compile(path.join(__dirname, "servers", "echo.ts"), path.join(out, "echo.js")),
        startAzurite(),
        startTokenIssuer(),
        startOtlpCollector(),
    ]);
    const targets: Target[] = [];
    try {
        const aks = await aksLike(issuer);
        const hostEnv = { SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString };
        const origins = {
            ALLOWED_ORIGINS: aks.env.ALLOWED_ORIGINS ?? "",
            PUBLIC_BASE_URL: aks.env.PUBLIC_BASE_URL ?? "",
        };
        // The same claims as the gateway's token but the agent's own id and the tool's role.
        const agentToken = await issuer.sign(
            {
                aud: benchAudience,
                azp: aks.request.headers[forwardedCallerHeader],
                roles: [appRoles.toolsInvoke],
            },
            { expiresIn: "2h" },
        );
        const agentRequest = {
            ...aks.request,
            headers: { ...aks.request.headers, authorization: `Bearer ${agentToken}` },
        };
        const { processes } = options;
        const rows: Row[] = [
            row("(b-aks) node:http JSON-RPC echo, the gateway's request", echo, {}, aks.request, processes),
            row(
                "(f0) Node host, nothing configured (auth off)",
                server.entry,
                hostEnv,
                aks.request,
                processes,
            ),
            row(
                "(f1) + Host and Origin checks",
                server.entry,
                { ...hostEnv, ...origins },
                aks.request,
                processes,
            ),
            row(
                "(f2) + auth on, the agent's own token",
                server.entry,
                { ...hostEnv, ...aks.env },
                agentRequest,
                processes,
            ),
            row(
                "(f3) + the gateway's token, forwarded caller and roles (as on AKS)",
                server.entry,
                { ...hostEnv, ...aks.env },
                aks.request,
                processes,
            ),
            row(
                "(f3t) + a traceparent of its own per call, tracing off",
                server.entry,
                { ...hostEnv, ...aks.env },
                { ...aks.request, traceEachCall: true },
                processes,
            ),
            row(
                "(f4) + tracing as deployed, 5 traces/s (OTLP)",
                server.entry,
                {
                    ...hostEnv,
                    ...aks.env,
                    TRACING_EXPORTER: "otlp",
                    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl,
                    TRACING_TRACES_PER_SECOND: "5",
                },
                { ...aks.request, traceEachCall: true },
                processes,
            ),
        ];
        const settings = { connections: options.connections, seconds: options.seconds };
        await startRows(rows, root, settings, targets);
        await measureRounds(targets, settings, options.rounds);
        const results = await Promise.all(targets.map(summarize));
        const [echoTarget] = targets;
        if (!echoTarget) throw new Error("the echo must be measured");
        // Stopping exports what (f4)'s batch still holds.
        await stopAll(targets);
        const requestSpans = collector.spans.filter((span) => span.kind === otlpServerKind).length;
        // (f4), the one traced row, is the last.
        const calls = targets.at(-1)?.processes.reduce((n, p) => n + p.calls, 0) ?? 0;
        if (requestSpans === 0)
            throw new Error("(f4) exported no request span: its figures are not tracing's");
        const failed = results.filter((r) => r.errors + r.non2xx > 0);
        if (failed.length > 0)
            throw new Error(`rows with failed calls: ${failed.map((r) => label(r.name)).join(", ")}`);
        const lines = [
            machineLine(start),
            "",
            `tools/call hello_mcp as the gateway forwards it, ${options.connections} connections, ${options.rounds} interleaved rounds of ${options.seconds} s, ` +
                `${options.processes} process(es) per row (a row's round is its median process's), Node ${process.version}`,
            "",
            "| row | CPU µs/request | echo's CPU/request as % (per-round median) | step's cost, CPU µs/request: median (p25-p75, min-max) over rounds | req/s (median round) | p99 ms | processes' CPU µs/request |",
            "|---|---:|---:|---|---:|---:|---|",
            ...targets.map((target, i) => {
                const result = results[i]!;
                const before = targets[i - 1];
                // (f0)'s step is over the echo: the host's own path with no feature configured.
                const step = before === undefined ? "-" : formatSpread(stepCost(target, before), 1);
                return (
                    `| ${result.name} | ${result.cpuUsPerRequest.toFixed(1)} | ` +
                    `${i === 0 ? "100.0%" : median(sharesOf(target, echoTarget).cpu).toFixed(1) + "%"} | ${step} | ` +
                    `${result.requestsPerSecond.toFixed(0)} | ${result.p99Ms} | ` +
                    `${result.processCpuUsPerRequest.map((x) => x.toFixed(1)).join(", ")} |`
                );
            }),
            "",
            `request spans the collector received from (f4): ${requestSpans} for ${calls} calls answered, warm-up included ` +
                "(rate-limited at 5 traces a second while loaded)",
        ];
        console.log(lines.join("\n"));
    } finally {
        await stopAll(targets);
        await Promise.all([storage.stop(), issuer.close(), collector.close()]);
    }
}
