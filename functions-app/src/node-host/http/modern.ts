import type { IncomingMessage, ServerResponse } from "node:http";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import type { Caller } from "../../catalog";
import { withFields } from "../../logger";
import { admitModern, type ModernError } from "../mcp/modern-admission";
import { answerModern, type ModernAnswer } from "../mcp/modern-answers";
import { isPromise, type MaybePromise } from "../../maybe-promise";
import { authInfoFor, type McpServerDependencies } from "../mcp/server-factory";
import { correlationIdOf } from "./correlation";
import { jsonRpcCodes } from "./jsonrpc";
import { authorizeToolCalls, type AccessControl } from "./mcp-access";
import { sendEmpty, sendJson } from "./respond";

/**
 * One modern-era (2026-07-28) POST, served statelessly: the message is admitted against the
 * revision's header and `_meta` rules, tool calls are authorized on the (now header-checked)
 * body, and the answer comes from the catalog. A request's W3C trace context goes on every log
 * line it causes, and a traced tool call gets one line of its own to join the caller's trace on.
 */
export function serveModern(
    req: IncomingMessage,
    res: ServerResponse,
    message: JSONRPCMessage,
    caller: Caller,
    access: AccessControl,
    deps: McpServerDependencies,
): MaybePromise<void> {
    const admission = admitModern(req.headers, message);
    if (admission.kind === "notification") return sendEmpty(res, 202);
    if (admission.kind === "refused") return sendModernError(res, admission.id, admission.error);
    const { request, trace } = admission;
    if (!authorizeToolCalls(access, caller, [request], req, res)) return;

    const logger = trace
        ? withFields(deps.logger, { ...trace, correlationId: correlationIdOf(res) })
        : deps.logger;
    const started = trace ? performance.now() : 0;
    const answered = (answer: ModernAnswer): void => {
        if (!answer.ok) return sendModernError(res, answer.id, answer.error);
        if (trace && request.method === "tools/call") {
            logger.info("tool call", {
                tool: (request.params as { name: string }).name,
                caller: caller.id,
                isError: (answer.result as { isError?: boolean }).isError === true,
                durationMs: Math.round(performance.now() - started),
            });
        }
        sendJson(res, 200, { jsonrpc: "2.0", id: answer.id, result: answer.result });
    };
    const failed = (error: unknown): void => {
        logger.error("MCP request failed", {
            correlationId: correlationIdOf(res),
            method: request.method,
            error: String(error),
        });
        sendModernError(res, request.id, {
            status: 500,
            code: jsonRpcCodes.internalError,
            message: "Internal error",
        });
    };
    let answer: MaybePromise<ModernAnswer>;
    try {
        answer = answerModern(request, authInfoFor(caller), trace ? { ...deps, logger } : deps);
    } catch (error) {
        return failed(error);
    }
    // A tool answering without I/O is answered in this turn, as on the legacy path.
    return isPromise(answer) ? answer.then(answered, failed) : answered(answer);
}

export function sendModernError(res: ServerResponse, id: RequestId | null, error: ModernError): void {
    const { status, ...body } = error;
    sendJson(res, status, { jsonrpc: "2.0", id, error: body });
}
