/**
 * Browser-based and foreign MCP clients through the local gateway running the dev stack's rendered
 * policies (dev admits the origin http://localhost:6274): the cors policy answers preflights
 * without a token and marks answers for allowed origins only; the legacy SSE endpoint event leads
 * back to the gateway's /mcp/message, also for a client that opened /mcp/sse/ with a trailing slash.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { gatewayPaths, toolNames } from "functions-app/contract";
import { openEventStream } from "functions-app/test-support/sse-stream";
import { startLocalControlPlane, type LocalControlPlane } from "../src/harness";
import { devStackSource } from "./support/dev-stack";

const allowedOrigin = "http://localhost:6274";
const otherOrigin = "https://evil.example.com";

describe("local gateway: browser clients and the legacy SSE endpoint (dev stack policies)", function () {
    this.timeout(60_000);
    let plane: LocalControlPlane;
    let token: string;

    before(async () => {
        plane = await startLocalControlPlane({ source: await devStackSource(), recordBackend: true });
        token = await plane.tokens.agent("aws-support");
    });
    after(async () => plane?.stop());

    const preflight = (origin: string, url = plane.urls.mcp) =>
        fetch(url, {
            method: "OPTIONS",
            headers: {
                origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization,content-type,mcp-protocol-version",
            },
        });
    const listTools = (origin: string, bearer?: string) =>
        fetch(plane.urls.mcp, {
            method: "POST",
            headers: {
                origin,
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
            },
            body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });

    it("answers an allowed origin's preflight from the cors policy alone: no token, nothing sent to the backend", async () => {
        const before = plane.backendRequests().length;
        const res = await preflight(allowedOrigin);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("access-control-allow-origin"), allowedOrigin);
        const methods = res.headers.get("access-control-allow-methods")?.split(",") ?? [];
        for (const m of ["POST", "GET", "DELETE", "OPTIONS"]) assert.ok(methods.includes(m), m);
        assert.equal(
            res.headers.get("access-control-allow-headers"),
            "authorization,content-type,mcp-protocol-version",
        );
        assert.equal(res.headers.get("access-control-max-age"), "600");
        assert.equal(plane.backendRequests().length, before);
    });

    it("lets an allowed origin read the answer, with the session and challenge headers exposed", async () => {
        const sent = plane.backendRequests().length;
        const res = await listTools(allowedOrigin, token);
        assert.equal(res.status, 200);
        // The gateway answers for CORS; the backend never sees Origin, so it adds no headers of its own.
        const forwarded = plane.backendRequests().slice(sent);
        assert.equal(forwarded.length, 1);
        assert.equal(forwarded[0]?.headers.origin, undefined);
        assert.equal(res.headers.get("access-control-allow-origin"), allowedOrigin);
        assert.deepEqual(res.headers.get("access-control-expose-headers")?.split(",").sort(), [
            "mcp-session-id",
            "www-authenticate",
        ]);
        const body = (await res.json()) as { result: { tools: { name: string }[] } };
        assert.ok(body.result.tools.some((t) => t.name === toolNames.hello));
    });

    it("admits the allowed origin to the metadata document too", async () => {
        const res = await fetch(plane.urls.protectedResourceMetadata, { headers: { origin: allowedOrigin } });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("access-control-allow-origin"), allowedOrigin);
    });

    it("gives another origin no CORS headers, on the preflight or the request", async () => {
        const pre = await preflight(otherOrigin);
        assert.equal(pre.status, 200);
        assert.equal(pre.headers.get("access-control-allow-origin"), null);
        assert.equal(pre.headers.get("access-control-allow-methods"), null);
        const res = await listTools(otherOrigin, token);
        assert.equal(res.headers.get("access-control-allow-origin"), null);
        await res.body?.cancel();
    });

    it("sends a stream opened through the gateway to the gateway's /mcp/message, not the host's path", async () => {
        const stream = await openEventStream(`${plane.urls.mcpSse}/`, { authorization: `Bearer ${token}` });
        try {
            const first = await stream.events.next();
            if (first.done) assert.fail("the stream ended before its endpoint event");
            assert.equal(first.value.event, "endpoint");
            assert.match(first.value.data, new RegExp(`^${gatewayPaths.mcpMessage}\\?sessionId=`));
        } finally {
            await stream.close();
        }
    });

    for (const [label, url] of [
        ["/mcp/sse/ (trailing slash)", () => `${plane.urls.mcpSse}/`],
        ["/mcp/sse", () => plane.urls.mcpSse],
    ] as const) {
        it(`serves the official SDK client that opened ${label}`, async () => {
            const headers = { authorization: `Bearer ${token}` };
            const client = new Client({ name: "sse-through-gateway", version: "1.0.0" });
            const transport = new SSEClientTransport(new URL(url()), {
                requestInit: { headers },
                eventSourceInit: {
                    fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...headers } }),
                },
            });
            await client.connect(transport);
            try {
                const result = await client.callTool({ name: toolNames.hello, arguments: {} });
                assert.equal((result.content as { text: string }[])[0]?.text, "Hello I am MCPTool!");
            } finally {
                await client.close();
            }
            const posts = plane.backendRequests().filter((r) => r.method === "POST");
            assert.ok(posts.some((r) => r.path.startsWith("/runtime/webhooks/mcp/message?sessionId=")));
        });
    }
});
