import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type {
    JSONRPCMessage,
    JSONRPCRequest,
    MessageExtraInfo,
    RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import type { admitRequest } from "./request-admission";

/** The server refused the message without answering (it does not match the MCP schema). */
export class InvalidMessageError extends Error {}

/** The server did not answer in time. */
export class ExchangeTimeoutError extends Error {}

interface Pending {
    readonly resolve: (message: JSONRPCMessage) => void;
    readonly reject: (error: Error) => void;
    readonly timer: NodeJS.Timeout;
}

/**
 * The thinnest transport that lets an SDK server answer one HTTP request: the host hands it a
 * request and awaits the matching response. Notifications the server emits while handling a
 * request have nowhere to go in a JSON (non-streaming) answer and are dropped.
 */
export class DirectTransport implements Transport {
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    onclose?: () => void;
    onerror?: (error: Error) => void;

    private readonly pending = new Map<RequestId, Pending>();

    /** `admit`: the SDK's request admission, passed in because the SDK loads on first use. */
    constructor(private readonly admit: typeof admitRequest) {}

    start(): Promise<void> {
        return Promise.resolve();
    }

    send(message: JSONRPCMessage): Promise<void> {
        if (!("id" in message) || "method" in message || message.id === undefined) return Promise.resolve();
        const waiting = this.pending.get(message.id);
        if (waiting) {
            this.pending.delete(message.id);
            clearTimeout(waiting.timer);
            waiting.resolve(message);
        }
        return Promise.resolve();
    }

    close(): Promise<void> {
        this.fail(new Error("transport closed"));
        this.onclose?.();
        return Promise.resolve();
    }

    /**
     * Delivers a request to the connected server and resolves with its response (or, for params
     * that do not match the method's schema, with an Invalid params error). Rejects when the
     * server reports the message as unusable (the SDK then stays silent) or after `timeoutMs`.
     */
    exchange(
        request: JSONRPCRequest,
        extra: MessageExtraInfo | undefined,
        timeoutMs: number,
    ): Promise<JSONRPCMessage> {
        const admission = this.admit(request);
        if (!admission.ok) return Promise.resolve(admission.answer);
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.pending.delete(request.id);
                reject(
                    new ExchangeTimeoutError(
                        `no answer to request ${String(request.id)} within ${timeoutMs} ms`,
                    ),
                );
            }, timeoutMs);
            this.pending.set(request.id, { resolve, reject, timer });
            try {
                this.onmessage?.(admission.request, extra);
            } catch (error) {
                // A synchronous throw would otherwise leave the exchange and its timer pending.
                this.pending.delete(request.id);
                clearTimeout(timer);
                reject(error instanceof Error ? error : new Error(String(error)));
            }
        });
    }

    /** Rejects every pending exchange; wired to the server's error callback. */
    fail(error: Error): void {
        for (const [id, waiting] of this.pending) {
            this.pending.delete(id);
            clearTimeout(waiting.timer);
            waiting.reject(error);
        }
    }
}
