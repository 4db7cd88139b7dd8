import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";
import { DirectTransport } from "./direct-transport";

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
        private readonly createServer: () => Server,
        /** Servers kept for reuse; a burst beyond it builds extra servers that are closed after use. */
        private readonly maxIdle = 64,
    ) {}

    async request(request: JSONRPCRequest, extra?: MessageExtraInfo): Promise<JSONRPCMessage> {
        const lent = this.idle.pop() ?? (await this.build());
        try {
            return await lent.transport.exchange(request, extra);
        } finally {
            if (!this.closed && this.idle.length < this.maxIdle) this.idle.push(lent);
            else void lent.server.close();
        }
    }

    async close(): Promise<void> {
        this.closed = true;
        await Promise.all(this.idle.splice(0).map((p) => p.server.close()));
    }

    private async build(): Promise<PooledServer> {
        const server = this.createServer();
        const transport = new DirectTransport();
        await server.connect(transport);
        return { server, transport };
    }
}
