import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { backendPaths } from "../../src/contract";

export type TransportKind = "streamable-http" | "sse";

/** Connects the official MCP client to a host over the chosen transport. */
export async function connectClient(baseUrl: string, kind: TransportKind, token?: string): Promise<Client> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const client = new Client({ name: "tool-service-tests", version: "1.0.0" });
    const transport =
        kind === "streamable-http"
            ? new StreamableHTTPClientTransport(new URL(baseUrl + backendPaths.mcpStreamable), {
                  requestInit: { headers },
              })
            : new SSEClientTransport(new URL(baseUrl + backendPaths.mcpSse), {
                  requestInit: { headers },
                  eventSourceInit: {
                      fetch: (url, init) =>
                          fetch(url, { ...init, headers: { ...init?.headers, ...headers } }),
                  },
              });
    await client.connect(transport);
    return client;
}

/** The text of a tool result's first content block. */
export function textOf(result: Record<string, unknown>): string {
    const content = result.content as { type: string; text?: string }[] | undefined;
    const first = content?.[0];
    if (!first || first.type !== "text" || typeof first.text !== "string") {
        throw new Error(`expected text content, got ${JSON.stringify(result)}`);
    }
    return first.text;
}
