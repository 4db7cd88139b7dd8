import { backendPaths } from "../../src/contract";

/** A tool result as it came over the wire. */
export interface WireToolResult {
    readonly isError: boolean;
    readonly text: string;
}

/**
 * POSTs one JSON-RPC body (already serialized, so tests can send exact bytes) to the Streamable
 * HTTP endpoint, the way any stateless client does.
 */
export function postMcp(baseUrl: string, body: string | Buffer, signal?: AbortSignal): Promise<Response> {
    return fetch(baseUrl + backendPaths.mcpStreamable, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
        body,
        ...(signal ? { signal } : {}),
    });
}

/** A canonical tools/call over Streamable HTTP; throws unless the answer is a JSON-RPC result. */
export async function callToolOverHttp(
    baseUrl: string,
    name: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
): Promise<WireToolResult> {
    const body = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name, arguments: args },
    });
    const res = await postMcp(baseUrl, body, signal);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`tools/call answered ${res.status}: ${text}`);
    const message = JSON.parse(text) as { result?: { isError?: boolean; content: { text: string }[] } };
    if (!message.result) throw new Error(`tools/call answered without a result: ${text}`);
    const [first] = message.result.content;
    if (!first) throw new Error(`tools/call answered without content: ${text}`);
    return { isError: message.result.isError === true, text: first.text };
}
