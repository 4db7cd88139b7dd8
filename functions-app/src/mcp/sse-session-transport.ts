import type { ServerResponse } from "node:http";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/sdk/types.js";

/**
 * Server side of the legacy HTTP+SSE transport (2024-11-05) for one session: server messages go
 * down the event stream, client messages arrive through `deliver` from the POST endpoint (on this
 * replica, or relayed from another one by the backplane).
 */
export class SseSessionTransport implements Transport {
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    onclose?: () => void;
    onerror?: (error: Error) => void;

    private keepAlive: NodeJS.Timeout | undefined;
    private closed = false;

    constructor(
        readonly sessionId: string,
        private readonly res: ServerResponse,
        /** Relative URL of the message endpoint; relative so it resolves behind any gateway path. */
        private readonly endpoint: string,
        private readonly keepAliveMs: number,
    ) {
        res.on("close", () => this.finish());
    }

    async start(): Promise<void> {
        if (this.closed || this.res.destroyed) return this.finish();
        this.res.writeHead(200, {
            "content-type": "text/event-stream",
            "cache-control": "no-cache, no-transform",
            connection: "keep-alive",
            // Proxies (nginx, APIM) must pass events through as they are written.
            "x-accel-buffering": "no",
        });
        this.res.write(`event: endpoint\ndata: ${this.endpoint}\n\n`);
        // Comments keep idle connections open through load balancers and the gateway (~4 min idle limit).
        this.keepAlive = setInterval(() => this.res.write(": keep-alive\n\n"), this.keepAliveMs);
        this.keepAlive.unref();
    }

    async send(message: JSONRPCMessage): Promise<void> {
        if (this.closed) throw new Error(`SSE session ${this.sessionId} is closed`);
        this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    }

    deliver(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
        this.onmessage?.(message, extra);
    }

    async close(): Promise<void> {
        if (!this.closed) this.res.end();
        this.finish();
    }

    private finish(): void {
        if (this.closed) return;
        this.closed = true;
        clearInterval(this.keepAlive);
        this.onclose?.();
    }
}
