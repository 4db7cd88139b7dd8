import assert from "node:assert/strict";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { backendPaths, toolNames } from "../src/contract";
import type { SseBackplane } from "../src/node-host/http/sse";
import { jsonLogger } from "../src/logger";
import { NodeHost } from "../src/node-host/host";
import type { SnippetStore } from "../src/storage/snippet-store";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { connectClient, type TransportKind } from "./support/mcp-clients";
import { openEventStream, type ServerSentEvent } from "./support/sse-stream";
import { startStalledStorage, type StalledStorage } from "./support/stalled-storage";

interface JsonRpcAnswer {
    readonly id: unknown;
    readonly result?: Record<string, unknown>;
    readonly error?: { code: number; message: string };
}

const nested = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

/** The outside attack's bodies: 20,000 levels of nesting in params, once with a fractional id. */
const deepBodies: [string, string][] = [
    [
        "params nested 20,000 levels",
        `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hello_mcp","arguments":{"a":${nested(20_000)}}}}`,
    ],
    [
        "a fractional id with deep params",
        `{"jsonrpc":"2.0","id":1.5,"method":"tools/call","params":{"x":${nested(20_000)}}}`,
    ],
];

const malformed: [string, string, Record<string, unknown> | undefined, RegExp][] = [
    ["tools/call without a string name", "tools/call", { arguments: {} }, /name/],
    [
        "tools/call with arguments not an object",
        "tools/call",
        { name: toolNames.hello, arguments: "x" },
        /arguments/,
    ],
    ["tools/list with a numeric cursor", "tools/list", { cursor: 5 }, /cursor/],
    ["initialize without params", "initialize", undefined, /params/],
];

const request = (id: number, method: string, params: Record<string, unknown> | undefined) => ({
    jsonrpc: "2.0",
    id,
    method,
    ...(params === undefined ? {} : { params }),
});

/** A clean Invalid params error: the right code and one short line, not a validation dump. */
function assertInvalidParams(answer: JsonRpcAnswer, mentions: RegExp): void {
    assert.equal(answer.error?.code, -32602, JSON.stringify(answer));
    const message = answer.error.message;
    assert.match(message, /^Invalid params for /);
    assert.match(message, mentions);
    assert.ok(message.length <= 250 && !message.includes("\n"), `short message: ${message}`);
}

describe("Node host: bad input gets 4xx or a clean JSON-RPC error (real process)", function () {
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

    const post = (body: string, headers: Record<string, string> = {}) =>
        fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                ...headers,
            },
            body,
        });

    /** An SSE session on a raw event-stream reader, to see exactly what comes down the stream. */
    async function withSseSession(
        use: (
            post: (body: string) => Promise<Response>,
            next: () => Promise<ServerSentEvent>,
        ) => Promise<void>,
    ): Promise<void> {
        const stream = await openEventStream(host.url + backendPaths.mcpSse);
        try {
            const endpoint = new URL((await stream.next()).data, host.url + backendPaths.mcpSse);
            await use(
                (body) =>
                    fetch(endpoint, {
                        method: "POST",
                        headers: { "content-type": "application/json" },
                        body,
                    }),
                async () => await stream.next(),
            );
        } finally {
            await stream.close();
        }
    }

    describe("nesting", () => {
        for (const [label, body] of deepBodies) {
            it(`answers ${label} with 400 Invalid Request over Streamable HTTP`, async () => {
                const res = await post(body);
                assert.equal(res.status, 400);
                const answer = (await res.json()) as JsonRpcAnswer;
                assert.equal(answer.error?.code, -32600);
                assert.match(answer.error.message, /nested deeper than 64 levels/);
                assert.ok(res.headers.get("x-correlation-id"), "every answer carries a correlation id");
            });
            it(`answers ${label} with 400 over SSE`, async () => {
                await withSseSession(async (postMessage) => {
                    const res = await postMessage(body);
                    assert.equal(res.status, 400);
                    assert.match(((await res.json()) as JsonRpcAnswer).error!.message, /nested deeper/);
                });
            });
        }
        it("still accepts ordinary nesting", async () => {
            const res = await post(
                JSON.stringify(request(1, "tools/list", { _meta: { a: { b: [[{ c: 1 }]] } } })),
            );
            assert.equal(res.status, 200);
            assert.ok(((await res.json()) as JsonRpcAnswer).result);
        });
    });

    describe("malformed params", () => {
        for (const [label, method, params, mentions] of malformed) {
            it(`answers ${label} with -32602 over Streamable HTTP`, async () => {
                const res = await post(JSON.stringify(request(7, method, params)));
                assert.equal(res.status, 200);
                const answer = (await res.json()) as JsonRpcAnswer;
                assert.equal(answer.id, 7);
                assertInvalidParams(answer, mentions);
            });
            it(`answers ${label} with -32602 over SSE`, async () => {
                await withSseSession(async (postMessage, next) => {
                    assert.equal((await postMessage(JSON.stringify(request(8, method, params)))).status, 202);
                    const answer = JSON.parse((await next()).data) as JsonRpcAnswer;
                    assert.equal(answer.id, 8);
                    assertInvalidParams(answer, mentions);
                });
            });
        }
    });

    describe("task-augmented requests (2025-11-25) to a server without tasks", () => {
        const augmented = request(9, "tools/call", {
            name: toolNames.hello,
            arguments: {},
            task: { ttl: 60_000 },
        });
        it("processes the call normally over Streamable HTTP", async () => {
            const res = await post(JSON.stringify(augmented), { "mcp-protocol-version": "2025-11-25" });
            assert.equal(res.status, 200);
            const answer = (await res.json()) as JsonRpcAnswer;
            assert.deepEqual(answer.result, { content: [{ type: "text", text: "Hello I am MCPTool!" }] });
        });
        it("processes the call normally over SSE", async () => {
            await withSseSession(async (postMessage, next) => {
                assert.equal((await postMessage(JSON.stringify(augmented))).status, 202);
                const answer = JSON.parse((await next()).data) as JsonRpcAnswer;
                assert.deepEqual(answer.result, { content: [{ type: "text", text: "Hello I am MCPTool!" }] });
            });
        });
    });

    for (const kind of ["streamable-http", "sse"] as TransportKind[]) {
        it(`gives the official client (${kind}) an unknown-tool error that names its code once`, async () => {
            const client = await connectClient(host.url, kind);
            try {
                await assert.rejects(
                    client.callTool({ name: "no_such_tool", arguments: {} }),
                    (error: unknown) => {
                        assert.ok(error instanceof McpError);
                        assert.equal(error.code, -32602);
                        assert.match(
                            error.message,
                            /^MCP error -32602: Unknown tool 'no_such_tool'\. Available: /,
                        );
                        assert.doesNotMatch(error.message, /MCP error -32602: MCP error/);
                        return true;
                    },
                );
            } finally {
                await client.close();
            }
        });
    }

    it("echoes the gateway's correlation id and makes one when there is none", async () => {
        const ping = JSON.stringify(request(1, "ping", undefined));
        const sent = await post(ping, { "x-correlation-id": "0f8fad5b-d9cb-469f-a165-70867728950e" });
        assert.equal(sent.headers.get("x-correlation-id"), "0f8fad5b-d9cb-469f-a165-70867728950e");
        const made = await post(ping);
        assert.match(made.headers.get("x-correlation-id") ?? "", /^[0-9a-f-]{36}$/);
        const unsafe = await post(ping, { "x-correlation-id": "a b\tc" });
        assert.notEqual(unsafe.headers.get("x-correlation-id"), "a b\tc");
    });
});

describe("Node host: an internal fault is a logged 500 carrying the correlation id (in process)", function () {
    const lines: Record<string, unknown>[] = [];
    let host: NodeHost;
    let url: string;

    /** Storage queues down: relaying a message to the replica that holds the session fails. */
    const failingBackplane: SseBackplane = {
        replicaId: "here",
        start: () => Promise.resolve(),
        relay: () => Promise.reject(new Error("queue service unreachable")),
        stop: () => Promise.resolve(),
    };
    const snippets: SnippetStore = {
        save: () => Promise.resolve(),
        get: () => Promise.resolve(undefined),
        list: () => Promise.resolve([]),
        ping: () => Promise.resolve(),
    };

    before(async () => {
        host = new NodeHost({
            snippets,
            logger: jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
            backplane: failingBackplane,
        });
        url = await host.listen(0, "127.0.0.1");
    });
    after(async () => host?.close(1_000));

    const relayToOtherReplica = (headers: Record<string, string>) =>
        fetch(`${url}${backendPaths.mcpMessage}?sessionId=elsewhere.1`, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: JSON.stringify(request(1, "ping", undefined)),
        });

    it("logs the fault with the gateway's correlation id", async () => {
        const res = await relayToOtherReplica({ "x-correlation-id": "gw-req-42" });
        assert.equal(res.status, 500);
        assert.equal(res.headers.get("x-correlation-id"), "gw-req-42");
        const logged = lines.find((l) => l.level === "error" && l.correlationId === "gw-req-42");
        assert.ok(logged, `an error line with the correlation id in ${JSON.stringify(lines)}`);
        assert.match(String(logged.error), /queue service unreachable/);
    });

    it("logs the fault with the id it made when the request had none", async () => {
        const res = await relayToOtherReplica({});
        assert.equal(res.status, 500);
        const made = res.headers.get("x-correlation-id");
        assert.ok(made);
        assert.ok(lines.some((l) => l.level === "error" && l.correlationId === made));
    });
});
