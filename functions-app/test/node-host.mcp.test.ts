import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { backendPaths, toolNames } from "../src/contract";
import { sampleIncidents } from "../src/sentinel";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { connectClient, textOf, type TransportKind } from "./support/mcp-clients";
import { openEventStream } from "./support/sse-stream";

const allTools = Object.values(toolNames).sort();

describe("Node host over MCP (real process, real Azurite, official client)", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;

    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
    });

    after(async () => {
        const code = await stopHost?.();
        assert.equal(code, 0, "the host exits cleanly on SIGTERM");
    });

    for (const kind of ["streamable-http", "sse"] as TransportKind[]) {
        describe(kind, () => {
            let client: Client;
            before(async () => (client = await connectClient(host.url, kind)));
            after(async () => client?.close());

            it("initializes with the server's identity and tool capability", () => {
                assert.equal(client.getServerVersion()?.name, "agents-control-plane-tools");
                assert.ok(client.getServerCapabilities()?.tools);
                assert.match(client.getInstructions() ?? "", /snippets/);
            });

            it("lists every catalog tool with a JSON schema", async () => {
                const { tools } = await client.listTools();
                assert.deepEqual(tools.map((t) => t.name).sort(), allTools);
                const save = tools.find((t) => t.name === toolNames.saveSnippet)!;
                assert.deepEqual(save.inputSchema.required, ["snippetname", "snippet"]);
                assert.equal(
                    (save.inputSchema.properties as Record<string, { type: string }>).snippet?.type,
                    "string",
                );
                const analyze = tools.find((t) => t.name === toolNames.analyzeIncident)!;
                assert.equal(
                    (analyze.inputSchema.properties as Record<string, { type: string }>).incident?.type,
                    "object",
                );
                for (const t of tools)
                    assert.ok(t.description && t.description.length > 10, `${t.name} has a description`);
            });

            it("publishes no empty required list (draft-04 validators reject one)", async () => {
                const { tools } = await client.listTools();
                const hello = tools.find((t) => t.name === toolNames.hello)!;
                assert.equal("required" in hello.inputSchema, false, "hello_mcp takes no arguments");
                for (const t of tools) {
                    const required = t.inputSchema.required;
                    if (required !== undefined)
                        assert.ok(required.length > 0, `${t.name}: required is empty`);
                }
            });

            it("calls hello_mcp", async () => {
                const result = await client.callTool({ name: toolNames.hello, arguments: {} });
                assert.equal(result.isError, undefined);
                assert.equal(textOf(result), "Hello I am MCPTool!");
            });

            it("saves, gets and lists a snippet", async () => {
                const name = `note-${kind}`;
                const body = `console.log("from ${kind}") // ünïcode ✓`;
                const saved = await client.callTool({
                    name: toolNames.saveSnippet,
                    arguments: { snippetname: name, snippet: body },
                });
                assert.equal(saved.isError, undefined, textOf(saved));
                const got = await client.callTool({
                    name: toolNames.getSnippet,
                    arguments: { snippetname: name },
                });
                assert.equal(textOf(got), body);
                const listed = await client.callTool({
                    name: toolNames.listSnippets,
                    arguments: { prefix: "note-" },
                });
                const names = (JSON.parse(textOf(listed)) as { snippets: { name: string; bytes: number }[] })
                    .snippets;
                const entry = names.find((s) => s.name === name);
                assert.ok(entry, `listed ${JSON.stringify(names)}`);
                assert.equal(entry.bytes, Buffer.byteLength(body));
            });

            it("analyzes an incident", async () => {
                const result = await client.callTool({
                    name: toolNames.analyzeIncident,
                    arguments: {
                        incident: {
                            incidentId: "tool-1",
                            severity: "High",
                            entities: [{ type: "Account", name: "user@domain.com" }],
                            alertContext: {
                                description: "Suspicious login detected",
                                timestamp: new Date().toISOString(),
                            },
                        },
                    },
                });
                assert.equal(result.isError, undefined, textOf(result));
                const analysis = JSON.parse(textOf(result)) as {
                    incidentId: string;
                    confidenceScore: number;
                };
                assert.equal(analysis.incidentId, "tool-1");
                assert.ok(analysis.confidenceScore > 0 && analysis.confidenceScore <= 1);
                assert.deepEqual(result.structuredContent, analysis);
            });

            const badCalls: [string, string, Record<string, unknown>, RegExp][] = [
                ["missing argument", toolNames.saveSnippet, { snippetname: "x" }, /snippet: required/],
                [
                    "path traversal",
                    toolNames.getSnippet,
                    { snippetname: "../secrets" },
                    /snippetname: must be 1-64/,
                ],
                ["slash in name", toolNames.saveSnippet, { snippetname: "a/b", snippet: "x" }, /snippetname/],
                [
                    "wrong type",
                    toolNames.saveSnippet,
                    { snippetname: "ok", snippet: 42 },
                    /snippet: must be a string/,
                ],
                [
                    "oversized body",
                    toolNames.saveSnippet,
                    { snippetname: "big", snippet: "x".repeat(70_000) },
                    /at most 65536 bytes/,
                ],
                ["unknown argument", toolNames.hello, { extra: true }, /extra: unknown argument/],
                ["unknown snippet", toolNames.getSnippet, { snippetname: "never-saved" }, /not found/],
                [
                    "invalid incident",
                    toolNames.analyzeIncident,
                    { incident: { severity: "Bad" } },
                    /Invalid incident/,
                ],
            ];
            for (const [label, name, args, message] of badCalls) {
                it(`rejects ${label} with an MCP tool error`, async () => {
                    const result = await client.callTool({ name, arguments: args });
                    assert.equal(result.isError, true);
                    assert.match(textOf(result), message);
                });
            }

            it("answers an unknown tool with a JSON-RPC invalid-params error", async () => {
                await assert.rejects(
                    client.callTool({ name: "no_such_tool", arguments: {} }),
                    (error: unknown) => {
                        assert.ok(error instanceof McpError);
                        assert.equal(error.code, -32602);
                        assert.match(error.message, /Unknown tool 'no_such_tool'/);
                        return true;
                    },
                );
            });
        });
    }

    it("sees over SSE what was saved over Streamable HTTP", async () => {
        const writer = await connectClient(host.url, "streamable-http");
        const reader = await connectClient(host.url, "sse");
        try {
            await writer.callTool({
                name: toolNames.saveSnippet,
                arguments: { snippetname: "shared", snippet: "one" },
            });
            const got = await reader.callTool({
                name: toolNames.getSnippet,
                arguments: { snippetname: "shared" },
            });
            assert.equal(textOf(got), "one");
        } finally {
            await writer.close();
            await reader.close();
        }
    });

    describe("Streamable HTTP transport rules", () => {
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
        const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });

        it("answers a request with JSON", async () => {
            const res = await post(ping);
            assert.equal(res.status, 200);
            assert.deepEqual(await res.json(), { jsonrpc: "2.0", id: 1, result: {} });
        });
        it("accepts a notification with 202 and no body", async () => {
            const res = await post(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
            assert.equal(res.status, 202);
            assert.equal(await res.text(), "");
        });
        it("answers a batch with an array", async () => {
            const res = await post(
                JSON.stringify([
                    { jsonrpc: "2.0", id: "a", method: "ping" },
                    { jsonrpc: "2.0", id: "b", method: "tools/list" },
                ]),
            );
            const body = (await res.json()) as { id: string }[];
            assert.deepEqual(
                body.map((m) => m.id),
                ["a", "b"],
            );
        });
        it("refuses GET and DELETE with 405 (stateless)", async () => {
            for (const method of ["GET", "DELETE"]) {
                const res = await fetch(host.url + backendPaths.mcpStreamable, { method });
                assert.equal(res.status, 405);
                assert.equal(res.headers.get("allow"), "POST");
            }
        });
        it("requires Accept to name JSON and event streams (406)", async () => {
            assert.equal((await post(ping, { accept: "application/json" })).status, 406);
        });
        it("requires a JSON content type (415)", async () => {
            assert.equal((await post(ping, { "content-type": "text/plain" })).status, 415);
        });
        it("rejects an unsupported MCP-Protocol-Version (400)", async () => {
            const res = await post(ping, { "mcp-protocol-version": "1999-01-01" });
            assert.equal(res.status, 400);
            assert.match(((await res.json()) as { error: { message: string } }).error.message, /Unsupported/);
        });
        it("answers malformed JSON with a parse error", async () => {
            const res = await post("{not json");
            assert.equal(res.status, 400);
            assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32700);
        });
        it("answers a non-JSON-RPC body with invalid request", async () => {
            const res = await post(JSON.stringify({ hello: "world" }));
            assert.equal(res.status, 400);
            assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32600);
        });
        it("refuses a foreign Origin (DNS rebinding) and allows loopback", async () => {
            assert.equal((await post(ping, { origin: "https://evil.example" })).status, 403);
            assert.equal((await post(ping, { origin: "http://localhost:6274" })).status, 200);
        });
        const unusable: [string, object][] = [
            ["an unknown top-level member", { jsonrpc: "2.0", id: 1, method: "ping", extra: 1 }],
            ["a fractional id", { jsonrpc: "2.0", id: 1.5, method: "ping" }],
            ["params as an array", { jsonrpc: "2.0", id: 1, method: "ping", params: [] }],
            [
                "an object progress token",
                { jsonrpc: "2.0", id: 1, method: "ping", params: { _meta: { progressToken: {} } } },
            ],
        ];
        for (const [label, message] of unusable) {
            it(`answers a request with ${label} with invalid request, promptly`, async () => {
                const res = await post(JSON.stringify(message));
                assert.equal(res.status, 400);
                assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32600);
            });
        }
        it("still serves after refusing unusable messages (no server leaked from the pool)", async () => {
            const results = await Promise.all(
                Array.from({ length: 80 }, () =>
                    post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", extra: 1 })),
                ),
            );
            assert.ok(results.every((r) => r.status === 400));
            assert.equal((await post(ping)).status, 200);
        });
        it("refuses batches under protocol 2025-06-18 and later", async () => {
            const batch = JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "ping" }]);
            assert.equal((await post(batch, { "mcp-protocol-version": "2025-06-18" })).status, 400);
            assert.equal((await post(batch, { "mcp-protocol-version": "2025-03-26" })).status, 200);
        });
        it("refuses bodies over 1 MiB with 413", async () => {
            const res = await post(
                JSON.stringify({
                    jsonrpc: "2.0",
                    id: 1,
                    method: "ping",
                    params: { pad: "x".repeat(1_100_000) },
                }),
            );
            assert.equal(res.status, 413);
        });
    });

    describe("Sentinel webhook over HTTP", () => {
        const postIncident = (body: string, contentType = "application/json") =>
            fetch(host.url + backendPaths.sentinelWebhook, {
                method: "POST",
                headers: { "content-type": contentType },
                body,
            });

        for (const incident of sampleIncidents) {
            it(`answers the ${incident.severity} sample with a full analysis`, async () => {
                const res = await postIncident(JSON.stringify(incident));
                assert.equal(res.status, 200);
                const analysis = (await res.json()) as Record<string, unknown> & {
                    confidenceScore: number;
                    recommendations: string[];
                    enrichment: Record<string, unknown>;
                };
                assert.equal(analysis.incidentId, incident.incidentId);
                assert.ok(analysis.confidenceScore >= 0 && analysis.confidenceScore <= 1);
                assert.ok(analysis.recommendations.length > 0);
                for (const field of ["threat_category", "threat_intel"])
                    assert.ok(field in analysis.enrichment);
                assert.ok(!Number.isNaN(Date.parse(analysis.processedAt as string)));
            });
        }

        const invalid: [string, string, string, RegExp][] = [
            ["missing fields", JSON.stringify({ incidentId: "x" }), "application/json", /severity/],
            [
                "an entity without a name",
                JSON.stringify({ ...sampleIncidents[0], entities: [{ type: "Host" }] }),
                "application/json",
                /entities\[0\]\.name/,
            ],
            ["non-JSON", "{incident", "application/json", /JSON/],
            ["text/plain", JSON.stringify(sampleIncidents[0]), "text/plain", /Content-Type/],
        ];
        for (const [label, body, contentType, message] of invalid) {
            it(`answers ${label} with 400 and says why`, async () => {
                const res = await postIncident(body, contentType);
                assert.equal(res.status, 400);
                assert.match(JSON.stringify(await res.json()), message);
            });
        }
    });

    describe("probes and routes", () => {
        it("reports live and ready", async () => {
            assert.equal((await fetch(host.url + backendPaths.liveness)).status, 200);
            assert.equal((await fetch(host.url + backendPaths.readiness)).status, 200);
        });
        it("answers unknown paths with 404", async () => {
            assert.equal((await fetch(host.url + "/admin")).status, 404);
        });
        it("refuses an SSE message the SDK could not use with 400 instead of dropping it", async () => {
            const stream = await openEventStream(host.url + backendPaths.mcpSse);
            try {
                const endpoint = (await stream.next()).data;
                const res = await fetch(new URL(endpoint, host.url + backendPaths.mcpSse), {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping", extra: 1 }),
                });
                assert.equal(res.status, 400);
            } finally {
                await stream.close();
            }
        });
        it("answers a message for an unknown SSE session with 404", async () => {
            const res = await fetch(`${host.url}${backendPaths.mcpMessage}?sessionId=nope`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
            });
            assert.equal(res.status, 404);
        });
    });
});
