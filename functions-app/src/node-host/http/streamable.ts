import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONRPCMessage, JSONRPCRequest } from "@modelcontextprotocol/sdk/types.js";
import type { Caller } from "../../catalog";
import { ExchangeTimeoutError, InvalidMessageError } from "../mcp/direct-transport";
import { eraOf } from "../mcp/era";
import { fastAnswer } from "../mcp/fast-path";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import { unsupportedVersion } from "../mcp/modern-admission";
import {
    allowsBatches,
    isLegacyProtocolVersion,
    isModernProtocolVersion,
    mcpHeaders,
} from "../../mcp/revisions";
import { authInfoFor, type McpServerDependencies } from "../mcp/server-factory";
import type { ServerPool } from "../mcp/server-pool";
import { authenticateOrReject, authorizeToolCalls, localCaller, type AccessControl } from "./mcp-access";
import { isRequest, jsonRpcCodes } from "./jsonrpc";
import type { Logger } from "../../logger";
import { answerBatch } from "./batch";
import { sendModernError, serveModern } from "./modern";
import { correlationIdOf } from "./correlation";
import {
    maxMcpBodyBytes,
    messagesOrReject,
    readMessagesOrReject,
    refuseTooLarge,
    type AcceptedMessages,
} from "./read-messages";
import type { OpenExchanges } from "./open-exchanges";
import { refuseUnlessJson, sendEmpty, sendJson, sendJsonRpcError } from "./respond";

/**
 * MCP Streamable HTTP, stateless: every POST is answered on its own with a JSON body, so any
 * replica can take any request. There is no session and no server-initiated stream, hence GET and
 * DELETE answer 405. Each POST is served in the era it speaks (see `eraOf`): modern (2026-07-28)
 * requests from the catalog per that revision, legacy ones (the handshake revisions) as before.
 */
export function streamableHttpHandler(
    pool: ServerPool,
    access: AccessControl,
    deps: McpServerDependencies,
    /** Canonical legacy tools/list and tools/call skip the SDK's dispatch. */
    fastPath: boolean,
    exchanges: OpenExchanges,
) {
    const logger = deps.logger;
    const fast = fastPath ? deps : undefined;

    /** Serves a body's messages; a value when nothing waited (a tool answering without I/O). */
    function serveMessages(
        req: IncomingMessage,
        res: ServerResponse,
        caller: Caller,
        parsed: AcceptedMessages,
    ): MaybePromise<void> {
        const header = req.headers[mcpHeaders.protocolVersion];
        const version = Array.isArray(header) ? header.join(", ") : header;
        if (!parsed.batch && eraOf(version, parsed.single) === "modern") {
            return serveModern(req, res, parsed.single, caller, access, deps);
        }
        // Only a batch reaches here with a header that is not a handshake revision.
        if (version !== undefined && !isLegacyProtocolVersion(version) && !isModernProtocolVersion(version)) {
            return sendModernError(res, null, unsupportedVersion(version));
        }
        // Only 2025-03-26 has batches (no header means 2025-03-26 on this transport).
        if (parsed.batch && !allowsBatches(version)) {
            sendJsonRpcError(
                res,
                400,
                jsonRpcCodes.invalidRequest,
                `Batches are not allowed with protocol ${version}`,
            );
            return;
        }
        if (!authorizeToolCalls(access, caller, parsed.messages, req, res)) return;

        if (!parsed.batch) {
            const message = parsed.single;
            // A notification or a response: accepted, nothing to answer.
            if (!isRequest(message)) return sendEmpty(res, 202);
            const answer = answerOrError(pool, message, caller, fast, logger, res);
            if (!isPromise(answer)) return sendJson(res, answer.status, answer.message);
            return answer.then((settled) => sendJson(res, settled.status, settled.message));
        }
        return answerBatch(
            parsed.members,
            async (request) => (await answerOrError(pool, request, caller, fast, logger, res)).message,
        ).then((answers) => (answers.length === 0 ? sendEmpty(res, 202) : sendJson(res, 200, answers)));
    }

    const answerFromBody = (req: IncomingMessage, res: ServerResponse, caller: Caller): void =>
        exchanges.answerFromBody(
            req,
            res,
            maxMcpBodyBytes,
            (body) => {
                const parsed = messagesOrReject(body, res);
                return parsed && serveMessages(req, res, caller, parsed);
            },
            refuseTooLarge,
        );

    /**
     * The header checks and a remembered token answer in the request's own turn, and the body's
     * messages from its `end` event: no promise on the way unless a token must be verified or the
     * work waits.
     */
    return (req: IncomingMessage, res: ServerResponse): Promise<void> | undefined => {
        if (req.method !== "POST") {
            res.setHeader("allow", "POST");
            sendJsonRpcError(
                res,
                405,
                jsonRpcCodes.invalidRequest,
                "Method not allowed: this server is stateless",
            );
            return;
        }
        if (!acceptsJsonAndEventStream(req.headers.accept)) {
            sendJsonRpcError(
                res,
                406,
                jsonRpcCodes.invalidRequest,
                "Not Acceptable: Accept must include application/json and text/event-stream",
            );
            return;
        }
        if (refuseUnlessJson(req, res)) return;
        // A remembered token (the gateway's) and auth off (local runs) answer without a promise.
        const authenticated = access.authenticator ? authenticateOrReject(access, req, res) : localCaller;
        if (!isPromise(authenticated)) {
            if (authenticated) answerFromBody(req, res, authenticated);
            return;
        }
        // A token seen for the first time is verified before the body is read.
        return authenticated.then(async (caller) => {
            if (!caller) return;
            const parsed = await readMessagesOrReject(req, res);
            if (parsed) await serveMessages(req, res, caller, parsed);
        });
    };
}

/** A JSON-RPC answer and the HTTP status it gets when it is the only one. */
interface Answer {
    readonly status: number;
    readonly message: JSONRPCMessage;
}

/**
 * The server's answer, or a JSON-RPC error for a message the SDK refused or did not answer in time.
 * A fast-path answer computed without I/O comes back as a value, not a promise.
 */
function answerOrError(
    pool: ServerPool,
    request: JSONRPCRequest,
    caller: Caller,
    fastPath: McpServerDependencies | undefined,
    logger: Logger,
    res: ServerResponse,
): MaybePromise<Answer> {
    try {
        const fast = fastPath && fastAnswer(request, caller, fastPath);
        // The SDK's dispatch takes the caller as its authInfo, made only when it is needed.
        const message = fast ?? pool.request(request, { authInfo: authInfoFor(caller) });
        if (!isPromise(message)) return { status: 200, message };
        return message.then(
            (settled): Answer => ({ status: 200, message: settled }),
            (error: unknown) => errorAnswer(error, request, logger, res),
        );
    } catch (error) {
        return errorAnswer(error, request, logger, res);
    }
}

function errorAnswer(error: unknown, request: JSONRPCRequest, logger: Logger, res: ServerResponse): Answer {
    const [status, code, text] =
        error instanceof InvalidMessageError
            ? [400, jsonRpcCodes.invalidRequest, `Invalid Request: ${error.message.slice(0, 200)}`]
            : error instanceof ExchangeTimeoutError
              ? [504, jsonRpcCodes.internalError, "The request timed out"]
              : [500, jsonRpcCodes.internalError, "Internal error"];
    if (status >= 500) {
        logger.error("MCP request failed", {
            correlationId: correlationIdOf(res),
            method: request.method,
            error: String(error),
        });
    }
    return { status, message: { jsonrpc: "2.0", id: request.id, error: { code, message: text } } };
}

/** The last Accept header found acceptable: clients repeat theirs on every request. */
let lastAcceptable: string | undefined;

/**
 * The spec requires clients to accept both; a wildcard is taken as accepting both. Substring
 * tests rather than a full parse: this runs on every request.
 */
function acceptsJsonAndEventStream(accept: string | undefined): boolean {
    if (!accept) return false;
    if (accept === lastAcceptable) return true;
    if (!acceptsBoth(accept)) return false;
    lastAcceptable = accept;
    return true;
}

function acceptsBoth(accept: string): boolean {
    const value = accept.toLowerCase();
    if (value.includes("*/*")) return true;
    const json = value.includes("application/json") || value.includes("application/*");
    const sse = value.includes("text/event-stream") || value.includes("text/*");
    return json && sse;
}
