/**
 * Connects the official MCP client (`@modelcontextprotocol/sdk`) to the gateway's MCP endpoint with
 * the agent's access token on every request: Streamable HTTP by default, the legacy HTTP+SSE
 * transport (2024-11-05) on request. A 401 or 403 becomes an {@link McpAuthorizationError} with the
 * gateway's `WWW-Authenticate` challenge; after a 401 the cached token is dropped so the next call
 * exchanges again.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { AgentCredential } from "./credential";
import { McpAuthorizationError } from "./errors";

export interface ConnectOptions {
    /** Stack output `mcpEndpoint` (Streamable HTTP) or `mcpSseUrl` (with `transport: "sse"`). */
    readonly url: string;
    readonly credential: Pick<AgentCredential, "getToken" | "invalidate">;
    readonly transport?: "streamable-http" | "sse";
    readonly clientInfo?: { readonly name: string; readonly version: string };
    readonly fetch?: typeof fetch;
}

/** A fetch that sends the agent's bearer token and turns 401/403 into typed errors. */
export function authorizedFetch(
    credential: ConnectOptions["credential"],
    base: typeof fetch = fetch,
): typeof fetch {
    return async (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set("authorization", `Bearer ${await credential.getToken()}`);
        const response = await base(input, { ...init, headers });
        if (response.status === 401 || response.status === 403) {
            if (response.status === 401) credential.invalidate();
            await response.body?.cancel();
            throw new McpAuthorizationError(response.status, response.headers.get("www-authenticate") ?? "");
        }
        return response;
    };
}

/** A connected client; `close()` it when done. Authorization failures reject with {@link McpAuthorizationError}. */
export async function connectMcp(options: ConnectOptions): Promise<Client> {
    const fetchWithToken = authorizedFetch(options.credential, options.fetch);
    const url = new URL(options.url);
    const transport =
        options.transport === "sse"
            ? new SSEClientTransport(url, { fetch: fetchWithToken })
            : new StreamableHTTPClientTransport(url, { fetch: fetchWithToken });
    const client = new Client(
        options.clientInfo ?? { name: "agents-control-plane-connect-kit", version: "1.0.0" },
    );
    try {
        await client.connect(transport);
    } catch (error) {
        await client.close().catch(() => undefined);
        throw unwrapAuthorization(error);
    }
    return client;
}

/** The SDK may wrap what fetch threw; surface the authorization error itself. */
export function unwrapAuthorization(error: unknown): unknown {
    let e: unknown = error;
    for (let depth = 0; e instanceof Error && depth < 5; depth++) {
        if (e instanceof McpAuthorizationError) return e;
        e = e.cause;
    }
    return error;
}
