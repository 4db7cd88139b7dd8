import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { backendPaths } from "../../src/contract";
import { modernProtocolVersions } from "../../src/mcp/revisions";

/** A legacy-only MCP endpoint in front of the dual-era host, and what it saw. */
export interface LegacyFront {
    readonly url: string;
    /** How many modern-era requests it refused. */
    readonly modernRequests: () => number;
    stop(): Promise<void>;
}

/**
 * A stand-in for a server that speaks only the handshake revisions (as a Functions stack does
 * today), so a client's fallback can be tested: a POST whose `MCP-Protocol-Version` names a modern
 * revision is refused the way such a server refuses it (400, -32600); everything else is passed
 * to the real host unchanged. Only the Streamable HTTP path is served.
 */
export async function startLegacyFront(hostUrl: string): Promise<LegacyFront> {
    let modernRequests = 0;
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            answer(req, Buffer.concat(chunks))
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

    const answer = async (req: http.IncomingMessage, body: Buffer): Promise<Reply> => {
        if (req.url !== backendPaths.mcpStreamable) return { status: 404, headers: {}, body: "" };
        const version = req.headers["mcp-protocol-version"];
        if (
            req.method === "POST" &&
            typeof version === "string" &&
            modernProtocolVersions.includes(version)
        ) {
            modernRequests++;
            return {
                status: 400,
                headers: { "content-type": "application/json" },
                body: JSON.stringify({
                    jsonrpc: "2.0",
                    id: null,
                    error: { code: -32600, message: `Unsupported MCP-Protocol-Version ${version}` },
                }),
            };
        }
        const passed: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
            if (typeof value === "string" && name !== "host" && name !== "content-length")
                passed[name] = value;
        }
        const res = await fetch(hostUrl + backendPaths.mcpStreamable, {
            method: req.method ?? "GET",
            headers: passed,
            ...(req.method === "POST" ? { body } : {}),
        });
        const kept: Record<string, string> = {};
        for (const name of ["content-type", "mcp-session-id"]) {
            const value = res.headers.get(name);
            if (value !== null) kept[name] = value;
        }
        return { status: res.status, headers: kept, body: await res.text() };
    };

    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        modernRequests: () => modernRequests,
        stop: () =>
            new Promise((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

interface Reply {
    readonly status: number;
    readonly headers: Record<string, string>;
    readonly body: string;
}
