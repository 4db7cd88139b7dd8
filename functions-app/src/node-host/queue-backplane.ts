import { nodeCrypto } from "../lazy-builtins";
import type { QueueClient, QueueServiceClient } from "@azure/storage-queue";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { JsonRpcErrorAnswer } from "./http/jsonrpc";
import type { RelayOutcome, SessionInput, SseBackplane } from "./http/sse";
import type { Logger } from "../logger";
import { lazyManagedIdentityCredential, loadQueueSdk, restErrorStatus } from "../storage/azure-sdk";

export type BackplaneLocation = { readonly queueServiceUrl: string } | { readonly connectionString: string };

/**
 * Relayed envelope; queue messages are text, at most 64 KiB. `m`: a client message for the
 * session's server; `a`: an answer for the session's stream (a refused batch member).
 */
type Envelope = { readonly s: string; readonly c: string } & (
    | { readonly m: JSONRPCMessage; readonly a?: undefined }
    | { readonly a: JsonRpcErrorAnswer; readonly m?: undefined }
);

/** Leave room for the service's XML framing within the 64 KiB message limit. */
const maxEnvelopeBytes = 60 * 1024;
const queuePrefix = "mcp-backplane-";
const replicaIdPattern = /^[a-z0-9]{12}$/;

/**
 * SSE backplane on Azure Storage Queues, the design the Functions MCP extension uses: each replica
 * owns one queue, named by the replica id that prefixes its session ids. A replica that receives a
 * message for a session it does not hold puts it on the owner's queue; the owner drains its queue
 * in order and hands each message to the session's server, whose answer goes down the stream.
 */
export class QueueBackplane implements SseBackplane {
    readonly replicaId = nodeCrypto().randomBytes(6).toString("hex");
    private readonly ownQueue: QueueClient;
    private running = false;
    private loop: Promise<void> | undefined;
    private wake: (() => void) | undefined;

    constructor(
        private readonly service: QueueServiceClient,
        private readonly logger: Logger,
    ) {
        this.ownQueue = service.getQueueClient(queuePrefix + this.replicaId);
    }

    async start(deliver: (sessionId: string, input: SessionInput, callerId: string) => void): Promise<void> {
        await this.ownQueue.createIfNotExists();
        this.running = true;
        this.loop = this.drain(deliver);
    }

    async relay(sessionId: string, input: SessionInput, callerId: string): Promise<RelayOutcome> {
        const owner = sessionId.split(".", 1)[0] ?? "";
        if (!replicaIdPattern.test(owner)) return "unknown-session";
        const envelope: Envelope =
            input.kind === "message"
                ? { s: sessionId, c: callerId, m: input.message }
                : { s: sessionId, c: callerId, a: input.answer };
        const text = JSON.stringify(envelope);
        if (Buffer.byteLength(text) > maxEnvelopeBytes) return "too-large";
        try {
            await this.service
                .getQueueClient(queuePrefix + owner)
                .sendMessage(text, { messageTimeToLive: 300 });
            return "relayed";
        } catch (error) {
            // The owner is gone (its queue deleted on shutdown): the session no longer exists.
            if (restErrorStatus(error) === 404) return "unknown-session";
            throw error;
        }
    }

    async stop(): Promise<void> {
        this.running = false;
        this.wake?.();
        await this.loop;
        await this.ownQueue.deleteIfExists().catch(() => undefined);
    }

    /** Polls the replica's queue: immediately again while messages flow, backing off to 500 ms when idle. */
    private async drain(deliver: (sessionId: string, input: SessionInput, callerId: string) => void) {
        let idleMs = 10;
        while (this.running) {
            try {
                const batch = await this.ownQueue.receiveMessages({
                    numberOfMessages: 32,
                    visibilityTimeout: 30,
                });
                for (const item of batch.receivedMessageItems) {
                    const envelope = parseEnvelope(item.messageText);
                    if (envelope) deliver(envelope.s, inputOf(envelope), envelope.c);
                    await this.ownQueue.deleteMessage(item.messageId, item.popReceipt);
                }
                if (batch.receivedMessageItems.length > 0) {
                    idleMs = 10;
                    continue;
                }
            } catch (error) {
                if (!this.running) break;
                this.logger.warn("backplane receive failed", { error: String(error) });
            }
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, idleMs);
                this.wake = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
            idleMs = Math.min(idleMs * 2, 500);
        }
    }
}

function parseEnvelope(text: string): Envelope | undefined {
    try {
        const v = JSON.parse(text) as { s?: unknown; c?: unknown; m?: unknown; a?: unknown };
        if (typeof v.s !== "string" || typeof v.c !== "string") return undefined;
        const carried = (v.m === undefined) !== (v.a === undefined) ? (v.m ?? v.a) : undefined;
        return typeof carried === "object" && carried !== null ? (v as Envelope) : undefined;
    } catch {
        return undefined;
    }
}

function inputOf(envelope: Envelope): SessionInput {
    return envelope.a === undefined
        ? { kind: "message", message: envelope.m }
        : { kind: "answer", answer: envelope.a };
}

export async function createQueueBackplane(
    location: BackplaneLocation,
    logger: Logger,
): Promise<QueueBackplane> {
    const { QueueServiceClient } = await loadQueueSdk();
    const service =
        "connectionString" in location
            ? QueueServiceClient.fromConnectionString(location.connectionString)
            : new QueueServiceClient(
                  location.queueServiceUrl,
                  lazyManagedIdentityCredential({ managedIdentityClientId: process.env.AZURE_CLIENT_ID }),
              );
    return new QueueBackplane(service, logger);
}
