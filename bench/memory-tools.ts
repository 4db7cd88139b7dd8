import { startServer, type RunningServer } from "./servers/start-server";
import { mkdir, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import autocannon from "autocannon";
import { bundleNodeServer } from "functions-app/bundle";
import { localMemoryContainer, localMemoryDatabase, localServerKey } from "functions-app/local-cosmos";

/**
 * `npm run bench`, memory part: tools/call memory_save and memory_recall (by key and by query)
 * on the Node host bundle with memory in the local Cosmos DB server (its own process; the real
 * @azure/cosmos client in the host), beside hello_mcp on the same host, in interleaved rounds
 * of the same length and concurrency, so the rows compare directly. Each figure is the median round.
 */

export interface MemoryBenchOptions {
    readonly connections: number;
    readonly seconds: number;
    readonly rounds: number;
}

const mcpPath = "/runtime/webhooks/mcp";
const out = path.join(__dirname, ".out", "memory");
/** Notes the caller has when recall by query ranks them (the catalog allows 500 per caller). */
const seededNotes = 50;

const call = (name: string, args: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } });
const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
};

const calls: readonly { readonly name: string; readonly body: string; readonly expect: string }[] = [
    { name: "hello_mcp", body: call("hello_mcp", {}), expect: "Hello I am MCPTool!" },
    {
        name: "memory_save (replace one note)",
        body: call("memory_save", {
            key: "bench-note",
            text: "The billing fix ships on Tuesday.",
            tags: "bench",
        }),
        expect: "Saved note 'bench-note'.",
    },
    { name: "memory_recall by key", body: call("memory_recall", { key: "note-7" }), expect: "note 7" },
    {
        name: `memory_recall by query (${seededNotes} notes)`,
        body: call("memory_recall", { query: "billing invoices", top: 5 }),
        expect: "note-",
    },
];

function start(args: readonly string[], env: Record<string, string>): Promise<RunningServer> {
    return startServer(args, env, path.resolve(__dirname, ".."));
}

function stop(running: RunningServer | undefined): Promise<void> {
    if (!running || running.child.exitCode !== null || running.child.signalCode !== null)
        return Promise.resolve();
    running.child.removeAllListeners("exit");
    return new Promise((resolve) => {
        running.child.once("exit", () => resolve());
        running.child.kill("SIGTERM");
        setTimeout(() => running.child.kill("SIGKILL"), 5000).unref();
    });
}

async function post(url: string, body: string): Promise<string> {
    const res = await fetch(url + mcpPath, { method: "POST", headers, body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${res.status} ${text.slice(0, 200)}`);
    return text;
}

export interface MemoryToolResult {
    readonly name: string;
    readonly requestsPerSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly errors: number;
    readonly non2xx: number;
    readonly rounds: readonly number[];
}

export async function runMemoryBenchmark(options: MemoryBenchOptions): Promise<MemoryToolResult[]> {
    await rm(out, { recursive: true, force: true });
    await mkdir(out, { recursive: true });
    let cosmos: RunningServer | undefined;
    let host: RunningServer | undefined;
    try {
        const [server, startedCosmos] = await Promise.all([
            bundleNodeServer({ outDir: out }),
            start(["--import", "tsx", path.join(__dirname, "servers", "local-cosmos.ts")], {}),
        ]);
        cosmos = startedCosmos;
        // No AUTH_ISSUER: the host's local caller holds every role; its notes are one partition.
        host = await start([server.entry], {
            SNIPPETS_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true",
            MEMORY_COSMOS_ENDPOINT: cosmos.url,
            MEMORY_COSMOS_LOCAL_KEY: localServerKey,
            MEMORY_COSMOS_DATABASE: localMemoryDatabase,
            MEMORY_COSMOS_CONTAINER: localMemoryContainer,
        });
        for (let i = 0; i < seededNotes; i++) {
            const text =
                i % 5 === 0 ? `note ${i}: billing invoices go out on the first` : `note ${i}: nothing to see`;
            await post(host.url, call("memory_save", { key: `note-${i}`, text }));
        }
        const samples = calls.map(() => [] as Awaited<ReturnType<typeof autocannon>>[]);
        for (const c of calls) {
            const answer = await post(host.url, c.body);
            if (!answer.includes(c.expect) || answer.includes('"isError":true')) {
                throw new Error(`${c.name} did not answer as expected: ${answer.slice(0, 200)}`);
            }
        }
        const url = host.url + mcpPath;
        const load = (body: string, duration: number) =>
            autocannon({ url, connections: options.connections, method: "POST", headers, body, duration });
        for (const c of calls) await load(c.body, 2); // warm-up: JIT, the client's connections
        for (let round = 1; round <= options.rounds; round++) {
            for (const [i, c] of calls.entries()) samples[i]!.push(await load(c.body, options.seconds));
            console.error(`memory round ${round}/${options.rounds} done`);
        }
        const results = calls.map((c, i): MemoryToolResult => {
            const rounds = samples[i]!;
            const sorted = [...rounds].sort((a, b) => a.requests.average - b.requests.average);
            const mid = sorted[Math.floor(sorted.length / 2)]!;
            return {
                name: c.name,
                requestsPerSecond: mid.requests.average,
                p50Ms: mid.latency.p50,
                p99Ms: mid.latency.p99,
                errors: rounds.reduce((n, r) => n + r.errors + r.timeouts, 0),
                non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
                rounds: rounds.map((r) => Math.round(r.requests.average)),
            };
        });
        console.log(
            [
                "",
                `Memory tools on the Node host bundle, local Cosmos DB server (@vercel/cosmosdb-server, own process), ` +
                    `${options.connections} connections, ${options.rounds} interleaved rounds of ${options.seconds} s:`,
                "",
                "| tools/call | req/s (median round) | rounds req/s | p50 ms | p99 ms | errors | non-2xx |",
                "|---|---:|---|---:|---:|---:|---:|",
                ...results.map(
                    (r) =>
                        `| ${r.name} | ${r.requestsPerSecond.toFixed(0)} | ${r.rounds.join(", ")} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} | ${r.non2xx} |`,
                ),
            ].join("\n"),
        );
        await mkdir(path.join(__dirname, "results"), { recursive: true });
        await writeFile(
            path.join(__dirname, "results", "memory.json"),
            JSON.stringify({ ...options, node: process.version, seededNotes, results }, null, 2),
        );
        return results;
    } finally {
        await stop(host);
        await stop(cosmos);
    }
}
