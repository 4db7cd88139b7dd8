import type { IncomingMessage, ServerResponse } from "node:http";
import type { Tracing } from "../../tracing/tracing";
import { correlationIdOf } from "./correlation";

/**
 * Serves one request inside a server span that continues the caller's W3C trace (`traceparent`,
 * `tracestate`; the gateway forwards both). The span ends when the exchange does (the response
 * sent, or the connection gone), so a stream's span covers the stream. A span nothing records (an
 * unsampled trace) waits for no end: most requests, where few new traces are sampled.
 */
export function serveTraced(
    tracing: Tracing,
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    serve: () => void,
): void {
    const method = req.method ?? "GET";
    const span = tracing.startFromRemote(
        `${method} ${path}`,
        "server",
        { traceparent: req.headers.traceparent, tracestate: req.headers.tracestate },
        { "http.request.method": method, "http.route": path, "url.path": path },
    );
    if (!span.recording) return serve();
    res.once("close", () => {
        span.setAttributes({
            "http.response.status_code": res.statusCode,
            "correlation.id": correlationIdOf(res),
        });
        // A client leaving a stream is how streams end, not a failure.
        if (res.statusCode >= 500) span.fail(`HTTP ${res.statusCode}`);
        span.end();
    });
    span.run(serve);
}
