import assert from "node:assert/strict";
import { Agent, get, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import { backendPaths, toolNames } from "../src/contract";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";

/** A raw HTTP/1.1 exchange whose request the test sends in pieces, and the answer as it arrives. */
interface RawExchange {
    readonly socket: Socket;
    /** Resolves with the whole answer once the server closes the connection. */
    readonly answer: Promise<{ status: number; headers: Record<string, string>; body: string }>;
}

function openRaw(url: string, firstPart: string): RawExchange {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.write(firstPart);
    const answer = new Promise<{ status: number; headers: Record<string, string>; body: string }>(
        (resolve, reject) => {
            let text = "";
            socket.on("data", (chunk: Buffer) => (text += chunk.toString()));
            socket.once("error", reject);
            socket.once("close", () => {
                const [head = "", ...rest] = text.split("\r\n\r\n");
                const [statusLine = "", ...lines] = head.split("\r\n");
                const headers: Record<string, string> = {};
                for (const line of lines) {
                    const colon = line.indexOf(":");
                    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
                }
                resolve({ status: Number(statusLine.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
            });
        },
    );
    return { socket, answer };
}

function getWith(agent: Agent, url: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => get(url, { agent }, resolve).once("error", reject));
}

describe("Node host: graceful shutdown (real process, real Azurite)", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;

    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
    });

    after(async () => {
        await stopHost?.();
    });

    it("finishes in-flight work with Connection: close, turns readiness 503 and exits well before the grace", async () => {
        // A keep-alive client with an idle pooled connection.
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        const live = await getWith(agent, host.url + backendPaths.liveness);
        assert.equal(live.headers.connection, "keep-alive");
        const keptSocket = live.socket;
        const keptClosed = new Promise<void>((resolve) => keptSocket.once("close", () => resolve()));
        live.resume();

        const ready = await fetch(host.url + backendPaths.readiness);
        assert.equal(ready.status, 200);

        // In flight: a tools/call whose body has only half arrived.
        const body = JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: toolNames.hello, arguments: {} },
        });
        const half = Math.floor(body.length / 2);
        const path = new URL(host.url).host;
        const inFlight = openRaw(
            host.url,
            `POST ${backendPaths.mcpStreamable} HTTP/1.1\r\nHost: ${path}\r\n` +
                `Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
                `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`,
        );
        // A probe whose request has begun on a connection opened before the stop.
        const probe = openRaw(host.url, `GET ${backendPaths.readiness} HTTP/1.1\r\nHost: ${path}\r\n`);
        await new Promise((resolve) => setTimeout(resolve, 100));

        const exited = new Promise<number | null>((resolve) =>
            host.child.once("exit", (code) => resolve(code)),
        );
        const signalled = performance.now();
        host.child.kill("SIGTERM");
        while (!host.output().includes('"message":"stopping"')) {
            await new Promise((resolve) => setTimeout(resolve, 5));
        }

        probe.socket.write("\r\n");
        const probeAnswer = await probe.answer;
        assert.equal(probeAnswer.status, 503);
        assert.equal(probeAnswer.headers.connection, "close");

        inFlight.socket.write(body.slice(half));
        const answer = await inFlight.answer;
        assert.equal(answer.status, 200);
        assert.equal(answer.headers.connection, "close");
        const result = JSON.parse(answer.body) as { result: { content: { text: string }[] } };
        assert.equal(result.result.content[0]?.text, "Hello I am MCPTool!");

        await keptClosed; // the idle keep-alive connection was closed by the host
        const code = await exited;
        const exitMs = performance.now() - signalled;
        console.log(`      exited ${exitMs.toFixed(0)} ms after SIGTERM (grace 10,000 ms)`);
        assert.equal(code, 0);
        assert.ok(exitMs < 2_000, `exited after ${exitMs.toFixed(0)} ms`);
        agent.destroy();
    });
});
