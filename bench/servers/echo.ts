import { createServer } from "node:http";

/**
 * The practical limit: a bare node:http server that parses a JSON-RPC request and answers a
 * hello_mcp-shaped result. No MCP semantics, no validation; only the unavoidable HTTP and JSON work.
 */
const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
        const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: number | string };
        const body = JSON.stringify({
            jsonrpc: "2.0",
            id: request.id,
            result: { content: [{ type: "text", text: "Hello I am MCPTool!" }] },
        });
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
    });
});
server.listen(0, "127.0.0.1", () => {
    const address = server.address() as { port: number };
    process.stdout.write(
        JSON.stringify({ message: "listening", url: `http://127.0.0.1:${address.port}` }) + "\n",
    );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
