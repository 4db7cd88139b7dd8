/** The calls the throughput benches load a server with: as a client sends them, and as the gateway forwards them. */
import { appRoles, forwardedCallerHeader, forwardedRolesHeader, gatewayRole } from "functions-app/contract";
import type { TokenIssuer } from "functions-app/test-support/token-issuer";

export const mcpPath = "/runtime/webhooks/mcp";

export const callHello = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "hello_mcp", arguments: {} },
});
export const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
};

/** One HTTP request a target is loaded with. */
export interface LoadRequest {
    readonly headers: Record<string, string>;
    readonly body: string;
    /**
     * Each call with a sampled `traceparent` of a trace of its own, as the gateway sends them (a
     * rate-limited host decides by trace id, so one id for every call would be kept or dropped
     * whole). The new header costs the client a request built per call, not the host.
     */
    readonly traceEachCall?: boolean;
}

/** A sampled `traceparent` for a new trace, random ids as the gateway makes them. */
export function newSampledTraceparent(): string {
    const word = () => ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
    return `00-${word()}${word()}${word()}${word()}-${word()}${word()}-01`;
}

export const legacyCall: LoadRequest = { headers, body: callHello };

/** The same call as a modern (2026-07-28) client sends it: version and capabilities in `_meta`. */
export const modernCall: LoadRequest = {
    headers: {
        ...headers,
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "hello_mcp",
    },
    body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
            name: "hello_mcp",
            arguments: {},
            _meta: {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1" },
            },
        },
    }),
};

/** The audience the bench's gateway token is for. */
export const benchAudience = "api://agents-control-plane-bench";

/**
 * The AKS backend's settings (components/kubernetes/deployment.ts `hostEnvironment`) with a local
 * signing-key server in place of Entra ID, and the call as the gateway forwards it: its own token,
 * the agent's client id and roles, and its correlation id.
 */
export async function aksLike(
    issuer: TokenIssuer,
): Promise<{ env: Record<string, string>; request: LoadRequest }> {
    const token = await issuer.sign(
        { aud: benchAudience, azp: "gateway-managed-identity", roles: [gatewayRole] },
        { expiresIn: "2h" },
    );
    return {
        env: {
            AUTH_ISSUER: issuer.issuer,
            AUTH_AUDIENCE: benchAudience,
            AUTH_JWKS_URI: issuer.jwksUri,
            AUTH_RESOURCE: "https://gateway.example/mcp",
            ALLOWED_ORIGINS: "https://portal.example",
            PUBLIC_BASE_URL: "https://gateway.example",
        },
        request: {
            headers: {
                ...headers,
                authorization: `Bearer ${token}`,
                [forwardedCallerHeader]: "00000000-0000-0000-0000-0000000000a1",
                [forwardedRolesHeader]: appRoles.toolsInvoke,
                // The gateway sets one on every request it forwards (apim-policies/mcp-api.xml).
                "x-correlation-id": "3f2c9a1e-5b7d-4c8e-9a0f-1d2e3c4b5a69",
            },
            body: callHello,
        },
    };
}
