import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { backendPaths } from "../../src/contract";

/** The MCP revision without the initialize handshake (stateless, `server/discover`). */
export const modernRevision = "2026-07-28";
const legacyRevision = "2025-11-25";

/** A dual-era MCP endpoint in front of a legacy-only host, and what it saw. */
export interface ModernFront {
    readonly url: string;
    /** JSON-RPC methods of the modern-era requests it answered, in order. */
    readonly modernMethods: () => string[];
    stop(): Promise<void>;
}

/**
 * A stand-in for a host that serves the 2026-07-28 revision, so clients can be tested against a
 * modern server before the tool host speaks it. Modern requests (the `MCP-Protocol-Version`
 * header names the revision) are answered statelessly: `server/discover` here, `tools/list` and
 * `tools/call` by the real host behind it (asked at 2025-11-25, its answer stamped with the modern
 * `resultType`). Legacy requests pass through unchanged, so the front is dual-era like the
 * revision's versioning rules ask. Only the Streamable HTTP path is served.
 */
export async function startModernFront(hostUrl: string): Promise<ModernFront> {
    const modernMethods: string[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            answer(req, Buffer.concat(chunks).toString("utf8"))
                .then(({ status, headers, body }) => {
                    res.writeHead(status, headers);
                    res.end(body);
                })
                .catch((error: unknown) => {
                    res.writeHead(502, { "content-type": "text/plain" });
                    res.end(String(error));
                });
        });
    });

    const answer = async (req: http.IncomingMessage, body: string): Promise<Reply> => {
        if (req.url !== backendPaths.mcpStreamable) return { status: 404, headers: {}, body: "" };
        if (req.headers["mcp-protocol-version"] !== modernRevision || req.method !== "POST") {
            return forward(hostUrl, req.method ?? "GET", req.headers, body);
        }
        const message = JSON.parse(body) as { id?: string | number; method: string; params?: Params };
        modernMethods.push(message.method);
        if (message.id === undefined) return { status: 202, headers: {}, body: "" };
        if (message.method === "server/discover") {
            return json({
                jsonrpc: "2.0",
                id: message.id,
                result: {
                    resultType: "complete",
                    supportedVersions: [modernRevision, legacyRevision],
                    capabilities: { tools: {} },
                    _meta: {
                        "io.modelcontextprotocol/serverInfo": { name: "modern-front", version: "1.0.0" },
                    },
                },
            });
        }
        if (message.method !== "tools/list" && message.method !== "tools/call") {
            return json(
                { jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } },
                404,
            );
        }
        const params: Params = { ...message.params };
        delete params._meta;
        const legacy = await forward(
            hostUrl,
            "POST",
            {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                "mcp-protocol-version": legacyRevision,
            },
            JSON.stringify({ jsonrpc: "2.0", id: message.id, method: message.method, params }),
        );
        const reply = parseReply(legacy.body) as { result?: Record<string, unknown> };
        if (reply.result) {
            reply.result = {
                ...reply.result,
                resultType: "complete",
                ...(message.method === "tools/list" ? { ttlMs: 0, cacheScope: "public" } : {}),
            };
        }
        return json(reply);
    };

    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        modernMethods: () => [...modernMethods],
        stop: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

type Params = Record<string, unknown>;

interface Reply {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
}

function json(value: unknown, status = 200): Reply {
    return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

async function forward(
    hostUrl: string,
    method: string,
    headers: http.IncomingHttpHeaders,
    body: string,
): Promise<Reply> {
    const passed: Record<string, string> = {};
    for (const name of [
        "content-type",
        "accept",
        "mcp-protocol-version",
        "mcp-session-id",
        "authorization",
    ]) {
        const value = headers[name];
        if (typeof value === "string") passed[name] = value;
    }
    const res = await fetch(hostUrl + backendPaths.mcpStreamable, {
        method,
        headers: passed,
        ...(method === "POST" ? { body } : {}),
    });
    const kept: Record<string, string> = {};
    for (const name of ["content-type", "mcp-session-id"]) {
        const value = res.headers.get(name);
        if (value !== null) kept[name] = value;
    }
    return { status: res.status, headers: kept, body: await res.text() };
}

/** The JSON-RPC message of a host answer sent as JSON or as one SSE event. */
function parseReply(body: string): unknown {
    const data = body
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
        .join("");
    return JSON.parse(data || body);
}
