import type { IncomingMessage, ServerResponse } from "node:http";
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { authInfoFor } from "../mcp/server-factory";
import type { ServerPool } from "../mcp/server-pool";
import { authenticateOrReject, authorizeToolCalls, type AccessControl } from "./mcp-access";
import { isRequest, jsonRpcCodes, parseJsonRpcBody } from "./jsonrpc";
import { BodyTooLargeError, mediaType, readBody, sendEmpty, sendJson, sendJsonRpcError } from "./respond";

/** Largest JSON-RPC body accepted (a snippet is at most 64 KiB; an incident far less). */
export const maxMcpBodyBytes = 1024 * 1024;

/**
 * MCP Streamable HTTP, stateless: every POST is answered on its own with a JSON body, so any
 * replica can take any request. There is no session and no server-initiated stream, hence GET and
 * DELETE answer 405.
 */
export function streamableHttpHandler(pool: ServerPool, access: AccessControl) {
    return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
        if (mediaType(req.headers["content-type"]) !== "application/json") {
            sendJsonRpcError(
                res,
                415,
                jsonRpcCodes.invalidRequest,
                "Unsupported Media Type: send application/json",
            );
            return;
        }
        const version = req.headers["mcp-protocol-version"];
        if (typeof version === "string" && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
            sendJsonRpcError(
                res,
                400,
                jsonRpcCodes.invalidRequest,
                `Unsupported MCP-Protocol-Version ${version}; supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`,
            );
            return;
        }
        const caller = await authenticateOrReject(access, req, res);
        if (!caller) return;

        let body: Buffer;
        try {
            body = await readBody(req, maxMcpBodyBytes);
        } catch (error) {
            if (error instanceof BodyTooLargeError) {
                sendJsonRpcError(
                    res,
                    413,
                    jsonRpcCodes.invalidRequest,
                    `Body larger than ${maxMcpBodyBytes} bytes`,
                );
                return;
            }
            throw error;
        }
        const parsed = parseJsonRpcBody(body);
        if (!parsed.ok) {
            sendJsonRpcError(res, 400, parsed.code, parsed.message);
            return;
        }
        if (!authorizeToolCalls(access, caller, parsed.messages, req, res)) return;

        const requests = parsed.messages.filter(isRequest);
        if (requests.length === 0) {
            // Notifications and responses only: accepted, nothing to answer.
            sendEmpty(res, 202);
            return;
        }
        const extra = { authInfo: authInfoFor(caller) };
        const answers: JSONRPCMessage[] = await Promise.all(requests.map((r) => pool.request(r, extra)));
        sendJson(res, 200, parsed.batch ? answers : answers[0]);
    };
}

/** The spec requires clients to accept both; a wildcard is taken as accepting both. */
function acceptsJsonAndEventStream(accept: string | undefined): boolean {
    if (!accept) return false;
    const types = accept.split(",").map((part) => mediaType(part));
    if (types.includes("*/*")) return true;
    const json = types.includes("application/json") || types.includes("application/*");
    const sse = types.includes("text/event-stream") || types.includes("text/*");
    return json && sse;
}
