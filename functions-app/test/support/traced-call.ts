import { backendPaths } from "../../src/contract";

/** The W3C trace the tests' callers continue: a trace id and the caller's own span. */
export const callerTrace = {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
} as const;

/**
 * One `tools/call` over Streamable HTTP as a traced client sends it: its `traceparent` names
 * {@link callerTrace} and is sampled, unless `traceparent` says otherwise (null: none is sent, so
 * the host starts a new trace).
 */
export function postTracedToolCall(
    hostUrl: string,
    name: string,
    args: Record<string, unknown> = {},
    traceparent: string | null = `00-${callerTrace.traceId}-${callerTrace.spanId}-01`,
): Promise<Response> {
    return fetch(hostUrl + backendPaths.mcpStreamable, {
        method: "POST",
        headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(traceparent !== null ? { traceparent } : {}),
        },
        body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name, arguments: args },
        }),
    });
}
