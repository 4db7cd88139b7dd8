import type { IncomingMessage, ServerResponse } from "node:http";
import { jsonRpcCodes, parseJsonRpcBody, type ParsedMessages } from "./jsonrpc";
import { scanJsonShape } from "./json-shape";
import { BodyTooLargeError, readBody, sendJsonRpcError } from "./respond";

/** Largest JSON-RPC body accepted (a snippet is at most 64 KiB; an incident far less). */
export const maxMcpBodyBytes = 1024 * 1024;

/** Most messages in one JSON-RPC batch: bounds the work one request can queue. */
export const maxBatchMessages = 100;

/** Deepest nesting of arrays and objects accepted (tool arguments and incidents need a handful). */
export const maxJsonDepth = 64;

/** A POSTed JSON-RPC body that passed the bounds and the JSON-RPC checks. */
export type AcceptedMessages = Extract<ParsedMessages, { ok: true }>;

/**
 * Reads a POSTed JSON-RPC body (a message or a batch); see {@link messagesOrReject} for what is
 * refused and how.
 */
export async function readMessagesOrReject(
    req: IncomingMessage,
    res: ServerResponse,
): Promise<AcceptedMessages | undefined> {
    let body: Buffer;
    try {
        body = await readBody(req, maxMcpBodyBytes);
    } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        refuseTooLarge(res);
        return undefined;
    }
    return messagesOrReject(body, res);
}

/** Answers 413 for a body over {@link maxMcpBodyBytes}. */
export function refuseTooLarge(res: ServerResponse): void {
    sendJsonRpcError(res, 413, jsonRpcCodes.invalidRequest, `Body larger than ${maxMcpBodyBytes} bytes`);
}

/**
 * The messages of a JSON-RPC body. On a body too deep, a batch over the limit, an empty batch or a
 * single message that is not JSON-RPC it answers 400 with a JSON-RPC error and returns undefined; a
 * batch's malformed members come back refused, each on its own.
 */
export function messagesOrReject(body: Buffer, res: ServerResponse): AcceptedMessages | undefined {
    const problem = scanJsonShape(body, maxJsonDepth, maxBatchMessages);
    if (problem) {
        const message =
            problem === "too-deep"
                ? `Invalid Request: JSON nested deeper than ${maxJsonDepth} levels`
                : `Invalid Request: a batch may hold at most ${maxBatchMessages} messages`;
        sendJsonRpcError(res, 400, jsonRpcCodes.invalidRequest, message);
        return undefined;
    }
    const parsed = parseJsonRpcBody(body);
    if (!parsed.ok) {
        sendJsonRpcError(res, 400, parsed.code, parsed.message);
        return undefined;
    }
    return parsed;
}
