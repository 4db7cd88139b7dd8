import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type {
    JSONRPCMessage,
    JSONRPCRequest,
    MessageExtraInfo,
    RequestId,
} from "@modelcontextprotocol/sdk/types.js";

/**
 * The thinnest transport that lets an SDK server answer one HTTP request: the host hands it a
 * request and awaits the matching response. Notifications the server emits while handling a
 * request have nowhere to go in a JSON (non-streaming) answer and are dropped.
 */
export class DirectTransport implements Transport {
    onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
    onclose?: () => void;
    onerror?: (error: Error) => void;

    private readonly waiting = new Map<RequestId, (message: JSONRPCMessage) => void>();

    async start(): Promise<void> {}

    async send(message: JSONRPCMessage): Promise<void> {
        if (!("id" in message) || "method" in message || message.id === undefined) return;
        const resolve = this.waiting.get(message.id);
        if (resolve) {
            this.waiting.delete(message.id);
            resolve(message);
        }
    }

    async close(): Promise<void> {
        this.onclose?.();
    }

    /** Delivers a request to the connected server and resolves with its response. */
    exchange(request: JSONRPCRequest, extra?: MessageExtraInfo): Promise<JSONRPCMessage> {
        return new Promise((resolve) => {
            this.waiting.set(request.id, resolve);
            this.onmessage?.(request, extra);
        });
    }
}
