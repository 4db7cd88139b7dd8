/**
 * `npm run bench -- --local-gateway`: what one call costs through the local gateway (`npm start`'s
 * dev stack: its rendered policies with request validation and audit-mode content screening, the
 * tool host behind it). For each call kind, N sequential calls per round: CPU milliseconds per call
 * of the process that runs gateway, host and stand-ins (Azurite has its own process and is not
 * counted; neither is this client), and wall-clock p50/p99. `--baseline <checkout>` runs an earlier
 * checkout's gateway (a folder with its own node_modules) beside this one, in interleaved rounds,
 * for a before/after from one run on one machine.
 */
import { fork, type ChildProcess } from "node:child_process";
import { Agent, request } from "node:http";
import * as path from "node:path";
import type { PlaneMessage, PlaneRequest } from "./local-gateway-plane";

export interface LocalGatewayBenchOptions {
    /** Sequential calls per kind per round (at most the stack's 120 calls per caller per minute). */
    readonly calls: number;
    readonly rounds: number;
    /** An earlier checkout to measure beside this one. */
    readonly baseline?: string;
}

/** A call kind: the roles its token carries (none: no token) and the JSON-RPC request it sends. */
interface CallKind {
    readonly name: string;
    readonly roles: readonly string[] | undefined;
    readonly status: number;
    body(i: number, round: number): string;
}

const toolCall = (id: number, name: string, args: Record<string, string>) =>
    JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

const callKinds: readonly CallKind[] = [
    {
        name: "hello_mcp",
        roles: ["Tools.Invoke"],
        status: 200,
        body: (i) => toolCall(i, "hello_mcp", {}),
    },
    {
        name: "refused (no token)",
        roles: undefined,
        status: 401,
        body: (i) => toolCall(i, "hello_mcp", {}),
    },
    {
        name: "save_snippet (1 KiB)",
        roles: ["Tools.Invoke", "Snippets.Write"],
        status: 200,
        body: (i, round) =>
            toolCall(i, "save_snippet", {
                snippetname: `bench-${round}-${i}`,
                snippet: "quarterly figures ".repeat(57),
            }),
    },
];

/** One control plane in a child process, and the requests it answers over IPC. */
class PlaneProcess {
    private nextId = 0;
    private readonly pending = new Map<number, (value: string | number) => void>();

    private constructor(
        readonly label: string,
        readonly child: ChildProcess,
        readonly mcpUrl: string,
    ) {
        child.on("message", (message: PlaneMessage) => {
            if (message.kind !== "answer") return;
            this.pending.get(message.id)?.(message.value);
            this.pending.delete(message.id);
        });
    }

    static start(label: string, root: string): Promise<PlaneProcess> {
        const child = fork(path.join(__dirname, "local-gateway-plane.ts"), [root], {
            cwd: root,
            execArgv: ["--import", "tsx"],
            stdio: ["ignore", "ignore", "inherit", "ipc"],
        });
        return new Promise((resolve, reject) => {
            child.once("exit", (code) => reject(new Error(`${label}: the control plane exited (${code})`)));
            child.once("message", (message: PlaneMessage) => {
                if (message.kind === "ready") resolve(new PlaneProcess(label, child, message.mcpUrl));
            });
        });
    }

    private ask(request: PlaneRequest): Promise<string | number> {
        return new Promise((resolve) => {
            this.pending.set(request.id, resolve);
            this.child.send(request);
        });
    }

    /** A token for a new caller with these roles. */
    async token(roles: readonly string[]): Promise<string> {
        return String(await this.ask({ kind: "token", id: this.nextId++, roles }));
    }

    /** The child's CPU time so far, in milliseconds. */
    async cpuMs(): Promise<number> {
        return Number(await this.ask({ kind: "cpu", id: this.nextId++ }));
    }

    async stop(): Promise<void> {
        this.child.removeAllListeners("exit");
        const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
        await this.ask({ kind: "stop", id: this.nextId++ });
        await exited;
    }
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(
    url: string,
    body: string,
    token: string | undefined,
): Promise<{ status: number; text: string }> {
    const target = new URL(url);
    return new Promise((resolve, reject) => {
        const req = request(
            {
                host: target.hostname,
                port: target.port,
                path: target.pathname,
                method: "POST",
                agent,
                headers: {
                    "content-type": "application/json",
                    accept: "application/json, text/event-stream",
                    "mcp-protocol-version": "2025-06-18",
                    "content-length": Buffer.byteLength(body),
                    ...(token ? { authorization: `Bearer ${token}` } : {}),
                },
            },
            (res) => {
                let text = "";
                res.setEncoding("utf8");
                res.on("data", (chunk: string) => (text += chunk));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
                res.on("error", reject);
            },
        );
        req.on("error", reject);
        req.end(body);
    });
}

interface Sample {
    cpuMs: number;
    calls: number;
    readonly wallMs: number[];
}

/** `calls` sequential calls of one kind; adds their CPU time and wall times to the sample. */
async function measure(plane: PlaneProcess, kind: CallKind, calls: number, round: number, into: Sample) {
    const token = kind.roles ? await plane.token(kind.roles) : undefined;
    const cpuBefore = await plane.cpuMs();
    for (let i = 0; i < calls; i++) {
        const started = performance.now();
        const answer = await post(plane.mcpUrl, kind.body(i, round), token);
        into.wallMs.push(performance.now() - started);
        if (answer.status !== kind.status || (kind.status === 200 && !answer.text.includes('"result"')))
            throw new Error(`${plane.label} ${kind.name}: ${answer.status} ${answer.text.slice(0, 300)}`);
    }
    // The IPC exchange itself costs the child a few microseconds, once per round.
    into.cpuMs += (await plane.cpuMs()) - cpuBefore;
    into.calls += calls;
}

const percentile = (sorted: readonly number[], p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

export async function runLocalGatewayBench(options: LocalGatewayBenchOptions): Promise<void> {
    const builds: [string, string][] = [["this checkout", path.resolve(__dirname, "..")]];
    if (options.baseline) builds.unshift(["baseline", options.baseline]);
    const planes: PlaneProcess[] = [];
    try {
        for (const [label, root] of builds) planes.push(await PlaneProcess.start(label, root));
        const samples = planes.map(() => callKinds.map((): Sample => ({ cpuMs: 0, calls: 0, wallMs: [] })));
        // Warm-up: JIT, token caches, connection pools, the host's first storage calls.
        for (const plane of planes)
            for (const kind of callKinds)
                await measure(plane, kind, 10, -1, { cpuMs: 0, calls: 0, wallMs: [] });
        for (let round = 0; round < options.rounds; round++)
            for (const [p, plane] of planes.entries())
                for (const [k, kind] of callKinds.entries()) {
                    const sample = samples[p]?.[k];
                    if (sample) await measure(plane, kind, options.calls, round, sample);
                }
        console.log(
            `local gateway, dev stack: ${options.calls} sequential calls x ${options.rounds} rounds per kind` +
                " (CPU of the gateway's process: gateway, tool host, stand-ins)",
        );
        for (const [p, plane] of planes.entries()) {
            console.log(`  ${plane.label}`);
            for (const [k, kind] of callKinds.entries()) {
                const sample = samples[p]?.[k];
                if (!sample) continue;
                const sorted = [...sample.wallMs].sort((a, b) => a - b);
                console.log(
                    `    ${kind.name.padEnd(22)} CPU ${(sample.cpuMs / sample.calls).toFixed(2).padStart(6)} ms/call` +
                        `   wall p50 ${percentile(sorted, 50).toFixed(2).padStart(6)} ms` +
                        `   p99 ${percentile(sorted, 99).toFixed(2).padStart(6)} ms`,
                );
            }
        }
    } finally {
        agent.destroy();
        for (const plane of planes) await plane.stop().catch(() => plane.child.kill());
    }
}
