/**
 * forward-request: sends the request as the policies left it to the backend, with a deadline for
 * the response headers. `buffer-response="false"` hands the body stream to the client unread, so
 * server-sent events pass through as they arrive; the backend call ends when the client leaves.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { headersFromRaw, MessageBody, urlToString } from "./context";
import { PolicyError, type ForwardOptions, type PolicyRuntime } from "./policies/types";
import { backendTraceHeaders } from "./trace";

/** Hop-by-hop and framing headers: never copied between connections. */
export const hopByHop = new Set([
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
]);

/** Trace context headers: the gateway writes its own (see trace.ts). */
const traceHeaders = new Set(["traceparent", "tracestate"]);

/** Headers sent as separate lines rather than comma-joined (set-header documentation). */
export const separateLines = new Set([
    "user-agent",
    "www-authenticate",
    "proxy-authenticate",
    "cookie",
    "set-cookie",
    "warning",
    "date",
    "expires",
    "if-modified-since",
    "if-unmodified-since",
    "last-modified",
    "retry-after",
]);

export async function forwardToBackend(
    rt: PolicyRuntime,
    options: ForwardOptions,
    signal: AbortSignal,
): Promise<void> {
    const ctx = rt.context;
    if (!ctx.backendBaseUrl)
        throw new PolicyError(
            "forward-request",
            "BackendNotSet",
            "no backend service is set for this request",
            {
                status: 500,
                reason: "Internal Server Error",
            },
        );
    const base = new URL(ctx.backendBaseUrl);
    const target = new URL(
        urlToString({
            ...ctx.request.url,
            scheme: base.protocol.slice(0, -1),
            host: base.hostname,
            port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
            path: base.pathname.replace(/\/+$/, "") + ctx.request.url.path,
        }),
    );
    const headers: Record<string, string[]> = {};
    for (const [name, values] of ctx.request.headers.pairs()) {
        if (hopByHop.has(String(name).toLowerCase()) || traceHeaders.has(String(name).toLowerCase()))
            continue;
        // APIM sends multiple values as one comma-joined line, except for a few headers.
        headers[String(name)] = separateLines.has(String(name).toLowerCase()) ? values : [values.join(",")];
    }
    // The backend entity's credential headers (e.g. a Functions key held in a secret named value).
    for (const [name, values] of ctx.backendHeaders) headers[name] = [values.join(",")];
    // The caller's trace continues with the gateway as the parent (APIM, W3C correlation).
    Object.assign(headers, backendTraceHeaders(ctx.trace));
    const forwardedFor = ctx.request.headers.get("X-Forwarded-For");
    headers["X-Forwarded-For"] = [[...(forwardedFor ?? []), ctx.request.ipAddress].join(", ")];
    const body = ctx.request.body && !ctx.request.body.isConsumed ? ctx.request.body.content : undefined;
    if (body && body.length > 0) headers["Content-Length"] = [String(body.length)];
    else if (!["GET", "HEAD", "DELETE", "OPTIONS"].includes(ctx.request.method))
        headers["Content-Length"] = ["0"];

    const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const send = target.protocol === "https:" ? httpsRequest : httpRequest;
        const req = send(target, { method: ctx.request.method, headers, signal });
        const timer = setTimeout(() => {
            req.destroy();
            reject(
                new PolicyError("forward-request", "Timeout", "Request to the backend service timed out", {
                    status: 504,
                    reason: "Gateway Timeout",
                }),
            );
        }, options.timeoutSeconds * 1000);
        req.on("response", (res) => {
            clearTimeout(timer);
            resolve(res);
        });
        req.on("error", (error) => {
            clearTimeout(timer);
            reject(
                new PolicyError(
                    "forward-request",
                    "BackendConnectionFailure",
                    `Error occured while calling backend service: ${error.message}`,
                    {
                        status: 500,
                        reason: "Internal Server Error",
                    },
                ),
            );
        });
        req.end(body);
    });
    const responseHeaders = headersFromRaw(response.rawHeaders, (name) => !hopByHop.has(name.toLowerCase()));
    ctx.response = {
        statusCode: response.statusCode ?? 502,
        statusReason: response.statusMessage ?? "",
        headers: responseHeaders,
        body: null,
    };
    // Unbuffered, a statement that reads the body buffers it then (document.ts, bufferingResponse).
    if (options.bufferResponse) {
        const chunks: Buffer[] = [];
        for await (const chunk of response) chunks.push(chunk as Buffer);
        ctx.response.body = new MessageBody(Buffer.concat(chunks));
    } else {
        rt.backendStream = response;
    }
}
