import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createMcpExpressApp } from "@modelcontextprotocol/sdk/server/express.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

/**
 * The SDK's documented stateless Streamable HTTP pattern: its express app, and a new McpServer
 * plus a new transport for every request.
 */
function getServer(): McpServer {
    const server = new McpServer({ name: "stateless-reference", version: "1.0.0" });
    server.registerTool("hello_mcp", { description: "Hello world." }, () => ({
        content: [{ type: "text", text: "Hello I am MCPTool!" }],
    }));
    return server;
}

/** What this server uses of the express app the SDK builds (the project installs no express types). */
interface ExpressApp {
    post(
        path: string,
        handler: (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => Promise<void>,
    ): void;
    listen(port: number, host: string, listening: () => void): Server;
}

const app = createMcpExpressApp({ host: "127.0.0.1" }) as ExpressApp;
app.post("/runtime/webhooks/mcp", async (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    const server = getServer();
    // Stateless: no session id generator (the documented `sessionIdGenerator: undefined`, left out).
    const transport = new StreamableHTTPServerTransport({});
    res.on("close", () => {
        void transport.close();
        void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
});
const listener = app.listen(0, "127.0.0.1", () => {
    const address = listener.address() as { port: number };
    process.stdout.write(
        JSON.stringify({ message: "listening", url: `http://127.0.0.1:${address.port}` }) + "\n",
    );
});
process.on("SIGTERM", () => listener.close(() => process.exit(0)));
