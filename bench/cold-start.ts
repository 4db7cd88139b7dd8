import { spawn } from "node:child_process";
import { readFile, readdir } from "node:fs/promises";
import { spreadOf, type Spread } from "./spread";

/**
 * Cold start of a server: spawn of `node <file>` to the first 200 answer to tools/list that holds
 * `expect`. The server prints `{"url": ...}` once it listens on port 0; one request follows. Every
 * variant runs once per round, rounds interleaved, so load from other processes on the machine
 * hits all variants alike; figures are medians with their spread, and ratios to the bare spawn.
 *
 * Besides the wall time, the CPU time the process used until then (all its threads): on a shared
 * machine the wall time of a start is mostly waiting for a core (the run-queue wait is reported
 * too), while the CPU a start needs hardly moves with the load, so it is the figure a change to the
 * start-up path is judged by.
 */

/** One way of starting a process that is timed. */
export interface ColdStartVariant {
    readonly name: string;
    /** Node arguments: a script and its flags, or `-e 0` for the bare spawn. */
    readonly args: readonly string[];
    readonly env?: Readonly<Record<string, string>>;
    readonly cwd?: string;
    /** Text the tools/list answer must hold; absent: the process is timed until it exits (bare spawn). */
    readonly expect?: string;
}

export interface ColdStartResult {
    readonly name: string;
    readonly ms: Spread;
    /** Median over rounds of (this variant / the first variant), the same round's bare spawn. */
    readonly ratioToFirst: Spread;
    readonly runs: readonly number[];
    /** CPU milliseconds the process used up to the answer (to its exit for the bare spawn). */
    readonly cpuMs: Spread;
    /** Per round, this variant's CPU over the first variant's. */
    readonly cpuRatioToFirst: Spread;
    readonly cpuRuns: readonly number[];
    /** Milliseconds the process waited for a core (run queue) up to the answer; absent for the bare spawn. */
    readonly waitMs: Spread;
}

/** One start: wall time, CPU time, and time spent waiting for a core. */
export interface ColdStart {
    readonly ms: number;
    readonly cpuMs: number;
    readonly waitMs: number;
}

/**
 * The bare spawn's own account of its CPU time at exit (getrusage: every thread, µs): a process that
 * has exited can no longer be read from outside. It costs the spawn a one-line script.
 */
export const bareSpawnArgs = [
    "-e",
    "process.on('exit',()=>{const u=process.cpuUsage();process.stdout.write(JSON.stringify({cpuUs:u.user+u.system}))})",
] as const;

/** CPU and run-queue time of every thread of a live process so far (Linux schedstat, ns), in ms. */
async function schedTimes(pid: number): Promise<{ cpuMs: number; waitMs: number }> {
    let cpuNs = 0;
    let waitNs = 0;
    for (const task of await readdir(`/proc/${pid}/task`)) {
        const fields = await readFile(`/proc/${pid}/task/${task}/schedstat`, "utf8").catch(() => "");
        const [onCpu, waiting] = fields.split(" ");
        cpuNs += Number(onCpu ?? 0);
        waitNs += Number(waiting ?? 0);
    }
    return { cpuMs: cpuNs / 1e6, waitMs: waitNs / 1e6 };
}

const listTools = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const mcpPath = "/runtime/webhooks/mcp";
const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
};

/** From spawn to exit (bare) or to the first tools/list answer holding `expect`. */
export async function coldStartOnce(variant: ColdStartVariant): Promise<ColdStart> {
    const begin = performance.now();
    const child = spawn(process.execPath, [...variant.args], {
        cwd: variant.cwd,
        env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...variant.env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
        if (variant.expect === undefined) {
            let output = "";
            child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
            const code = await exited;
            const ms = performance.now() - begin;
            if (code !== 0) throw new Error(`${variant.name} exited with ${code}`);
            const reported = /"cpuUs":(\d+)/.exec(output)?.[1];
            return { ms, cpuMs: reported === undefined ? NaN : Number(reported) / 1000, waitMs: NaN };
        }
        const url = await new Promise<string>((resolve, reject) => {
            let output = "";
            child.stdout.on("data", (chunk: Buffer) => {
                output += chunk.toString();
                const match = /"url":"([^"]+)"/.exec(output);
                if (match?.[1]) {
                    child.stdout.removeAllListeners("data");
                    child.stdout.resume();
                    resolve(match[1]);
                }
            });
            void exited.then((code) => reject(new Error(`${variant.name} exited with ${code}: ${output}`)));
        });
        const res = await fetch(url + mcpPath, { method: "POST", headers, body: listTools });
        const text = await res.text();
        const ms = performance.now() - begin;
        const times = await schedTimes(child.pid ?? NaN);
        if (res.status !== 200 || !text.includes(variant.expect))
            throw new Error(`${variant.name} answered tools/list with ${res.status}: ${text.slice(0, 200)}`);
        return { ms, ...times };
    } finally {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL");
            await exited;
        }
    }
}

/** `runs` interleaved rounds over `variants`; the first variant is the baseline of the ratios. */
export async function measureColdStarts(
    variants: readonly ColdStartVariant[],
    runs: number,
): Promise<ColdStartResult[]> {
    const starts = variants.map(() => [] as ColdStart[]);
    for (let round = 0; round < runs; round++) {
        for (const [i, variant] of variants.entries()) starts[i]?.push(await coldStartOnce(variant));
    }
    const baseline = starts[0] ?? [];
    return variants.map((variant, i) => {
        const of = starts[i] ?? [];
        const ms = of.map((s) => s.ms);
        const cpu = of.map((s) => s.cpuMs);
        return {
            name: variant.name,
            ms: spreadOf(ms),
            ratioToFirst: spreadOf(ms.map((m, round) => m / (baseline[round]?.ms ?? NaN))),
            runs: ms,
            cpuMs: spreadOf(cpu),
            cpuRatioToFirst: spreadOf(cpu.map((c, round) => c / (baseline[round]?.cpuMs ?? NaN))),
            cpuRuns: cpu,
            waitMs: spreadOf(of.map((s) => s.waitMs).filter((w) => !Number.isNaN(w))),
        };
    });
}
