import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";
import { DirectTransport, InvalidMessageError } from "./direct-transport";
import { loadMcpSdk } from "./mcp-sdk";

interface PooledServer {
    readonly server: Server;
    readonly transport: DirectTransport;
}

/**
 * Prebuilt SDK servers, each permanently connected to its own transport and lent to one request
 * at a time. No two clients ever share a server concurrently (so responses cannot cross between
 * clients), yet the cost of building a server is paid once, not per request.
 */
export class ServerPool {
    private readonly idle: PooledServer[] = [];
    private closed = false;

    constructor(
        private readonly createServer: () => Server | Promise<Server>,
        /** Servers kept for reuse; a burst beyond it builds extra servers that are closed after use. */
        private readonly maxIdle = 64,
        /** Longest a request may take (tool calls reach storage). */
        private readonly requestTimeoutMs = 60_000,
    ) {}

    /**
     * Answers one request. Rejects with InvalidMessageError when the SDK refuses the message, or
     * ExchangeTimeoutError; a server whose exchange failed is closed rather than lent again.
     */
    async request(request: JSONRPCRequest, extra?: MessageExtraInfo): Promise<JSONRPCMessage> {
        const lent = this.idle.pop() ?? (await this.build());
        let healthy = false;
        try {
            const answer = await lent.transport.exchange(request, extra, this.requestTimeoutMs);
            healthy = true;
            return answer;
        } finally {
            if (healthy && !this.closed && this.idle.length < this.maxIdle) this.idle.push(lent);
            else void lent.server.close();
        }
    }

    async close(): Promise<void> {
        this.closed = true;
        await Promise.all(this.idle.splice(0).map((p) => p.server.close()));
    }

    private async build(): Promise<PooledServer> {
        const [server, { admitRequest }] = await Promise.all([this.createServer(), loadMcpSdk()]);
        const transport = new DirectTransport(admitRequest);
        // The SDK reports a message it cannot use here and sends no answer: fail the request instead.
        server.onerror = (error) => transport.fail(new InvalidMessageError(error.message));
        await server.connect(transport);
        return { server, transport };
    }
}
