import { createServer } from "node:http";
import type { JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import { streamableHttpHandler } from "functions-app/streamable";
import type { ServerPool } from "functions-app/server-pool";
import { silentLogger } from "functions-app/logger";
import { OpenExchanges } from "functions-app/open-exchanges";
import { tracingOff } from "functions-app/tracing";
import type { SnippetStore } from "functions-app/snippet-store";

/**
 * For the breakdown only: the Node host's Streamable HTTP handling (transport rules, origin, body,
 * JSON-RPC checks) with the SDK replaced by a canned hello_mcp answer. The gap between this and the
 * echo is the host's HTTP work; the gap between this and the real host is the tool call's path.
 * The answer is a value, not a promise, as the host's fast path gives a tool that needs no I/O.
 */
const canned = {
    request: (request: JSONRPCRequest): JSONRPCMessage => ({
        jsonrpc: "2.0",
        id: request.id,
        result: { content: [{ type: "text", text: "Hello I am MCPTool!" }] },
    }),
} as unknown as ServerPool;

/** The canned answer never reaches storage. */
const noStorage: SnippetStore = {
    save: () => Promise.reject(new Error("no storage in this bench server")),
    get: () => Promise.reject(new Error("no storage in this bench server")),
    list: () => Promise.reject(new Error("no storage in this bench server")),
    ping: () => Promise.reject(new Error("no storage in this bench server")),
};

const handler = streamableHttpHandler(
    canned,
    { metadataUrl: () => "" },
    { snippets: noStorage, logger: silentLogger },
    false,
    new OpenExchanges((_req, res, error) => {
        process.stderr.write(`request failed: ${String(error)}\n`);
        if (!res.headersSent) res.writeHead(500).end();
    }, tracingOff),
);
const server = createServer((req, res) => void handler(req, res));
server.listen(0, "127.0.0.1", () => {
    const address = server.address() as { port: number };
    process.stdout.write(
        JSON.stringify({ message: "listening", url: `http://127.0.0.1:${address.port}` }) + "\n",
    );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
