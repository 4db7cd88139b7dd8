import assert from "node:assert/strict";
import type { Client as ModernClient } from "@modelcontextprotocol/client";
import { toolNames } from "../src/contract";
import { tools } from "../src/catalog";
import { mcpErrorCodes, supportedProtocolVersions } from "../src/mcp/revisions";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { connectClient, textOf } from "./support/mcp-clients";
import { connectLegacyClientAt, connectModernClient, postModern } from "./support/modern-clients";

const catalogOrder = tools.map((t) => t.name);
const serverName = "agents-control-plane-tools";

describe("Node host: MCP 2026-07-28 beside the handshake revisions (real process)", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;

    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
    });

    after(async () => {
        const code = await stopHost?.();
        assert.equal(code, 0, "the host exits cleanly on SIGTERM");
    });

    describe("v2 SDK client pinned to 2026-07-28 (no fallback)", () => {
        let client: ModernClient;
        before(async () => (client = await connectModernClient(host.url)));
        after(async () => client?.close());

        it("connects through server/discover: modern era, versions, capabilities, identity", () => {
            assert.equal(client.getProtocolEra(), "modern");
            const discovered = client.getDiscoverResult();
            assert.deepEqual(discovered?.supportedVersions, ["2026-07-28"]);
            assert.deepEqual(discovered?.capabilities, { tools: { listChanged: false } });
            assert.equal(client.getServerVersion()?.name, serverName);
            assert.match(client.getInstructions() ?? "", /snippets/);
        });

        it("lists every tool, in the catalog's order every time", async () => {
            const first = await client.listTools(undefined, { cacheMode: "bypass" });
            const second = await client.listTools(undefined, { cacheMode: "bypass" });
            assert.deepEqual(
                first.tools.map((t) => t.name),
                catalogOrder,
            );
            assert.deepEqual(second.tools, first.tools);
        });

        it("calls hello_mcp", async () => {
            const result = await client.callTool({ name: toolNames.hello, arguments: {} });
            assert.equal(textOf(result), "Hello I am MCPTool!");
        });

        it("saves, gets and lists a snippet", async () => {
            const body = "modern ✓";
            const saved = await client.callTool({
                name: toolNames.saveSnippet,
                arguments: { snippetname: "modern-note", snippet: body },
            });
            assert.equal(saved.isError, undefined, textOf(saved));
            const got = await client.callTool({
                name: toolNames.getSnippet,
                arguments: { snippetname: "modern-note" },
            });
            assert.equal(textOf(got), body);
            const listed = await client.callTool({
                name: toolNames.listSnippets,
                arguments: { prefix: "modern-" },
            });
            const names = (JSON.parse(textOf(listed)) as { snippets: { name: string }[] }).snippets;
            assert.deepEqual(
                names.map((s) => s.name),
                ["modern-note"],
            );
        });

        it("analyzes an incident", async () => {
            const result = await client.callTool({
                name: toolNames.analyzeIncident,
                arguments: {
                    incident: {
                        incidentId: "modern-1",
                        severity: "High",
                        entities: [{ type: "Account", name: "user@domain.com" }],
                        alertContext: {
                            description: "Suspicious login",
                            timestamp: new Date().toISOString(),
                        },
                    },
                },
            });
            assert.equal(result.isError, undefined, textOf(result));
            assert.equal((result.structuredContent as { incidentId: string }).incidentId, "modern-1");
        });

        it("gets invalid params for an unknown tool", async () => {
            await assert.rejects(
                client.callTool({ name: "no_such_tool", arguments: {} }),
                (error: unknown) => {
                    assert.equal((error as { code?: number }).code, -32602);
                    return true;
                },
            );
        });
    });

    it("v2 SDK client in auto mode stays modern against this host", async () => {
        const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
        const client = new Client(
            { name: "auto", version: "2.0.0" },
            { versionNegotiation: { mode: "auto" } },
        );
        await client.connect(new StreamableHTTPClientTransport(new URL(host.url + "/runtime/webhooks/mcp")));
        try {
            assert.equal(client.getProtocolEra(), "modern");
            assert.equal(
                textOf(await client.callTool({ name: toolNames.hello, arguments: {} })),
                "Hello I am MCPTool!",
            );
        } finally {
            await client.close();
        }
    });

    describe("raw modern requests", () => {
        it("server/discover and tools/list carry resultType, caching hints and the server's identity", async () => {
            for (const method of ["server/discover", "tools/list"]) {
                const { status, body } = await postModern(host.url, { method });
                assert.equal(status, 200, JSON.stringify(body));
                assert.equal(body.result?.resultType, "complete");
                assert.equal(body.result?.ttlMs, 300_000);
                assert.equal(body.result?.cacheScope, "public");
                assert.deepEqual(body.result?._meta, {
                    "io.modelcontextprotocol/serverInfo": { name: serverName, version: "0.1.0" },
                });
            }
        });

        it("tools/call results carry resultType complete", async () => {
            const { status, body } = await postModern(host.url, {
                method: "tools/call",
                params: { name: toolNames.hello, arguments: {} },
            });
            assert.equal(status, 200);
            assert.equal(body.result?.resultType, "complete");
        });

        it("refuses an unsupported version with -32022 (400) listing the supported versions", async () => {
            const version = "1900-01-01";
            const { status, body } = await postModern(host.url, {
                id: 7,
                method: "tools/list",
                meta: { "io.modelcontextprotocol/protocolVersion": version },
                headers: { "mcp-protocol-version": version },
            });
            assert.equal(status, 400);
            assert.equal(body.id, 7);
            assert.equal(body.error?.code, mcpErrorCodes.unsupportedProtocolVersion);
            assert.deepEqual(body.error?.data, { supported: supportedProtocolVersions, requested: version });
            assert.deepEqual(supportedProtocolVersions, [
                "2026-07-28",
                "2025-11-25",
                "2025-06-18",
                "2025-03-26",
                "2024-11-05",
            ]);
        });

        it("refuses an unknown MCP-Protocol-Version header on a legacy-shaped request with -32022", async () => {
            const res = await fetch(host.url + "/runtime/webhooks/mcp", {
                method: "POST",
                headers: {
                    "content-type": "application/json",
                    accept: "application/json, text/event-stream",
                    "mcp-protocol-version": "1999-01-01",
                },
                body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
            });
            assert.equal(res.status, 400);
            const body = (await res.json()) as { error: { code: number; data: { supported: string[] } } };
            assert.equal(body.error.code, mcpErrorCodes.unsupportedProtocolVersion);
            assert.deepEqual(body.error.data.supported, supportedProtocolVersions);
        });

        it("refuses a batch under 2026-07-28 (one message per POST), and an unknown version's batch with -32022", async () => {
            const batch = (version: string) =>
                fetch(host.url + "/runtime/webhooks/mcp", {
                    method: "POST",
                    headers: {
                        "content-type": "application/json",
                        accept: "application/json, text/event-stream",
                        "mcp-protocol-version": version,
                    },
                    body: JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "tools/list" }]),
                });
            const modern = await batch("2026-07-28");
            assert.equal(modern.status, 400);
            assert.equal(((await modern.json()) as { error: { code: number } }).error.code, -32600);
            const unknown = await batch("1999-01-01");
            assert.equal(unknown.status, 400);
            assert.equal(
                ((await unknown.json()) as { error: { code: number } }).error.code,
                mcpErrorCodes.unsupportedProtocolVersion,
            );
        });

        const mismatches: [string, Parameters<typeof postModern>[1], RegExp][] = [
            [
                "version (header vs _meta)",
                {
                    method: "tools/list",
                    meta: { "io.modelcontextprotocol/protocolVersion": "2025-11-25" },
                },
                /MCP-Protocol-Version header value '2026-07-28' does not match body value '2025-11-25'/,
            ],
            [
                "version (header vs an object in _meta)",
                {
                    method: "tools/list",
                    meta: { "io.modelcontextprotocol/protocolVersion": { v: "2026-07-28" } },
                },
                /MCP-Protocol-Version header value '2026-07-28' does not match body value '\{\\"v\\":\\"2026-07-28\\"\}'/,
            ],
            [
                "method",
                {
                    method: "tools/call",
                    params: { name: toolNames.hello, arguments: {} },
                    headers: { "mcp-method": "tools/list" },
                },
                /Mcp-Method header value 'tools\/list' does not match body value 'tools\/call'/,
            ],
            [
                "name",
                {
                    method: "tools/call",
                    params: { name: toolNames.hello, arguments: {} },
                    headers: { "mcp-name": toolNames.getSnippet },
                },
                /Mcp-Name header value 'get_snippet' does not match body value 'hello_mcp'/,
            ],
            [
                "name differing only in case",
                {
                    method: "tools/call",
                    params: { name: toolNames.hello, arguments: {} },
                    headers: { "mcp-name": "HELLO_MCP" },
                },
                /Mcp-Name header value 'HELLO_MCP'/,
            ],
            [
                "name in malformed Base64",
                {
                    method: "tools/call",
                    params: { name: toolNames.hello, arguments: {} },
                    headers: { "mcp-name": "=?base64?not base64!?=" },
                },
                /Mcp-Name header value is malformed/,
            ],
        ];
        for (const [label, parts, message] of mismatches) {
            it(`refuses a ${label} mismatch with -32020 (400)`, async () => {
                const { status, body } = await postModern(host.url, parts);
                assert.equal(status, 400, JSON.stringify(body));
                assert.equal(body.error?.code, mcpErrorCodes.headerMismatch);
                assert.match(body.error?.message ?? "", message);
            });
        }

        it("runs nothing when the headers name another tool than the body", async () => {
            const { status } = await postModern(host.url, {
                method: "tools/call",
                params: { name: toolNames.saveSnippet, arguments: { snippetname: "smuggled", snippet: "x" } },
                headers: { "mcp-name": toolNames.hello },
            });
            assert.equal(status, 400);
            const { body } = await postModern(host.url, {
                method: "tools/call",
                params: { name: toolNames.getSnippet, arguments: { snippetname: "smuggled" } },
            });
            assert.match(JSON.stringify(body.result?.content), /not found/);
        });

        it("accepts an Mcp-Name in the Base64 sentinel form", async () => {
            const encoded = `=?base64?${Buffer.from(toolNames.hello).toString("base64")}?=`;
            const { status, body } = await postModern(host.url, {
                method: "tools/call",
                params: { name: toolNames.hello, arguments: {} },
                headers: { "mcp-name": encoded },
            });
            assert.equal(status, 200, JSON.stringify(body));
        });

        const missing: [string, Parameters<typeof postModern>[1], number][] = [
            [
                "MCP-Protocol-Version",
                { method: "tools/list", headers: { "mcp-protocol-version": undefined } },
                mcpErrorCodes.headerMismatch,
            ],
            [
                "Mcp-Method",
                { method: "tools/list", headers: { "mcp-method": undefined } },
                mcpErrorCodes.headerMismatch,
            ],
            [
                "Mcp-Name",
                {
                    method: "tools/call",
                    params: { name: toolNames.hello, arguments: {} },
                    headers: { "mcp-name": undefined },
                },
                mcpErrorCodes.headerMismatch,
            ],
            [
                "_meta client capabilities",
                { method: "tools/list", meta: { "io.modelcontextprotocol/clientCapabilities": undefined } },
                -32602,
            ],
        ];
        for (const [label, parts, code] of missing) {
            it(`refuses a modern request without ${label} with 400`, async () => {
                const { status, body } = await postModern(host.url, parts);
                assert.equal(status, 400, JSON.stringify(body));
                assert.equal(body.error?.code, code);
            });
        }

        for (const method of ["resources/list", "ping", "initialize", "logging/setLevel"]) {
            it(`answers the unknown modern method ${method} with 404 and -32601`, async () => {
                const { status, body } = await postModern(host.url, { method });
                assert.equal(status, 404);
                assert.equal(body.error?.code, -32601);
            });
        }

        it("carries _meta.traceparent into the host's log lines for that request", async () => {
            const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
            const { status } = await postModern(host.url, {
                method: "tools/call",
                params: { name: toolNames.hello, arguments: {} },
                meta: { traceparent, tracestate: "congo=t61rcWkgMzE" },
                headers: { "x-correlation-id": "trace-test-1" },
            });
            assert.equal(status, 200);
            const line = await logLineContaining(host, traceparent);
            assert.equal(line.message, "tool call");
            assert.equal(line.tool, toolNames.hello);
            assert.equal(line.tracestate, "congo=t61rcWkgMzE");
            assert.equal(line.correlationId, "trace-test-1");
        });
    });

    describe("legacy clients keep the handshake", () => {
        for (const version of ["2025-11-25", "2025-06-18", "2025-03-26"]) {
            it(`SDK 1.x client at ${version}: initialize, list, call`, async () => {
                const client = await connectLegacyClientAt(host.url, version);
                try {
                    assert.equal(client.getServerVersion()?.name, serverName);
                    const { tools: listed } = await client.listTools();
                    assert.deepEqual(
                        listed.map((t) => t.name),
                        catalogOrder,
                    );
                    const result = await client.callTool({ name: toolNames.hello, arguments: {} });
                    assert.equal(textOf(result), "Hello I am MCPTool!");
                } finally {
                    await client.close();
                }
            });
        }

        it("SDK 1.x client over the legacy SSE transport (2024-11-05)", async () => {
            const client = await connectClient(host.url, "sse");
            try {
                const result = await client.callTool({ name: toolNames.hello, arguments: {} });
                assert.equal(textOf(result), "Hello I am MCPTool!");
            } finally {
                await client.close();
            }
        });
    });
});

/** The first JSON log line of the host that contains `text`, waiting briefly for it to be written. */
async function logLineContaining(host: HostProcess, text: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 3_000;
    for (;;) {
        const line = host
            .output()
            .split("\n")
            .find((l) => l.includes(text));
        if (line) return JSON.parse(line) as Record<string, unknown>;
        if (Date.now() > deadline) throw new Error(`no log line with ${text}:\n${host.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
