/**
 * `npm start` as IDEs and process managers run it: a child process whose top pid (npm) gets
 * SIGTERM or SIGINT. Everything below it must go (npm runs the script through `sh -c`, which dies
 * without passing the signal on), and its ports must be free; a port in use is named with the
 * variable that moves it.
 */
import * as assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, connect, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { descendants, isAlive } from "./process-tree";
import { repositoryRoot, runProcess } from "./run-process";

const loopback = "127.0.0.1";

function startNpm(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
    const child = spawn("npm", ["start"], {
        cwd: repositoryRoot,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    return { child, output: () => output };
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

function exited(child: ChildProcess): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Resolves true if something accepts a connection on the port. */
function answers(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = connect(port, loopback);
        socket.once("connect", () => {
            socket.destroy();
            resolve(true);
        });
        socket.once("error", () => resolve(false));
    });
}

async function occupiedPort(): Promise<Server> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, loopback, resolve));
    return server;
}

/** After `signal` to npm: npm exits, and within a few seconds nothing it started is left. */
async function assertAllStop(child: ChildProcess, signal: NodeJS.Signals, tree: number[]): Promise<void> {
    const started = Date.now();
    child.kill(signal);
    await exited(child);
    await until(
        "every process of the tree to end",
        () => (tree.some(isAlive) ? undefined : true),
        10_000,
    ).catch(() => {
        const left = tree.filter(isAlive);
        assert.fail(`still running ${Date.now() - started} ms after ${signal}: ${left.join(", ")}`);
    });
}

describe("npm start: stopped by its top pid, and ports in use", function () {
    this.timeout(180_000);
    const running: ChildProcess[] = [];
    after(() => {
        for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
    });

    it("SIGTERM to npm after start-up stops the gateway, the host and Azurite and frees their ports", async () => {
        const npm = startNpm({ PORT: "0", GATEWAY_PORT: "0" });
        running.push(npm.child);
        const banner = await until(
            "the start banner",
            () => (/Ctrl-C to stop/.test(npm.output()) ? npm.output() : undefined),
            150_000,
        );
        const port = (pattern: RegExp) => {
            const url = pattern.exec(banner)?.[1];
            assert.ok(url, `the start banner names no address for ${pattern.source}:\n${banner}`);
            return Number(new URL(url).port);
        };
        const ports = {
            gateway: port(/MCP \(Streamable HTTP\)\s+(\S+)/),
            host: port(/Tool host .*?(http:\/\/\S+)/),
            azurite: port(/Storage \(Azurite, in memory\)\s+(\S+)/),
        };
        for (const [name, p] of Object.entries(ports)) assert.ok(await answers(p), `${name} on ${p} answers`);
        const tree = descendants(npm.child.pid!);
        assert.ok(
            tree.some((p) => p.command.includes("local-gateway/src/main.ts")),
            "the command runs below npm",
        );
        assert.ok(
            tree.some((p) => p.command.includes("azurite")),
            "Azurite runs below npm",
        );

        await assertAllStop(
            npm.child,
            "SIGTERM",
            tree.map((p) => p.pid),
        );
        for (const [name, p] of Object.entries(ports))
            assert.equal(await answers(p), false, `${name} port ${p} freed`);
    });

    it("SIGINT to npm during start-up (synthesis running, Azurite up) leaves nothing behind", async () => {
        const npm = startNpm({ PORT: "0", GATEWAY_PORT: "0" });
        running.push(npm.child);
        // Both helpers are up: the synthesis worker and Azurite.
        const tree = await until(
            "the synthesis worker and Azurite",
            () => {
                const now = descendants(npm.child.pid!);
                const both =
                    now.some((p) => p.command.includes("synth-worker")) &&
                    now.some((p) => p.command.includes("azurite"));
                return both ? now : undefined;
            },
            60_000,
        );
        await assertAllStop(
            npm.child,
            "SIGINT",
            tree.map((p) => p.pid),
        );
        assert.doesNotMatch(npm.output(), /Ctrl-C to stop/, "stopped before it was up");
    });

    it("a port in use is refused at once, naming the port and the variable that moves it, exit code 1", async () => {
        const [gatewayHeld, hostHeld] = await Promise.all([occupiedPort(), occupiedPort()]);
        try {
            const gatewayPort = (gatewayHeld.address() as AddressInfo).port;
            const hostPort = (hostHeld.address() as AddressInfo).port;
            const [gateway, host] = await Promise.all([
                runProcess("npm", ["--silent", "start"], { GATEWAY_PORT: String(gatewayPort), PORT: "0" }),
                runProcess("npm", ["--silent", "start"], { GATEWAY_PORT: "0", PORT: String(hostPort) }),
            ]);
            assert.equal(gateway.code, 1, gateway.stderr);
            assert.equal(
                gateway.stderr,
                `npm start: port ${gatewayPort} on 127.0.0.1 (the local gateway) is already in use; stop what holds it, ` +
                    `or choose another port: GATEWAY_PORT=${gatewayPort + 1} npm start (GATEWAY_PORT=0 picks a free one)\n`,
            );
            assert.equal(host.code, 1, host.stderr);
            assert.match(
                host.stderr,
                new RegExp(
                    `^npm start: port ${hostPort} on 127\\.0\\.0\\.1 \\(the tool host\\) is already in use; .* PORT=${hostPort + 1} npm start`,
                ),
            );
        } finally {
            gatewayHeld.close();
            hostHeld.close();
        }
    });
});
