import type { ServerResponse } from "node:http";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { carriedHeaders } from "../http/correlation";
import type { JsonRpcErrorAnswer } from "../http/jsonrpc";
import type { admitRequest } from "./request-admission";

/** How far one session may fall behind before it is ended. */
export interface SseSessionLimits {
    /** Bytes written to the stream that the client has not taken yet (beyond the socket's buffers). */
    readonly maxBufferedBytes: number;
    /** Requests delivered to the session's server and not answered yet. */
    readonly maxPendingRequests: number;
}

export const defaultSseSessionLimits: SseSessionLimits = {
    maxBufferedBytes: 4 * 1024 * 1024,
    maxPendingRequests: 100,
};

/**
 * Server side of the legacy HTTP+SSE transport (2024-11-05) for one session: server messages go
 * down the event stream, client messages arrive through `deliver` from the POST endpoint (on this
 * replica, or relayed from another one by the backplane).
 *
 * A client that posts but does not read its stream would otherwise make the process hold every
 * answer in memory; past either limit the session ends: the stream is destroyed (what it holds
 * could never be delivered), `onclose` fires and further messages are refused.
 */
export class SseSessionTransport implements Transport {
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    onclose?: () => void;
    onerror?: (error: Error) => void;
    /** Called once, before `onclose`, when the session ends because it passed a limit. */
    onlimit?: (reason: string) => void;

    /** The version the session's `initialize` settled on; undefined until the server has answered it. */
    protocolVersion: string | undefined;

    private keepAlive: NodeJS.Timeout | undefined;
    private closed = false;
    private readonly pending = new Set<RequestId>();
    /** Ids of `initialize` requests not answered yet, to read the negotiated version from the answer. */
    private readonly initializing = new Set<RequestId>();

    constructor(
        readonly sessionId: string,
        private readonly res: ServerResponse,
        /** URL of the message endpoint: root-relative or absolute (see `messageEndpoint`). */
        private readonly endpoint: string,
        private readonly keepAliveMs: number,
        /** The SDK's request admission, passed in because the SDK loads on first use. */
        private readonly admit: typeof admitRequest,
        private readonly limits: SseSessionLimits = defaultSseSessionLimits,
    ) {
        res.on("close", () => this.finish());
    }

    start(): Promise<void> {
        if (this.closed || this.res.destroyed) {
            this.finish();
            return Promise.resolve();
        }
        this.res.writeHead(200, {
            "content-type": "text/event-stream",
            "cache-control": "no-cache, no-transform",
            connection: "keep-alive",
            // Proxies (nginx, APIM) must pass events through as they are written.
            "x-accel-buffering": "no",
            ...carriedHeaders(this.res),
        });
        this.write(`event: endpoint\ndata: ${this.endpoint}\n\n`);
        // Comments keep idle connections open through load balancers and the gateway (~4 min idle limit).
        this.keepAlive = setInterval(() => this.write(": keep-alive\n\n"), this.keepAliveMs);
        this.keepAlive.unref();
        return Promise.resolve();
    }

    send(message: JSONRPCMessage): Promise<void> {
        if (this.closed) return Promise.reject(new Error(`SSE session ${this.sessionId} is closed`));
        this.writeMessage(message);
        return Promise.resolve();
    }

    /**
     * Hands a client message to the session's server. False when the session is closed, or ends
     * now because the client has too many requests unanswered.
     */
    deliver(message: JSONRPCMessage, extra?: MessageExtraInfo): boolean {
        if (this.closed) return false;
        if ("method" in message && "id" in message && message.id !== undefined) {
            if (this.pending.size >= this.limits.maxPendingRequests) {
                this.end(`more than ${this.limits.maxPendingRequests} requests unanswered`);
                return false;
            }
            const admission = this.admit(message);
            if (!admission.ok) {
                this.writeMessage(admission.answer);
                return true;
            }
            this.pending.add(message.id);
            if (message.method === "initialize") this.initializing.add(message.id);
            this.onmessage?.(admission.request, extra);
            return true;
        }
        if ("method" in message && message.method === "notifications/cancelled") {
            // The SDK sends nothing for a cancelled request, so it is no longer pending.
            const cancelled = (message.params as { requestId?: RequestId } | undefined)?.requestId;
            if (cancelled !== undefined) this.pending.delete(cancelled);
        }
        this.onmessage?.(message, extra);
        return true;
    }

    /**
     * Writes an answer the host gives without the session's server (a refused batch member). False
     * when the session is closed.
     */
    answer(answer: JsonRpcErrorAnswer): boolean {
        if (this.closed) return false;
        this.write(`event: message\ndata: ${JSON.stringify(answer)}\n\n`);
        return true;
    }

    close(): Promise<void> {
        if (!this.closed) this.res.end();
        this.finish();
        return Promise.resolve();
    }

    private writeMessage(message: JSONRPCMessage): void {
        if ("id" in message && !("method" in message) && message.id !== undefined) {
            this.pending.delete(message.id);
            if (this.initializing.delete(message.id) && "result" in message) {
                const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
                if (typeof version === "string") this.protocolVersion = version;
            }
        }
        this.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    }

    private write(chunk: string): void {
        if (this.closed) return;
        this.res.write(chunk);
        if (this.res.writableLength > this.limits.maxBufferedBytes) {
            this.end(`client not reading: more than ${this.limits.maxBufferedBytes} bytes waiting`);
        }
    }

    /** Ends the session for passing a limit; destroying the stream frees what it holds. */
    private end(reason: string): void {
        if (this.closed) return;
        this.onlimit?.(reason);
        this.res.destroy();
        this.finish();
    }

    private finish(): void {
        if (this.closed) return;
        this.closed = true;
        clearInterval(this.keepAlive);
        this.pending.clear();
        this.initializing.clear();
        this.onclose?.();
    }
}
