import assert from "node:assert/strict";
import { backendPaths } from "../src/contract";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { openEventStream } from "./support/sse-stream";

const calls = 200;

describe("legacy SSE across replicas (Storage Queue backplane)", function () {
    let storage: LocalStorage;
    let first: HostProcess;
    let second: HostProcess;

    before(async () => {
        storage = await startAzurite();
        const env = {
            SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString,
            SSE_BACKPLANE_CONNECTION_STRING: storage.connectionString,
        };
        [first, second] = await Promise.all([startHostFromSource(env), startHostFromSource(env)]);
    });

    after(async () => {
        const codes = await Promise.all([first?.stop(), second?.stop()]);
        await storage?.stop();
        assert.deepEqual(codes, [0, 0]);
    });

    it(`delivers ${calls} calls posted to the second replica, in order, on the first replica's stream`, async () => {
        const stream = await openEventStream(first.url + backendPaths.mcpSse);
        try {
            const endpointEvent = await stream.next();
            assert.equal(endpointEvent.event, "endpoint");
            assert.match(endpointEvent.data, /^\/runtime\/webhooks\/mcp\/message\?sessionId=[a-z0-9]{12}\./);
            // The endpoint is root-relative; resolved against the *second* replica, as a balancer might route it.
            const postUrl = new URL(endpointEvent.data, second.url + backendPaths.mcpSse).toString();
            const post = async (message: object) => {
                const res = await fetch(postUrl, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify(message),
                });
                assert.equal(res.status, 202, await res.text());
            };

            await post({
                jsonrpc: "2.0",
                id: 0,
                method: "initialize",
                params: {
                    protocolVersion: "2024-11-05",
                    capabilities: {},
                    clientInfo: { name: "relay-test", version: "1" },
                },
            });
            await post({ jsonrpc: "2.0", method: "notifications/initialized" });
            for (let id = 1; id <= calls; id++) {
                await post({
                    jsonrpc: "2.0",
                    id,
                    method: "tools/call",
                    params: { name: "hello_mcp", arguments: {} },
                });
            }

            const ids: number[] = [];
            for await (const event of stream.events) {
                assert.equal(event.event, "message");
                const message = JSON.parse(event.data) as {
                    id: number;
                    result?: { content: { text: string }[] };
                };
                ids.push(message.id);
                if (message.id > 0) assert.equal(message.result?.content[0]?.text, "Hello I am MCPTool!");
                if (ids.length === calls + 1) break;
            }
            assert.deepEqual(
                ids,
                Array.from({ length: calls + 1 }, (_, i) => i),
                "every answer arrives once, in the order the calls were posted",
            );
        } finally {
            await stream.close();
        }
    });

    it("answers 413 for a message too large to relay, and the stream lives on", async () => {
        const stream = await openEventStream(first.url + backendPaths.mcpSse);
        try {
            const endpoint = (await stream.next()).data;
            const res = await fetch(new URL(endpoint, second.url + backendPaths.mcpSse), {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({
                    jsonrpc: "2.0",
                    id: 1,
                    method: "tools/call",
                    params: {
                        name: "save_snippet",
                        arguments: { snippetname: "big", snippet: "x".repeat(62_000) },
                    },
                }),
            });
            assert.equal(res.status, 413);
        } finally {
            await stream.close();
        }
    });

    it("relays a batch's refused members as answers: the first replica's stream carries each with its id", async () => {
        const stream = await openEventStream(first.url + backendPaths.mcpSse);
        try {
            const endpoint = (await stream.next()).data;
            const res = await fetch(new URL(endpoint, second.url + backendPaths.mcpSse), {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify([
                    { jsonrpc: "2.0", id: "ok", method: "ping" },
                    { id: "no-jsonrpc", method: "ping" },
                    {
                        jsonrpc: "2.0",
                        id: "init",
                        method: "initialize",
                        params: {
                            protocolVersion: "2025-03-26",
                            capabilities: {},
                            clientInfo: { name: "r", version: "1" },
                        },
                    },
                    7,
                ]),
            });
            assert.equal(res.status, 202, await res.text());
            const answers = new Map<unknown, { result?: object; error?: { code: number } }>();
            for await (const event of stream.events) {
                const message = JSON.parse(event.data) as {
                    id: unknown;
                    result?: object;
                    error?: { code: number };
                };
                answers.set(message.id, message);
                if (answers.size === 4) break;
            }
            assert.deepEqual(answers.get("ok")?.result, {});
            for (const id of ["no-jsonrpc", "init", null])
                assert.equal(answers.get(id)?.error?.code, -32600, String(id));
        } finally {
            await stream.close();
        }
    });

    it("answers 404 for a session whose replica does not exist", async () => {
        const res = await fetch(`${second.url}${backendPaths.mcpMessage}?sessionId=000000000000.gone`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
        });
        assert.equal(res.status, 404);
    });
});
