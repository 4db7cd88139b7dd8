import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { backendPaths, toolNames } from "../src/contract";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { connectClient, textOf } from "./support/mcp-clients";
import { residentMiB } from "./support/process-memory";
import { startStalledStorage, type StalledStorage } from "./support/stalled-storage";

/** An SSE client on a raw socket: it reads the endpoint event, then never reads again. */
interface StalledReader {
    readonly messageUrl: string;
    /** Resolves when the server ends the connection. */
    readonly closed: Promise<void>;
    readonly socket: Socket;
}

function openAndStopReading(baseUrl: string): Promise<StalledReader> {
    const url = new URL(baseUrl + backendPaths.mcpSse);
    const socket = connect(Number(url.port), url.hostname);
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.on("error", () => undefined);
    socket.write(`GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
    return new Promise((resolve, reject) => {
        let received = "";
        const onData = (chunk: Buffer) => {
            received += chunk.toString();
            const endpoint = /event: endpoint\ndata: (\S+)\n\n/.exec(received)?.[1];
            if (endpoint === undefined) return;
            socket.off("data", onData);
            socket.pause(); // from here on the kernel buffers fill, then the server's
            resolve({ messageUrl: new URL(endpoint, url).toString(), closed, socket });
        };
        socket.on("data", onData);
        socket.once("error", reject);
    });
}

const postTo = (messageUrl: string, body: unknown) =>
    fetch(messageUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
    });

const batchOf = (method: string, firstId: number, params: object = {}) =>
    Array.from({ length: 100 }, (_, i) => ({ jsonrpc: "2.0", id: firstId + i, method, params }));

describe("Node host: SSE sessions whose client stops reading (real process)", function () {
    let storage: StalledStorage;
    let host: HostProcess;

    before(async () => {
        storage = await startStalledStorage();
        host = await startHostFromSource({ SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString });
    });

    after(async () => {
        const code = await host?.stop();
        await storage?.stop();
        assert.equal(code, 0, "the host exits cleanly on SIGTERM");
    });

    it("ends a session whose answers pile up, with memory bounded and other sessions unaffected", async () => {
        const bystander = await connectClient(host.url, "sse");
        try {
            const stalled = await openAndStopReading(host.url);
            const before = residentMiB(host.child.pid!);
            let posted = 0;
            let status = 202;
            // Each tools/list answer is a few KiB; 400 batches would be over 100 MiB if all were kept.
            while (status === 202 && posted < 400) {
                const res = await postTo(stalled.messageUrl, batchOf("tools/list", posted * 100));
                status = res.status;
                await res.arrayBuffer();
                posted++;
            }
            const after = residentMiB(host.child.pid!);
            console.log(
                `      session ended after ${posted} batches (${posted * 100} calls); ` +
                    `RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MiB`,
            );
            assert.equal(status, 404, `posts kept being accepted (${posted} batches)`);
            // Reading again drains what the kernel held and then finds the server's end of stream.
            stalled.socket.resume();
            await stalled.closed;
            const later = await postTo(stalled.messageUrl, { jsonrpc: "2.0", id: 1, method: "ping" });
            assert.equal(later.status, 404);
            assert.ok(after - before < 64, `RSS grew by ${(after - before).toFixed(0)} MiB`);
            assert.match(host.output(), /"message":"SSE session ended".*client not reading/);

            const hello = await bystander.callTool({ name: toolNames.hello, arguments: {} });
            assert.equal(textOf(hello), "Hello I am MCPTool!");
        } finally {
            await bystander.close();
        }
    });

    it("ends a session with more than 100 requests unanswered (storage stalled)", async () => {
        const stalled = await openAndStopReading(host.url);
        stalled.socket.resume(); // reading is fine here; the answers never come
        const first = await postTo(
            stalled.messageUrl,
            batchOf("tools/call", 0, { name: toolNames.getSnippet, arguments: { snippetname: "x" } }),
        );
        assert.equal(first.status, 202);
        const over = await postTo(stalled.messageUrl, {
            jsonrpc: "2.0",
            id: 100,
            method: "tools/call",
            params: { name: toolNames.getSnippet, arguments: { snippetname: "x" } },
        });
        assert.equal(over.status, 404);
        await stalled.closed;
        const later = await postTo(stalled.messageUrl, { jsonrpc: "2.0", id: 1, method: "ping" });
        assert.equal(later.status, 404);
        assert.match(host.output(), /"message":"SSE session ended".*more than 100 requests unanswered/);
    });
});
