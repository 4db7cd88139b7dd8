import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import autocannon from "autocannon";
import { build } from "esbuild";
import { bundleNodeServer } from "../functions-app/scripts/bundle";
import { startAzurite } from "../functions-app/scripts/azurite";

/**
 * `npm run bench`: tools/call hello_mcp over Streamable HTTP, same client (autocannon) and
 * concurrency for every server, all measured in this one run:
 *   (a) our Node host (the bundle that ships),
 *   (b) a bare node:http JSON-RPC echo (the practical limit),
 *   (c) the SDK's documented stateless pattern (express, new McpServer + transport per request);
 * then the Node host's cold start (process start -> first tools/list answer), bundled vs unbundled.
 *
 * Options (env): BENCH_CONNECTIONS (32), BENCH_SECONDS (10), BENCH_COLD_RUNS (15).
 */

const root = path.resolve(__dirname, "..");
const out = path.join(__dirname, ".out");
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const coldRuns = Number(process.env.BENCH_COLD_RUNS ?? 15);
const mcpPath = "/runtime/webhooks/mcp";

const callHello = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "hello_mcp", arguments: {} },
});
const listTools = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
};

interface Running {
    readonly url: string;
    readonly child: ChildProcess;
}

function start(file: string, env: Record<string, string>, cwd = root): Promise<Running> {
    const child = spawn(process.execPath, [file], {
        cwd,
        env: { PATH: process.env.PATH ?? "", HOST: "127.0.0.1", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    return new Promise((resolve, reject) => {
        let output = "";
        child.stdout!.on("data", (c: Buffer) => {
            output += c.toString();
            const m = /"url":"([^"]+)"/.exec(output);
            if (m) {
                child.stdout!.removeAllListeners("data");
                child.stdout!.resume();
                resolve({ url: m[1], child });
            }
        });
        child.once("exit", (code) => reject(new Error(`${file} exited with ${code}: ${output}`)));
    });
}

async function stop(running: Running): Promise<void> {
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

interface Throughput {
    readonly name: string;
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly errors: number;
    readonly non2xx: number;
    readonly peakRssMiB: number;
}

async function measure(name: string, running: Running): Promise<Throughput> {
    // One call checked by hand: every server must really answer hello_mcp.
    const check = await fetch(running.url + mcpPath, { method: "POST", headers, body: callHello });
    const text = await check.text();
    if (check.status !== 200 || !text.includes("Hello I am MCPTool!")) {
        throw new Error(`${name} did not answer hello_mcp: ${check.status} ${text.slice(0, 200)}`);
    }
    const options = {
        url: running.url + mcpPath,
        connections,
        method: "POST" as const,
        headers,
        body: callHello,
    };
    await autocannon({ ...options, duration: 2 }); // warm-up (JIT, pools)
    const result = await autocannon({ ...options, duration: seconds });
    return {
        name,
        requestsPerSecond: result.requests.average,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        peakRssMiB: await peakRssMiB(running.child.pid!),
    };
}

/** Milliseconds from spawn to the first successful tools/list answer. */
async function coldStart(file: string, env: Record<string, string>, cwd: string): Promise<number> {
    const begin = performance.now();
    const running = await start(file, env, cwd);
    for (;;) {
        try {
            const res = await fetch(running.url + mcpPath, { method: "POST", headers, body: listTools });
            if (res.status === 200 && (await res.text()).includes("hello_mcp")) break;
        } catch {
            // not accepting yet
        }
        await new Promise((r) => setTimeout(r, 2));
    }
    const elapsed = performance.now() - begin;
    await stop(running);
    return elapsed;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function compile(entry: string, outfile: string): Promise<string> {
    await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        packages: "external",
        logLevel: "warning",
    });
    return outfile;
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
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    const [server, echo, sdk, unbundled, storage] = await Promise.all([
        bundleNodeServer({ outDir: out }),
        compile(path.join(__dirname, "servers", "echo.ts"), path.join(out, "echo.js")),
        compile(path.join(__dirname, "servers", "sdk-stateless.ts"), path.join(out, "sdk-stateless.js")),
        compileUnbundled(),
        startAzurite(),
    ]);
    const hostEnv = { SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString };
    const results: Throughput[] = [];
    try {
        for (const [name, file, env] of [
            ["(b) node:http JSON-RPC echo", echo, {}],
            ["(a) Node host (bundle)", server.entry, hostEnv],
            ["(c) SDK stateless pattern", sdk, {}],
        ] as const) {
            const running = await start(file, env);
            try {
                results.push(await measure(name, running));
            } finally {
                await stop(running);
            }
            console.error(`measured ${name}`);
        }
        const bundled: number[] = [];
        const fromModules: number[] = [];
        for (let i = 0; i < coldRuns; i++) {
            bundled.push(await coldStart(server.entry, hostEnv, server.directory));
            fromModules.push(await coldStart(unbundled, hostEnv, path.dirname(unbundled)));
        }
        const echoRate = results[0].requestsPerSecond;
        const lines = [
            `tools/call hello_mcp over Streamable HTTP, ${connections} connections, ${seconds} s, Node ${process.version}`,
            "",
            "| server | req/s | % of echo | p50 ms | p99 ms | errors | non-2xx | peak RSS MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            ...results.map(
                (r) =>
                    `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${((100 * r.requestsPerSecond) / echoRate).toFixed(1)}% | ` +
                    `${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.non2xx} | ${r.peakRssMiB.toFixed(0)} |`,
            ),
            "",
            `Cold start (spawn -> first tools/list answer), ${coldRuns} runs each:`,
            "",
            "| variant | median ms | p90 ms |",
            "|---|---:|---:|",
            `| bundled server.js | ${median(bundled).toFixed(0)} | ${percentile(bundled, 90).toFixed(0)} |`,
            `| unbundled (node_modules) | ${median(fromModules).toFixed(0)} | ${percentile(fromModules, 90).toFixed(0)} |`,
        ];
        console.log(lines.join("\n"));
        await mkdir(path.join(__dirname, "results"), { recursive: true });
        await writeFile(
            path.join(__dirname, "results", "latest.json"),
            JSON.stringify(
                {
                    connections,
                    seconds,
                    node: process.version,
                    results,
                    coldStart: { bundled, unbundled: fromModules },
                },
                null,
                2,
            ),
        );
    } finally {
        await storage.stop();
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
