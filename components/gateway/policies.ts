/**
 * Every APIM policy document the gateway deploys, rendered from `apim-policies/` with the values
 * that are fixed at program time. Values known only at deployment (tenant, app ids, URLs) are APIM
 * named values, listed in {@link gatewayNamedValues}. Pure.
 */
import {
    legacyMethods,
    mcpErrorCodes,
    mcpHeaders,
    metaKeys,
    modernMethods,
    modernProtocolVersions,
    namedMethods,
} from "functions-app/revisions";
import {
    allAppRoles,
    backendPaths,
    delegatedScope,
    forwardedCallerHeader,
    forwardedMessagePathHeader,
    forwardedRolesHeader,
    gatewayPaths,
    toolRoles,
    webhookRole,
} from "functions-app/contract";
import { corsPolicy } from "./cors";
import { gatewayMetricNamespace, gatewayMetrics } from "./metrics";
import { renderFragmentFile, renderPolicyFile, XmlFragment } from "./render";
import type { ContentSafetyConfig } from "../config/content-safety";
import { encodedToolSchemas, gatewayToolSchemas } from "./tool-schemas";
import { serverInfo } from "functions-app/server-factory";

/** Named values the policies use; the gateway defines exactly these. */
export const gatewayNamedValues = {
    tenantId: "mcp-tenant-id",
    mcpAppClientId: "mcp-app-client-id",
    mcpAppIdUri: "mcp-app-id-uri",
    mcpResourceUrl: "mcp-resource-url",
    protectedResourceMetadataUrl: "prm-url",
    backendAudience: "backend-audience",
    /** Where MCP clients get tokens: Entra's v2 issuer, or the gateway's OAuth front door. */
    authorizationServer: "authorization-server",
} as const;

/** Named value holding the Content Safety endpoint; defined only when screening is on. */
export const contentSafetyEndpointNamedValue = "content-safety-endpoint";

export type GatewayNamedValue = (typeof gatewayNamedValues)[keyof typeof gatewayNamedValues];

const definedNamedValues: ReadonlySet<string> = new Set(Object.values(gatewayNamedValues));

export interface GatewayPolicySettings {
    /** APIM backend entity id the APIs route to. */
    readonly backendId: string;
    readonly rateLimitCalls: number;
    readonly rateLimitPeriodSeconds: number;
    readonly maxRequestBodyKb: number;
    /** Shown to users by MCP clients that read the metadata. */
    readonly resourceName: string;
    /** Browser origins allowed to call the MCP API and read its metadata (CORS); empty: none. */
    readonly corsAllowedOrigins: readonly string[];
    /**
     * The host behind the gateway, whose answers the gateway's own must match: the Functions MCP
     * extension refuses a call missing a required argument (and names unknown tools) in its own
     * JSON-RPC terms before the tool runs; the Node host (AKS) answers every argument fault as a tool
     * error.
     */
    readonly toolHost: ToolHost;
    /** Content screening of tool traffic; absent: off (no screening statements at all). */
    readonly contentScreening?: ContentSafetyConfig | undefined;
}

/** Content Safety API the screening fragments call, and its limits (Azure AI Content Safety, 2024-09-01). */
export const contentSafetyApi = {
    version: "2024-09-01",
    /** Entra resource of Cognitive Services, for authentication-managed-identity. */
    resource: "https://cognitiveservices.azure.com",
    /** Characters one text:analyze or text:shieldPrompt call takes. */
    maxChars: 10_000,
    categories: ["Hate", "SelfHarm", "Sexual", "Violence"],
    /** Each call's bound; the two calls run in parallel. */
    timeoutSeconds: 3,
} as const;

/** Which tool host serves the MCP paths behind the gateway. */
export type ToolHost = "functions" | "node";

/** JSON-RPC error code of a call or result refused by content screening (implementation-defined server error). */
export const contentScreeningErrorCode = -32010;

/**
 * How the MCP transport of an operation expects refusals: Streamable HTTP reads a JSON-RPC answer in
 * the response, the legacy SSE transport's POST only learns of failure from a non-2xx status.
 */
export type McpTransport = "streamable" | "legacy-sse";

export interface McpOperation {
    readonly id: string;
    readonly method: "POST" | "GET" | "DELETE";
    /** Relative to the API's path. */
    readonly urlTemplate: string;
    /** Path on the backend (both backends serve it). */
    readonly backendPath: string;
    readonly name: string;
    readonly transport: McpTransport;
}

/** MCP operations on the gateway: relative URL template, method, and the backend path it maps to. */
export const mcpOperations = [
    {
        id: "mcp-post",
        transport: "streamable",
        method: "POST",
        urlTemplate: "/",
        backendPath: backendPaths.mcpStreamable,
        name: "MCP Streamable HTTP (POST)",
    },
    {
        id: "mcp-get",
        transport: "streamable",
        method: "GET",
        urlTemplate: "/",
        backendPath: backendPaths.mcpStreamable,
        name: "MCP Streamable HTTP (GET)",
    },
    {
        id: "mcp-delete",
        transport: "streamable",
        method: "DELETE",
        urlTemplate: "/",
        backendPath: backendPaths.mcpStreamable,
        name: "MCP Streamable HTTP (DELETE)",
    },
    {
        id: "mcp-sse",
        transport: "legacy-sse",
        method: "GET",
        urlTemplate: "/sse",
        backendPath: backendPaths.mcpSse,
        name: "MCP legacy SSE stream",
    },
    {
        id: "mcp-message",
        transport: "legacy-sse",
        method: "POST",
        urlTemplate: "/message",
        backendPath: backendPaths.mcpMessage,
        name: "MCP legacy SSE message",
    },
] as const satisfies readonly McpOperation[];

export interface GatewayPolicies {
    readonly mcpApi: string;
    /** Operation id -> policy. */
    readonly mcpOperations: Readonly<Record<string, string>>;
    readonly sentinelApi: string;
    readonly protectedResourceMetadata: string;
}

/** `hello_mcp=Tools.Invoke;save_snippet=Snippets.Write;...`, parsed by the MCP API policy. */
export function toolRoleTable(): string {
    const entries = Object.entries(toolRoles);
    for (const [tool, role] of entries) {
        if (!/^[A-Za-z0-9_.-]+$/.test(tool) || !/^[A-Za-z0-9_.-]+$/.test(role)) {
            throw new Error(`tool ${tool} / role ${role}: names must be letters, digits, '.', '-' or '_'`);
        }
    }
    return entries.map(([tool, role]) => `${tool}=${role}`).join(";");
}

/**
 * MCP methods the call metric names; any other method is one value, `(other)`, so callers cannot mint
 * new metric series.
 */
export const meteredMcpMethods = [
    "initialize",
    "notifications/initialized",
    "ping",
    "server/discover",
    "tools/list",
    "tools/call",
    "resources/list",
    "resources/read",
    "resources/templates/list",
    "prompts/list",
    "prompts/get",
    "completion/complete",
    "subscriptions/listen",
] as const;

/** A list the policy splits on `separator`: every entry must be non-empty and free of separators. */
function joinedList(what: string, entries: readonly string[], separator: string): string {
    for (const entry of entries) {
        if (!/^[A-Za-z0-9_./=-]+$/.test(entry) || entry.includes(separator)) {
            throw new Error(`${what} ${JSON.stringify(entry)}: letters, digits, '.', '/', '-', '_' only`);
        }
    }
    return entries.join(separator);
}

export function renderGatewayPolicies(s: GatewayPolicySettings): GatewayPolicies {
    const common = {
        backendId: s.backendId,
        rateLimitCalls: s.rateLimitCalls,
        rateLimitPeriodSeconds: s.rateLimitPeriodSeconds,
        maxRequestBytes: s.maxRequestBodyKb * 1024,
        metricNamespace: gatewayMetricNamespace,
    };
    const screening = s.contentScreening;
    const mcpNamedValues: ReadonlySet<string> = screening
        ? new Set([...definedNamedValues, contentSafetyEndpointNamedValue])
        : definedNamedValues;
    const screeningValues = screening
        ? {
              mode: screening.mode,
              severityThreshold: screening.severityThreshold,
              timeoutSeconds: contentSafetyApi.timeoutSeconds,
              maxScreenedChars: contentSafetyApi.maxChars,
              apiVersion: contentSafetyApi.version,
              harmCategories: joinedList("harm category", contentSafetyApi.categories, ","),
              contentSafetyResource: contentSafetyApi.resource,
              findingMetricName: gatewayMetrics.contentFinding,
              metricNamespace: gatewayMetricNamespace,
              screeningErrorCode: contentScreeningErrorCode,
          }
        : undefined;
    const mcpApi = renderPolicyFile(
        "mcp-api",
        {
            ...common,
            contentScreeningInbound: screeningValues
                ? renderFragmentFile(
                      "content-screening-inbound",
                      // Where a legacy SSE client refused in enforce can call tools screened.
                      { ...screeningValues, streamablePath: gatewayPaths.mcp },
                      mcpNamedValues,
                  )
                : XmlFragment.empty,
            contentScreeningOutbound: screeningValues
                ? renderFragmentFile("content-screening-outbound", screeningValues, mcpNamedValues)
                : XmlFragment.empty,
            cors: corsPolicy(s.corsAllowedOrigins),
            appRoles: allAppRoles.join(","),
            delegatedScope,
            toolRoles: toolRoleTable(),
            forwardedCallerHeader,
            forwardedRolesHeader,
            modernProtocolVersions: joinedList("protocol version", modernProtocolVersions, ","),
            protocolVersionHeader: mcpHeaders.protocolVersion,
            methodHeader: mcpHeaders.method,
            nameHeader: mcpHeaders.name,
            protocolVersionMetaKey: metaKeys.protocolVersion,
            namedMethods: joinedList(
                "named method",
                Object.entries(namedMethods).map(([method, field]) => `${method}=${field}`),
                ";",
            ),
            headerMismatchCode: mcpErrorCodes.headerMismatch,
            callMetricName: gatewayMetrics.mcpCall,
            meteredMethods: joinedList("metered method", meteredMcpMethods, ","),
            legacyMethods: joinedList("legacy method", legacyMethods, ","),
            modernMethods: joinedList("modern method", modernMethods, ","),
            toolSchemas: encodedToolSchemas(gatewayToolSchemas()),
            toolHost: s.toolHost,
            // A modern tool error names the server as the host's results do.
            serverInfoMetaKey: metaKeys.serverInfo,
            serverName: serverInfo.name,
            serverVersion: serverInfo.version,
            // APIM waits this long for response headers; streams then run until the client leaves.
            backendTimeoutSeconds: 120,
        },
        mcpNamedValues,
    );
    const operations: Record<string, string> = {};
    for (const op of mcpOperations) {
        operations[op.id] = renderPolicyFile(
            "mcp-operation",
            {
                backendPath: op.backendPath,
                transport: op.transport,
                messagePathHeader: forwardedMessagePathHeader,
                messagePath: gatewayPaths.mcpMessage,
            },
            definedNamedValues,
        );
    }
    const sentinelApi = renderPolicyFile(
        "sentinel-api",
        {
            ...common,
            requiredRole: webhookRole,
            appRoles: allAppRoles.join(","),
            forwardedCallerHeader,
            forwardedRolesHeader,
            backendPath: backendPaths.sentinelWebhook,
            backendTimeoutSeconds: 60,
            webhookMetricName: gatewayMetrics.sentinelWebhook,
        },
        definedNamedValues,
    );
    const protectedResourceMetadata = renderPolicyFile(
        "protected-resource-metadata",
        { cors: corsPolicy(s.corsAllowedOrigins), delegatedScope, resourceName: s.resourceName },
        definedNamedValues,
    );
    return { mcpApi, mcpOperations: operations, sentinelApi, protectedResourceMetadata };
}
