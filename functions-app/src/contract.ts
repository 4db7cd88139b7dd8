/**
 * The contract between the tool service, the gateway and the Pulumi program: HTTP paths served by
 * both backends, the MCP app's roles and scope, and which role each tool needs (read from the
 * catalog, where each tool states it). Everything that must agree across those parts is defined
 * here once; nothing here imports a runtime library.
 */
import { appRoles, type AppRole } from "./roles";

/** Paths every backend (Functions host and Node host) serves, so the gateway treats them alike. */
export const backendPaths = {
    /** MCP Streamable HTTP (POST; GET and DELETE answer 405 because the service is stateless). */
    mcpStreamable: "/runtime/webhooks/mcp",
    /** Legacy HTTP+SSE transport (2024-11-05): the event stream. */
    mcpSse: "/runtime/webhooks/mcp/sse",
    /** Legacy HTTP+SSE transport: where clients post their messages. */
    mcpMessage: "/runtime/webhooks/mcp/message",
    /** Sentinel incident webhook (POST JSON). */
    sentinelWebhook: "/api/ai-agent/webhook",
    /** RFC 9728 Protected Resource Metadata (Node host, when auth is on). */
    protectedResourceMetadata: "/.well-known/oauth-protected-resource",
    liveness: "/healthz",
    readiness: "/readyz",
} as const;

/** Paths on the gateway, relative to its base URL. */
export const gatewayPaths = {
    mcp: "/mcp",
    mcpSse: "/mcp/sse",
    mcpMessage: "/mcp/message",
    sentinelWebhook: "/sentinel/ai-agent/webhook",
    protectedResourceMetadata: "/.well-known/oauth-protected-resource",
} as const;

export { allAppRoles, appRoles, type AppRole } from "./roles";
export { toolNames, toolRoles, type ToolName } from "./catalog/tools";

/** Delegated scope users consent to so a client may call the MCP API on their behalf. */
export const delegatedScope = "MCP.Access";

/**
 * Role on the backend app that only the gateway's managed identity holds. The gateway validates
 * the caller and the per-tool role, then calls the backend with its own token carrying this role
 * and the caller's application id in {@link forwardedCallerHeader}.
 */
export const gatewayRole = "Backend.Invoke";

/**
 * Header in which the gateway names the caller it validated: the user's object id (`oid`) for a
 * delegated (user) token, the client application id (`azp`/`appid`) for an app-only token. Rate
 * limits, SSE session ownership and logs key on it. Set by the gateway, overriding any value the
 * caller sent; a host believes it only together with the gateway's own token.
 */
export const forwardedCallerHeader = "x-agent-client-id";

/**
 * Header in which the gateway states the MCP app roles it validated in the caller's token, comma
 * separated. Every backend enforces each tool's role from it (the gateway checks too), so a tool
 * name the backend resolves differently from the gateway can never run without its role. Same
 * trust rule as {@link forwardedCallerHeader}.
 */
export const forwardedRolesHeader = "x-agent-roles";

/**
 * Header in which the gateway names the path at which it serves the legacy SSE message endpoint
 * (`/mcp/message`), so the `endpoint` event a host sends leads clients back through the gateway
 * rather than to the host's own path. Same trust rule as {@link forwardedCallerHeader}.
 */
export const forwardedMessagePathHeader = "x-mcp-message-path";

/** Role the Sentinel webhook requires. */
export const webhookRole: AppRole = appRoles.incidentsAnalyze;

/** Blob container and prefix for snippets: blobs are `snippets/<name>.json`. */
export const snippetContainer = "snippets";

/** Container in the tool storage account that holds the OAuth front door's records. */
export const frontDoorContainer = "oauth-front-door";
