import { spawn } from "node:child_process";
import { spreadOf, type Spread } from "./spread";

/**
 * Cold start of a server: spawn of `node <file>` to the first 200 answer to tools/list that holds
 * `expect`. The server prints `{"url": ...}` once it listens on port 0; one request follows. Every
 * variant runs once per round, rounds interleaved, so load from other processes on the machine
 * hits all variants alike; figures are medians with their spread, and ratios to the bare spawn.
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
}

const listTools = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const mcpPath = "/runtime/webhooks/mcp";
const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
};

/** Milliseconds from spawn to exit (bare) or to the first tools/list answer holding `expect`. */
export async function coldStartOnce(variant: ColdStartVariant): Promise<number> {
    const begin = performance.now();
    const child = spawn(process.execPath, [...variant.args], {
        cwd: variant.cwd,
        env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...variant.env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
        if (variant.expect === undefined) {
            child.stdout.resume();
            const code = await exited;
            if (code !== 0) throw new Error(`${variant.name} exited with ${code}`);
            return performance.now() - begin;
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
        if (res.status !== 200 || !text.includes(variant.expect))
            throw new Error(`${variant.name} answered tools/list with ${res.status}: ${text.slice(0, 200)}`);
        return performance.now() - begin;
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
    const times = variants.map(() => [] as number[]);
    for (let round = 0; round < runs; round++) {
        for (const [i, variant] of variants.entries()) times[i]?.push(await coldStartOnce(variant));
    }
    const baseline = times[0] ?? [];
    return variants.map((variant, i) => {
        const runsOf = times[i] ?? [];
        return {
            name: variant.name,
            ms: spreadOf(runsOf),
            ratioToFirst: spreadOf(runsOf.map((ms, round) => ms / (baseline[round] ?? NaN))),
            runs: runsOf,
        };
    });
}
