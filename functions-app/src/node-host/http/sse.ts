import type { IncomingMessage, ServerResponse } from "node:http";
import type { Server } from "@modelcontextprotocol/sdk/server/index.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { Caller } from "../../catalog";
import { authInfoFor } from "../mcp/server-factory";
import { loadMcpSdk, type McpSdk } from "../mcp/mcp-sdk";
import type { Logger } from "../../logger";
import { allowsBatches } from "../../mcp/revisions";
import { SseSessionTransport, type SseSessionLimits } from "../mcp/sse-session-transport";
import { forwardedMessagePathHeader } from "../../contract";
import type { AuthenticatedCaller } from "./auth";
import { authenticateOrReject, authorizeToolCalls, type AccessControl } from "./mcp-access";
import { gatewayMessagePath, messageEndpoint } from "./sse-endpoint";
import { carriedHeaders } from "./correlation";
import {
    batchMemberRefusal,
    echoableId,
    invalidRequest,
    jsonRpcCodes,
    type BatchMember,
    type JsonRpcErrorAnswer,
} from "./jsonrpc";
import { readMessagesOrReject } from "./read-messages";
import { refuseUnlessJson, sendJson, sendJsonRpcError } from "./respond";
import { randomUuid } from "../../random-id";

/**
 * What a POST hands to a session: a client message for the session's server, or an answer the
 * host gives itself (a refused batch member), which goes down the stream as it is.
 */
export type SessionInput =
    | { readonly kind: "message"; readonly message: JSONRPCMessage }
    | { readonly kind: "answer"; readonly answer: JsonRpcErrorAnswer };

/** `unknown-session`: no live replica holds it; `too-large`: the relay cannot carry the message. */
export type RelayOutcome = "relayed" | "unknown-session" | "too-large";

/**
 * Relays messages for sessions whose stream another replica holds. Without one, a message for a
 * session this replica does not hold is answered 404.
 */
export interface SseBackplane {
    /** Receive what is relayed for sessions held here. */
    start(deliver: (sessionId: string, input: SessionInput, callerId: string) => void): Promise<void>;
    /** Relay a message or an answer to the replica holding the session. */
    relay(sessionId: string, input: SessionInput, callerId: string): Promise<RelayOutcome>;
    /** The session-id prefix that names this replica, so other replicas know where to relay. */
    readonly replicaId: string;
    stop(): Promise<void>;
}

interface Session {
    readonly transport: SseSessionTransport;
    readonly server: Server;
    readonly caller: Caller;
}

export interface SseOptions {
    readonly createServer: () => Promise<Server>;
    readonly access: AccessControl;
    readonly keepAliveMs: number;
    readonly logger: Logger;
    readonly backplane?: SseBackplane | undefined;
    /** PUBLIC_BASE_URL: the `endpoint` event is then an absolute URL on it. */
    readonly publicBaseUrl?: string | undefined;
    /** How far a session may fall behind before it is ended (defaults: 4 MiB, 100 requests). */
    readonly limits?: SseSessionLimits;
}

/** The legacy HTTP+SSE transport: one SDK server per open stream, messages posted alongside. */
export class SseSessions {
    private readonly sessions = new Map<string, Session>();

    constructor(private readonly options: SseOptions) {}

    async start(): Promise<void> {
        await this.options.backplane?.start((sessionId, input, callerId) => {
            const session = this.sessions.get(sessionId);
            if (session && session.caller.id === callerId) handOver(session, input, session.caller);
        });
    }

    /** GET .../sse: opens a stream and announces where to post messages. */
    readonly open = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (req.method !== "GET") {
            res.setHeader("allow", "GET");
            sendJson(res, 405, {
                error: "method_not_allowed",
                error_description: "open the event stream with GET",
            });
            return;
        }
        const caller = await authenticateOrReject(this.options.access, req, res);
        if (!caller) return;
        const [server, { admitRequest }] = await Promise.all([this.options.createServer(), loadMcpSdk()]);
        // The client may have gone while its token was checked or the SDK loaded: open nothing for it.
        if (res.destroyed || req.socket.destroyed) {
            void server.close();
            return;
        }
        const prefix = this.options.backplane ? `${this.options.backplane.replicaId}.` : "";
        const sessionId = prefix + randomUuid();
        // Only the gateway (its own token) may say where its message endpoint is.
        const viaGateway = (caller as AuthenticatedCaller).viaGateway === true;
        const endpoint = messageEndpoint(sessionId, {
            publicBaseUrl: this.options.publicBaseUrl,
            gatewayPath: viaGateway ? gatewayMessagePath(req.headers[forwardedMessagePathHeader]) : undefined,
        });
        const transport = new SseSessionTransport(
            sessionId,
            res,
            endpoint,
            this.options.keepAliveMs,
            admitRequest,
            this.options.limits,
        );
        this.sessions.set(sessionId, { transport, server, caller });
        transport.onlimit = (reason) =>
            this.options.logger.warn("SSE session ended", { sessionId, callerId: caller.id, reason });
        transport.onclose = () => {
            this.sessions.delete(sessionId);
            void server.close();
        };
        await server.connect(transport);
    };

    /** POST .../message?sessionId=...: hands the message to the session's server; the answer goes down its stream. */
    readonly post = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
        if (req.method !== "POST") {
            res.setHeader("allow", "POST");
            sendJsonRpcError(res, 405, jsonRpcCodes.invalidRequest, "Method not allowed: POST messages here");
            return;
        }
        const sessionId = new URL(req.url ?? "/", "http://host").searchParams.get("sessionId");
        if (!sessionId) {
            sendJsonRpcError(res, 400, jsonRpcCodes.invalidRequest, "sessionId query parameter required");
            return;
        }
        if (refuseUnlessJson(req, res)) return;
        const caller = await authenticateOrReject(this.options.access, req, res);
        if (!caller) return;
        const parsed = await readMessagesOrReject(req, res);
        if (!parsed) return;
        // Loaded already when this replica holds the session; a message to relay may load it.
        const { JSONRPCMessageSchema } = await loadMcpSdk();
        const inputs = parsed.members.map((member, index) =>
            sessionInputFor(member, index, parsed.batch, JSONRPCMessageSchema),
        );
        // The answer travels on the stream, so a message the SDK would silently drop is refused
        // here: the whole POST when it is the only message, only that member in a batch.
        if (!parsed.batch && inputs[0]?.kind === "answer") {
            sendJsonRpcError(
                res,
                400,
                jsonRpcCodes.invalidRequest,
                "Invalid Request: the message does not match the MCP schema",
            );
            return;
        }
        const messages = inputs.flatMap((i) => (i.kind === "message" ? [i.message] : []));
        if (!authorizeToolCalls(this.options.access, caller, messages, req, res)) return;

        const local = this.sessions.get(sessionId);
        if (local) {
            // A session belongs to whoever opened it; anyone else learns nothing about it.
            if (local.caller.id !== caller.id) return sessionNotFound(res);
            const version = local.transport.protocolVersion;
            if (parsed.batch && !allowsBatches(version)) {
                return sendJsonRpcError(
                    res,
                    400,
                    jsonRpcCodes.invalidRequest,
                    `Batches are not allowed with protocol ${version}`,
                );
            }
            for (const input of inputs) {
                if (!handOver(local, input, caller)) {
                    return sendJsonRpcError(
                        res,
                        404,
                        jsonRpcCodes.invalidRequest,
                        "Session ended: too many answers waiting for the client; open a new event stream",
                    );
                }
            }
            return accepted(res);
        }
        const backplane = this.options.backplane;
        if (backplane && !sessionId.startsWith(`${backplane.replicaId}.`)) {
            // The replica holding the session knows its protocol version; batches are not checked here.
            for (const input of inputs) {
                const outcome = await backplane.relay(sessionId, input, caller.id);
                if (outcome === "unknown-session") return sessionNotFound(res);
                if (outcome === "too-large") {
                    return sendJsonRpcError(
                        res,
                        413,
                        jsonRpcCodes.invalidRequest,
                        "Message too large to relay to the replica holding this session",
                    );
                }
            }
            return accepted(res);
        }
        sessionNotFound(res);
    };

    /** Ends every stream (shutdown); clients reconnect to another replica. */
    async closeAll(): Promise<void> {
        await Promise.all([...this.sessions.values()].map((s) => s.transport.close()));
        await this.options.backplane?.stop();
    }
}

/**
 * A posted message as the session takes it: a batch member that is malformed, does not match the
 * MCP schema or is an `initialize` becomes the answer refusing it, with its id; anything else is
 * the message itself.
 */
function sessionInputFor(
    member: BatchMember,
    index: number,
    batch: boolean,
    messageSchema: McpSdk["JSONRPCMessageSchema"],
): SessionInput {
    if (!member.ok) return { kind: "answer", answer: member.answer };
    const message = member.message;
    if (!messageSchema.safeParse(message).success) {
        const detail = `message ${index} does not match the MCP schema`;
        return { kind: "answer", answer: invalidRequest(echoableId(message), detail) };
    }
    const refusal = batch ? batchMemberRefusal(message) : undefined;
    return refusal ? { kind: "answer", answer: refusal } : { kind: "message", message };
}

/**
 * Gives the session its input, a message on behalf of `caller`; false when the session has ended
 * (see `SseSessionTransport.deliver`).
 */
function handOver(session: Session, input: SessionInput, caller: Caller): boolean {
    return input.kind === "answer"
        ? session.transport.answer(input.answer)
        : session.transport.deliver(input.message, { authInfo: authInfoFor(caller) });
}

function accepted(res: ServerResponse): void {
    res.writeHead(202, { "content-type": "text/plain", "content-length": 8, ...carriedHeaders(res) });
    res.end("Accepted");
}

function sessionNotFound(res: ServerResponse): void {
    sendJsonRpcError(res, 404, jsonRpcCodes.invalidRequest, "Session not found; open a new event stream");
}
