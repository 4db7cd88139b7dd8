/**
 * What browser-based clients and foreign MCP clients need from the Node host: CORS for allowed
 * origins (none for others), a Host check against DNS rebinding, and a legacy SSE `endpoint` event
 * that resolves to the message endpoint however the client built its URL.
 */
import assert from "node:assert/strict";
import { request as httpRequest, ServerResponse } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { backendPaths, toolNames } from "../src/contract";
import { silentLogger } from "../src/logger";
import { NodeHost, type NodeHostOptions } from "../src/node-host/host";
import { readSettings } from "../src/node-host/settings";
import type { SnippetStore } from "../src/storage/snippet-store";
import { openEventStream } from "./support/sse-stream";

const snippets: SnippetStore = {
    save: () => Promise.resolve(),
    get: () => Promise.resolve(undefined),
    list: () => Promise.resolve([]),
    ping: () => Promise.resolve(),
};

const initialize = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "browser", version: "1" },
    },
});

async function startHost(options: Partial<NodeHostOptions> = {}): Promise<{ host: NodeHost; url: string }> {
    const host = new NodeHost({ snippets, logger: silentLogger, ...options });
    return { host, url: await host.listen(0, "127.0.0.1") };
}

/** A request with an exact Host header (fetch does not let a caller choose it). */
function withHost(
    url: string,
    host: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = httpRequest(
            url,
            { method: init.method ?? "GET", headers: { ...init.headers, host } },
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (c: string) => (body += c));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("error", reject);
        req.end(init.body);
    });
}

interface RawRequest {
    method: string;
    headers: Record<string, string>;
    body?: string;
}

/**
 * One exchange, answered with the header lines as sent (fetch joins repeated headers into one). An
 * event stream is closed once its head has arrived.
 */
function rawExchange(
    url: string,
    init: RawRequest,
): Promise<{ status: number; headers: (name: string) => string[] }> {
    return new Promise((resolve, reject) => {
        const req = httpRequest(url, { method: init.method, headers: init.headers }, (res) => {
            const raw = res.rawHeaders;
            const values = (name: string): string[] => {
                const found: string[] = [];
                for (let i = 0; i + 1 < raw.length; i += 2)
                    if (raw[i]?.toLowerCase() === name) found.push(raw[i + 1] ?? "");
                return found;
            };
            const status = res.statusCode ?? 0;
            if (res.headers["content-type"]?.startsWith("text/event-stream")) {
                res.destroy();
                resolve({ status, headers: values });
                return;
            }
            res.resume();
            res.on("end", () => resolve({ status, headers: values }));
        });
        req.on("error", reject);
        req.end(init.body);
    });
}

describe("Node host for browser and foreign clients", () => {
    describe("CORS (allowed origins: loopback by default)", () => {
        let host: NodeHost;
        let mcp: string;
        before(async () => {
            const started = await startHost();
            host = started.host;
            mcp = started.url + backendPaths.mcpStreamable;
        });
        after(async () => host?.close(1_000));

        it("answers a browser preflight from an allowed origin with 204 and the MCP headers", async () => {
            const res = await fetch(mcp, {
                method: "OPTIONS",
                headers: {
                    origin: "http://localhost:6274",
                    "access-control-request-method": "POST",
                    "access-control-request-headers":
                        "authorization,content-type,mcp-protocol-version,mcp-method,mcp-name",
                },
            });
            assert.equal(res.status, 204);
            assert.equal(res.headers.get("access-control-allow-origin"), "http://localhost:6274");
            const methods = res.headers.get("access-control-allow-methods")?.split(/,\s*/) ?? [];
            for (const m of ["POST", "GET", "DELETE", "OPTIONS"]) assert.ok(methods.includes(m), m);
            const allowed = res.headers.get("access-control-allow-headers")?.split(/,\s*/) ?? [];
            for (const h of [
                "authorization",
                "content-type",
                "mcp-protocol-version",
                "mcp-session-id",
                "last-event-id",
                "mcp-method",
                "mcp-name",
            ])
                assert.ok(allowed.includes(h), h);
            assert.match(res.headers.get("vary") ?? "", /Origin/);
        });

        it("lets the page read the answer to its request, with the session and challenge headers exposed", async () => {
            const res = await fetch(mcp, {
                method: "POST",
                headers: {
                    origin: "http://127.0.0.1:6274",
                    "content-type": "application/json",
                    accept: "application/json, text/event-stream",
                },
                body: initialize,
            });
            assert.equal(res.status, 200);
            assert.equal(res.headers.get("access-control-allow-origin"), "http://127.0.0.1:6274");
            assert.match(res.headers.get("vary") ?? "", /Origin/);
            const exposed = res.headers.get("access-control-expose-headers")?.split(/,\s*/) ?? [];
            assert.deepEqual(exposed.sort(), ["mcp-session-id", "www-authenticate"]);
            const body = (await res.json()) as { result?: { serverInfo?: { name: string } } };
            assert.equal(body.result?.serverInfo?.name, "agents-control-plane-tools");
        });

        it("gives a disallowed origin no CORS headers, on the preflight or the request", async () => {
            const preflight = await fetch(mcp, {
                method: "OPTIONS",
                headers: { origin: "https://evil.example.com", "access-control-request-method": "POST" },
            });
            assert.equal(preflight.status, 403);
            assert.equal(preflight.headers.get("access-control-allow-origin"), null);
            assert.equal(preflight.headers.get("access-control-allow-methods"), null);
            const post = await fetch(mcp, {
                method: "POST",
                headers: {
                    origin: "https://evil.example.com",
                    "content-type": "application/json",
                    accept: "application/json, text/event-stream",
                },
                body: initialize,
            });
            assert.equal(post.status, 403);
            assert.equal(post.headers.get("access-control-allow-origin"), null);
        });

        it("says once on every answer of a CORS path that the answer varies by Origin", async () => {
            const json = {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
            };
            const call = JSON.stringify({
                jsonrpc: "2.0",
                id: 2,
                method: "tools/call",
                params: { name: toolNames.hello, arguments: {} },
            });
            const cases: [string, RawRequest, number, string][] = [
                ["tool call, no Origin", { method: "POST", headers: json, body: call }, 200, "Origin"],
                [
                    "tool call, allowed Origin",
                    { method: "POST", headers: { ...json, origin: "http://localhost:6274" }, body: call },
                    200,
                    "Origin",
                ],
                [
                    "notification",
                    {
                        method: "POST",
                        headers: json,
                        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
                    },
                    202,
                    "Origin",
                ],
                ["unparsable body", { method: "POST", headers: json, body: "{" }, 400, "Origin"],
                ["method not allowed", { method: "PUT", headers: json, body: call }, 405, "Origin"],
                [
                    "preflight",
                    {
                        method: "OPTIONS",
                        headers: { origin: "http://localhost:6274", "access-control-request-method": "POST" },
                    },
                    204,
                    "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
                ],
            ];
            for (const [name, init, status, vary] of cases) {
                const answer = await rawExchange(mcp, init);
                assert.equal(answer.status, status, name);
                assert.deepEqual(answer.headers("vary"), [vary], name);
            }
            const sse = await rawExchange(mcp.replace(backendPaths.mcpStreamable, backendPaths.mcpSse), {
                method: "GET",
                headers: { accept: "text/event-stream" },
            });
            assert.equal(sse.status, 200);
            assert.deepEqual(sse.headers("vary"), ["Origin"], "legacy SSE stream");
            const webhook = await rawExchange(
                mcp.replace(backendPaths.mcpStreamable, backendPaths.sentinelWebhook),
                {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: "{}",
                },
            );
            assert.deepEqual(webhook.headers("vary"), [], "the webhook is no CORS path");
        });

        it("writes a tool call's answer without Node's header-merging path (no setHeader before writeHead)", async () => {
            const prototype = ServerResponse.prototype;
            const setHeader = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(prototype), "setHeader");
            let calls = 0;
            Object.defineProperty(prototype, "setHeader", {
                configurable: true,
                writable: true,
                value: function (this: ServerResponse, ...args: Parameters<ServerResponse["setHeader"]>) {
                    calls++;
                    return (setHeader?.value as ServerResponse["setHeader"]).apply(this, args);
                },
            });
            try {
                const answer = await rawExchange(mcp, {
                    method: "POST",
                    headers: {
                        "content-type": "application/json",
                        accept: "application/json, text/event-stream",
                    },
                    body: JSON.stringify({
                        jsonrpc: "2.0",
                        id: 3,
                        method: "tools/call",
                        params: { name: toolNames.hello, arguments: {} },
                    }),
                });
                assert.equal(answer.status, 200);
                assert.equal(answer.headers("x-correlation-id").length, 1);
            } finally {
                delete (prototype as Partial<ServerResponse>).setHeader;
            }
            assert.equal(Object.hasOwn(prototype, "setHeader"), false);
            assert.equal(calls, 0);
        });

        it("uses ALLOWED_ORIGINS instead of loopback once it is set", async () => {
            const { host: listed, url } = await startHost({ allowedOrigins: ["https://portal.example.com"] });
            try {
                const preflight = (origin: string) =>
                    fetch(url + backendPaths.mcpStreamable, {
                        method: "OPTIONS",
                        headers: { origin, "access-control-request-method": "POST" },
                    });
                const allowed = await preflight("https://portal.example.com");
                assert.equal(allowed.status, 204);
                assert.equal(
                    allowed.headers.get("access-control-allow-origin"),
                    "https://portal.example.com",
                );
                const loopback = await preflight("http://localhost:6274");
                assert.equal(loopback.status, 403);
                assert.equal(loopback.headers.get("access-control-allow-origin"), null);
            } finally {
                await listed.close(1_000);
            }
        });
    });

    describe("Host header", () => {
        let host: NodeHost;
        let url: string;
        before(async () => {
            ({ host, url } = await startHost({
                publicBaseUrl: "https://gw.example.net",
                allowedHosts: ["mcp-tools.mcp.svc.cluster.local", "10.20.2.10"],
            }));
        });
        after(async () => host?.close(1_000));
        const post = {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
            body: initialize,
        };

        it("refuses a name this server does not go by, even without Origin (DNS rebinding)", async () => {
            const res = await withHost(url + backendPaths.mcpStreamable, "evil.example.com", post);
            assert.equal(res.status, 403);
            const body = JSON.parse(res.body) as {
                jsonrpc: string;
                error: { code: number; message: string };
            };
            assert.equal(body.jsonrpc, "2.0");
            assert.equal(body.error.code, -32000);
            assert.match(body.error.message, /Host/);
            const port = new URL(url).port;
            const rebound = await withHost(url + backendPaths.mcpSse, `evil.example.com:${port}`);
            assert.equal(rebound.status, 403);
        });

        it("serves loopback, the listen address, PUBLIC_BASE_URL's host and ALLOWED_HOSTS, on any port", async () => {
            const port = new URL(url).port;
            for (const name of [
                `127.0.0.1:${port}`,
                `localhost:${port}`,
                "gw.example.net",
                "GW.example.net:443",
                "mcp-tools.mcp.svc.cluster.local",
                "10.20.2.10:80",
            ]) {
                const res = await withHost(url + backendPaths.mcpStreamable, name, post);
                assert.equal(res.status, 200, `${name}: ${res.body}`);
            }
        });

        it("leaves the probes to whoever reaches the pod by its IP", async () => {
            const res = await withHost(url + backendPaths.liveness, "10.244.1.17:8080");
            assert.equal(res.status, 200);
        });

        it("reads ALLOWED_HOSTS from the environment and refuses a URL in it", () => {
            const base = { SNIPPETS_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true" };
            const ok = readSettings({ ...base, ALLOWED_HOSTS: "mcp-tools.mcp.svc, 10.20.2.10" });
            assert.ok(ok.ok);
            assert.deepEqual(ok.settings.allowedHosts, ["mcp-tools.mcp.svc", "10.20.2.10"]);
            const bad = readSettings({ ...base, ALLOWED_HOSTS: "https://gw.example.net/" });
            assert.equal(bad.ok, false);
            assert.match(
                bad.errors.join("\n"),
                /^ALLOWED_HOSTS: https:\/\/gw\.example\.net\/ is not a host name/m,
            );
        });
    });

    describe("legacy SSE endpoint event", () => {
        let host: NodeHost;
        let url: string;
        before(async () => ({ host, url } = await startHost()));
        after(async () => host?.close(1_000));

        const firstEndpoint = async (sseUrl: string, headers: Record<string, string> = {}) => {
            const stream = await openEventStream(sseUrl, headers);
            try {
                const first = await stream.next();
                assert.equal(first.event, "endpoint");
                return first.data;
            } finally {
                await stream.close();
            }
        };

        it("is root-relative, so it resolves from a URL with a trailing slash and from a base URI", async () => {
            const endpoint = await firstEndpoint(`${url}${backendPaths.mcpSse}/`);
            assert.match(endpoint, new RegExp(`^${backendPaths.mcpMessage}\\?sessionId=`));
            assert.equal(
                new URL(endpoint, `${url}${backendPaths.mcpSse}/`).pathname,
                backendPaths.mcpMessage,
            );
            assert.equal(new URL(endpoint, url).pathname, backendPaths.mcpMessage);
        });

        it("ignores a message path asserted by anyone but the gateway", async () => {
            const endpoint = await firstEndpoint(url + backendPaths.mcpSse, {
                "x-mcp-message-path": "/elsewhere",
            });
            assert.match(endpoint, new RegExp(`^${backendPaths.mcpMessage}\\?`));
        });

        it("serves the official SDK client that opened the stream with a trailing slash", async () => {
            const client = new Client({ name: "trailing-slash", version: "1.0.0" });
            await client.connect(new SSEClientTransport(new URL(`${url}${backendPaths.mcpSse}/`)));
            try {
                const { tools } = await client.listTools();
                assert.ok(tools.some((t) => t.name === toolNames.hello));
            } finally {
                await client.close();
            }
        });

        it("is absolute on PUBLIC_BASE_URL when that is set", async () => {
            const { host: behind, url: hostUrl } = await startHost({
                publicBaseUrl: "https://tools.example.com/base/",
            });
            try {
                const endpoint = await firstEndpoint(hostUrl + backendPaths.mcpSse);
                assert.match(
                    endpoint,
                    new RegExp(`^https://tools\\.example\\.com/base${backendPaths.mcpMessage}\\?sessionId=`),
                );
            } finally {
                await behind.close(1_000);
            }
        });
    });
});
