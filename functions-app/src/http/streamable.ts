import type { IncomingMessage, ServerResponse } from "node:http";
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { authInfoFor } from "../mcp/server-factory";
import type { ServerPool } from "../mcp/server-pool";
import { authenticateOrReject, authorizeToolCalls, localCaller, type AccessControl } from "./mcp-access";
import { isRequest, jsonRpcCodes } from "./jsonrpc";
import { readMessagesOrReject } from "./read-messages";
import { mediaType, sendEmpty, sendJson, sendJsonRpcError } from "./respond";

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
        // Auth off (local runs) skips a promise per request on the hot path.
        const caller = access.authenticator ? await authenticateOrReject(access, req, res) : localCaller;
        if (!caller) return;

        const parsed = await readMessagesOrReject(req, res);
        if (!parsed) return;
        if (!authorizeToolCalls(access, caller, parsed.messages, req, res)) return;

        const extra = { authInfo: authInfoFor(caller) };
        if (!parsed.batch) {
            const message = parsed.messages[0];
            // A notification or a response: accepted, nothing to answer.
            if (!isRequest(message)) return sendEmpty(res, 202);
            return sendJson(res, 200, await pool.request(message, extra));
        }
        const requests = parsed.messages.filter(isRequest);
        if (requests.length === 0) return sendEmpty(res, 202);
        const answers: JSONRPCMessage[] = await Promise.all(requests.map((r) => pool.request(r, extra)));
        sendJson(res, 200, answers);
    };
}

/**
 * The spec requires clients to accept both; a wildcard is taken as accepting both. Substring
 * tests rather than a full parse: this runs on every request.
 */
function acceptsJsonAndEventStream(accept: string | undefined): boolean {
    if (!accept) return false;
    const value = accept.toLowerCase();
    if (value.includes("*/*")) return true;
    const json = value.includes("application/json") || value.includes("application/*");
    const sse = value.includes("text/event-stream") || value.includes("text/*");
    return json && sse;
}
