/**
 * The throughput benches' rows: each a server run in one or more processes, loaded in interleaved
 * rounds by the same client (autocannon), its CPU time per request read from /proc.
 */
import { readFile } from "node:fs/promises";
import autocannon from "autocannon";
import type { AzureMonitorExport } from "./azure-monitor-stand-ins";
import { mcpPath, newSampledTraceparent, type LoadRequest } from "./calls";
import { startServer, type RunningServer } from "./servers/start-server";
import { spreadOf } from "./spread";

/** How each round loads a server. */
export interface LoadSettings {
    /** Concurrent connections. */
    readonly connections: number;
    /** Length of one round per process, seconds. */
    readonly seconds: number;
}

/** A server measured: node's arguments (the entry point last), its environment and its request. */
export interface Row {
    readonly name: string;
    readonly args: readonly string[];
    readonly env: Record<string, string>;
    readonly request: LoadRequest;
    /** How many processes of it run; a compared row runs `--processes` of them. */
    readonly processes: number;
    /** An Azure Monitor row: an ingestion stand-in for each process, and the environment to reach it. */
    readonly exportFor?: () => Promise<AzureMonitorExport>;
    /** An Azure Monitor row's rate limit, traces per second (absent: every call is exported). */
    readonly tracesPerSecond?: number;
}

export const row = (
    name: string,
    file: string,
    env: Record<string, string>,
    request: LoadRequest,
    count = 1,
): Row => ({ name, args: [file], env, request, processes: count });

async function stop(running: RunningServer): Promise<void> {
    if (running.child.exitCode !== null || running.child.signalCode !== null) return;
    running.child.removeAllListeners("exit");
    await new Promise<void>((resolve) => {
        running.child.once("exit", () => resolve());
        running.child.kill("SIGTERM");
        setTimeout(() => running.child.kill("SIGKILL"), 5000).unref();
    });
}

/** Peak resident set size of a process so far (Linux VmHWM), in MiB. */
async function peakRssMiB(pid: number): Promise<number> {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
    return kib / 1024;
}

/**
 * CPU time a process has used so far, all its threads (Linux /proc/<pid>/stat utime + stime, in
 * clock ticks of 10 ms), in milliseconds.
 */
async function cpuMs(pid: number): Promise<number> {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Stops every process of every row. */
export async function stopAll(targets: readonly Target[]): Promise<void> {
    await Promise.all(targets.flatMap((t) => t.processes.map((p) => stop(p.running))));
}

export interface Round {
    readonly requestsPerSecond: number;
    /**
     * CPU time the server spent per answered request. Unlike req/s it hardly depends on what else
     * the machine runs, so on a shared machine it is the steadier measure of the per-request path.
     */
    readonly cpuUsPerRequest: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly errors: number;
    readonly non2xx: number;
}

export interface Throughput extends Round {
    readonly name: string;
    readonly rounds: readonly number[];
    /** Each process's CPU µs per request, its median round (one entry for a single-process row). */
    readonly processCpuUsPerRequest: readonly number[];
    /** The median of the processes' peaks. */
    readonly peakRssMiB: number;
}

/** One process of a row and what it did under load. */
export interface LoadedProcess {
    readonly running: RunningServer;
    readonly rounds: Round[];
    /** Every call answered, warm-up included: what an exporting row must have exported spans for. */
    calls: number;
    /** Seconds of load, warm-up included, and the spells of it (each after the host idled). */
    loadSeconds: number;
    spells: number;
    readonly exported?: AzureMonitorExport;
}

export interface Target {
    readonly name: string;
    readonly request: LoadRequest;
    readonly processes: readonly LoadedProcess[];
    /** Per round, the round of the process whose CPU per request was the median of that round. */
    readonly rounds: Round[];
    readonly tracesPerSecond?: number;
}

/** One call checked by hand (every server must really answer hello_mcp), then a warm-up. */
async function prepare(
    name: string,
    instance: LoadedProcess,
    request: LoadRequest,
    settings: LoadSettings,
): Promise<void> {
    const check = await fetch(instance.running.url + mcpPath, { method: "POST", ...request });
    const text = await check.text();
    instance.calls++;
    // The first call and the warm-up right after it: one spell of load.
    instance.spells++;
    if (check.status !== 200 || !text.includes("Hello I am MCPTool!")) {
        throw new Error(`${name} did not answer hello_mcp: ${check.status} ${text.slice(0, 200)}`);
    }
    await load(instance, request, settings.connections, 2); // JIT, pools
}

async function load(instance: LoadedProcess, request: LoadRequest, connections: number, duration: number) {
    const result = await autocannon({
        url: instance.running.url + mcpPath,
        connections,
        method: "POST",
        headers: request.headers,
        body: request.body,
        duration,
        ...(request.traceEachCall
            ? {
                  requests: [
                      {
                          setupRequest: (request) => ({
                              ...request,
                              headers: { ...request.headers, traceparent: newSampledTraceparent() },
                          }),
                      },
                  ],
              }
            : {}),
    });
    instance.calls += result.requests.total;
    instance.loadSeconds += duration;
    return result;
}

async function measureProcessRound(
    instance: LoadedProcess,
    request: LoadRequest,
    settings: LoadSettings,
): Promise<Round> {
    // The host idled while the other rows were loaded.
    instance.spells++;
    const pid = instance.running.child.pid!;
    const cpuBefore = await cpuMs(pid);
    const result = await load(instance, request, settings.connections, settings.seconds);
    const cpu = (await cpuMs(pid)) - cpuBefore;
    const round: Round = {
        requestsPerSecond: result.requests.average,
        cpuUsPerRequest: (1000 * cpu) / Math.max(1, result.requests.total),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
    };
    instance.rounds.push(round);
    return round;
}

/**
 * Loads each of the row's processes in turn; the row's round is its median process's (by CPU per
 * request; with an even count the lower of the middle two), with the errors of all of them.
 */
async function measureRound(target: Target, settings: LoadSettings): Promise<void> {
    const measured: Round[] = [];
    for (const instance of target.processes)
        measured.push(await measureProcessRound(instance, target.request, settings));
    const byCpu = [...measured].sort((x, y) => x.cpuUsPerRequest - y.cpuUsPerRequest);
    const middle = byCpu[Math.floor((byCpu.length - 1) / 2)]!;
    target.rounds.push({
        ...middle,
        errors: measured.reduce((n, r) => n + r.errors, 0),
        non2xx: measured.reduce((n, r) => n + r.non2xx, 0),
    });
}

/** The median round by throughput stands for the server; errors are summed over all rounds. */
export async function summarize(target: Target): Promise<Throughput> {
    const sorted = [...target.rounds].sort((x, y) => x.requestsPerSecond - y.requestsPerSecond);
    const mid = sorted[Math.floor(sorted.length / 2)];
    if (!mid) throw new Error(`${target.name}: no rounds measured`);
    return {
        name: target.name,
        ...mid,
        errors: target.rounds.reduce((n, r) => n + r.errors, 0),
        non2xx: target.rounds.reduce((n, r) => n + r.non2xx, 0),
        rounds: target.rounds.map((r) => Math.round(r.requestsPerSecond)),
        cpuUsPerRequest: median(target.rounds.map((r) => r.cpuUsPerRequest)),
        processCpuUsPerRequest: target.processes.map((p) => median(p.rounds.map((r) => r.cpuUsPerRequest))),
        peakRssMiB: median(await Promise.all(target.processes.map((p) => peakRssMiB(p.running.child.pid!)))),
    };
}

export const median = (xs: number[]) => spreadOf(xs).median;

/** A row's letter, as "(h-am)", from its name. */
export const label = (name: string) => name.slice(0, name.indexOf(")") + 1);

/**
 * Starts every process of every row, each checked with one call and warmed up; `targets` gets each
 * row before its processes start, so a caller's `finally` can stop whatever did start.
 */
export async function startRows(
    rows: readonly Row[],
    cwd: string,
    settings: LoadSettings,
    targets: Target[],
): Promise<void> {
    for (const { name, args, env, request, exportFor, tracesPerSecond, ...rowOf } of rows) {
        const loaded: LoadedProcess[] = [];
        targets.push({
            name,
            request,
            processes: loaded,
            rounds: [],
            ...(tracesPerSecond !== undefined && { tracesPerSecond }),
        });
        for (let i = 0; i < rowOf.processes; i++) {
            const exported = await exportFor?.();
            const running = await startServer(args, { ...env, ...exported?.env }, cwd);
            const instance: LoadedProcess = {
                running,
                rounds: [],
                calls: 0,
                loadSeconds: 0,
                spells: 0,
                ...(exported && { exported }),
            };
            loaded.push(instance);
            await prepare(name, instance, request, settings);
        }
    }
}

/** `rounds` interleaved rounds: each round loads every row in turn, so load drift hits all alike. */
export async function measureRounds(
    targets: readonly Target[],
    settings: LoadSettings,
    rounds: number,
): Promise<void> {
    for (let round = 1; round <= rounds; round++) {
        for (const target of targets) await measureRound(target, settings);
        console.error(`round ${round}/${rounds} done`);
    }
}

/** Per round, `target`'s req/s as a share of `reference`'s, and `reference`'s CPU per request as a share of `target`'s (%). */
export function sharesOf(target: Target, reference: Target): { rate: number[]; cpu: number[] } {
    return {
        rate: target.rounds.map(
            (r, i) => (100 * r.requestsPerSecond) / (reference.rounds[i]?.requestsPerSecond ?? NaN),
        ),
        cpu: target.rounds.map(
            (r, i) => (100 * (reference.rounds[i]?.cpuUsPerRequest ?? NaN)) / r.cpuUsPerRequest,
        ),
    };
}
