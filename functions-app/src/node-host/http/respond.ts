import type { IncomingMessage, ServerResponse } from "node:http";
import { carriedHeaders, pushCarriedHeaders } from "./correlation";
import { jsonRpcCodes } from "./jsonrpc";

/** Headers every API answer carries: nothing cached, nothing sniffed. */
const baseHeaders = { "cache-control": "no-store", "x-content-type-options": "nosniff" } as const;

export function sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers?: Record<string, string>,
): void {
    const payload = JSON.stringify(body);
    // A flat [name, value, ...] list: Node writes it as is, no object to copy on the hot path.
    const list: (string | number)[] = [
        "content-type",
        "application/json",
        "content-length",
        Buffer.byteLength(payload),
        "cache-control",
        "no-store",
        "x-content-type-options",
        "nosniff",
    ];
    if (headers) {
        for (const name in headers) {
            const value = headers[name];
            if (value !== undefined) list.push(name, value);
        }
    }
    pushCarriedHeaders(res, list);
    res.writeHead(status, list);
    res.end(payload);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...baseHeaders, "content-length": 0, ...carriedHeaders(res), ...headers });
    res.end();
}

/** A JSON-RPC error as the body of an HTTP error (the id is unknown at this point, hence null). */
export function sendJsonRpcError(
    res: ServerResponse,
    status: number,
    code: number,
    message: string,
    headers: Record<string, string> = {},
): void {
    sendJson(res, status, { jsonrpc: "2.0", id: null, error: { code, message } }, headers);
}

export class BodyTooLargeError extends Error {
    constructor(readonly limit: number) {
        super(`request body exceeds ${limit} bytes`);
    }
}

/**
 * Collects the whole body and calls `done` once: with the body, or with a {@link BodyTooLargeError}
 * (Content-Length over `limit`, or more bytes than that arriving) or the stream's error. Callbacks,
 * not a promise: a request answered from its body then waits for no microtask turn.
 */
export function collectBody(
    req: IncomingMessage,
    limit: number,
    done: (error: Error | undefined, body?: Buffer) => void,
): void {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
        req.resume();
        done(new BodyTooLargeError(limit));
        return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: Error | undefined, body?: Buffer): void => {
        if (settled) return;
        settled = true;
        done(error, body);
    };
    req.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
            req.removeAllListeners("data");
            req.resume();
            settle(new BodyTooLargeError(limit));
            return;
        }
        chunks.push(chunk);
    });
    req.on("end", () => {
        const [only] = chunks;
        settle(undefined, chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks));
    });
    req.on("error", (error) => settle(error));
}

/** Reads the whole body, refusing more than `limit` bytes (checked against Content-Length first). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
    return new Promise((resolve, reject) =>
        collectBody(req, limit, (error, body) => (error ? reject(error) : resolve(body ?? Buffer.alloc(0)))),
    );
}

/**
 * Answers 415 unless the request's body is declared as JSON; true when it was refused, so the
 * caller returns.
 */
export function refuseUnlessJson(req: IncomingMessage, res: ServerResponse): boolean {
    if (mediaType(req.headers["content-type"]) === "application/json") return false;
    sendJsonRpcError(res, 415, jsonRpcCodes.invalidRequest, "Unsupported Media Type: send application/json");
    return true;
}

/** The media type of a Content-Type header, lower-cased, without parameters. */
function mediaType(header: string | undefined): string {
    if (header === "application/json") return header;
    const [type = ""] = (header ?? "").split(";", 1);
    return type.trim().toLowerCase();
}
