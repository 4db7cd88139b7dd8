import type { AuthSettings } from "./http/auth";
import type { BlobStoreLocation } from "../storage/blob-snippet-store";
import { readFrontDoorEnvironment, type FrontDoorEnvironment } from "../front-door/environment";
import { readMemoryEnvironment, type MemoryLocation } from "../memory/environment";
import { readKnowledgeEnvironment, type KnowledgeSearchLocation } from "../knowledge/environment";
import { readTracingSettings, type TracingSettings } from "../tracing/settings";

/** Everything the Node host reads from its environment, validated in one place. */
export interface HostSettings {
    readonly port: number;
    readonly host: string;
    readonly storage: BlobStoreLocation;
    readonly auth?: AuthSettings | undefined;
    readonly allowedOrigins: readonly string[];
    /** Host names served besides loopback, the listen address and PUBLIC_BASE_URL's host (ALLOWED_HOSTS). */
    readonly allowedHosts: readonly string[];
    readonly sseKeepAliveMs: number;
    readonly backplane?:
        { readonly queueServiceUrl: string } | { readonly connectionString: string } | undefined;
    /** Base URL clients use to reach this host, for metadata links; derived from Host when unset. */
    readonly publicBaseUrl?: string | undefined;
    /** Canonical tools/list and tools/call answered from the catalog (MCP_FAST_PATH=off sends all to the SDK). */
    readonly fastPath: boolean;
    /** Longest a tool call may take before it answers with a tool error (TOOL_CALL_TIMEOUT_SECONDS). */
    readonly toolCallTimeoutMs: number;
    /** The OAuth front door (FRONT_DOOR_*), when this service runs it. */
    readonly frontDoor?: FrontDoorEnvironment | undefined;
    /** The memory container (MEMORY_COSMOS_*); the memory tools say memory is off without it. */
    readonly memory?: MemoryLocation | undefined;
    /** Folder of documents loaded into the local knowledge index at start (KNOWLEDGE_DIR). */
    readonly knowledgeFolder?: string | undefined;
    /** The knowledge index on AI Search (KNOWLEDGE_SEARCH_*), used instead of a local folder. */
    readonly knowledgeSearch?: KnowledgeSearchLocation | undefined;
    /** Where spans go (TRACING_EXPORTER and its variables); absent: tracing off. */
    readonly tracing?: TracingSettings | undefined;
}

export type SettingsResult = { ok: true; settings: HostSettings } | { ok: false; errors: string[] };

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the host's settings; every problem is reported, each naming its variable. */
export function readSettings(env: Env): SettingsResult {
    const errors: string[] = [];
    const text = (name: string): string | undefined => {
        const v = env[name]?.trim();
        return v ? v : undefined;
    };
    const list = (name: string): string[] =>
        (text(name) ?? "")
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean);
    const url = (name: string, protocols: readonly string[]): string | undefined => {
        const v = text(name);
        if (v === undefined) return undefined;
        try {
            const parsed = new URL(v);
            if (!protocols.includes(parsed.protocol)) {
                errors.push(`${name}: must be a ${protocols.join(" or ")} URL, got ${v}`);
            }
        } catch {
            errors.push(`${name}: not a URL: ${v}`);
        }
        return v;
    };
    const integer = (name: string, fallback: number, min: number, max: number): number => {
        const v = text(name);
        if (v === undefined) return fallback;
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) {
            errors.push(`${name}: must be an integer from ${min} to ${max}, got ${v}`);
            return fallback;
        }
        return n;
    };

    const port = integer("PORT", 7071, 0, 65535);
    const keepAliveSeconds = integer("SSE_KEEPALIVE_SECONDS", 15, 1, 230);
    // Below the gateway's idle timeout (about 4 minutes), so the caller hears the tool error.
    const toolCallTimeoutSeconds = integer("TOOL_CALL_TIMEOUT_SECONDS", 10, 1, 230);
    const fastPathValue = (text("MCP_FAST_PATH") ?? "on").toLowerCase();
    if (fastPathValue !== "on" && fastPathValue !== "off") {
        errors.push(`MCP_FAST_PATH: must be on or off, got ${fastPathValue}`);
    }

    const connectionString = text("SNIPPETS_STORAGE_CONNECTION_STRING");
    const accountUrl = url("SNIPPETS_STORAGE_ACCOUNT_URL", ["https:", "http:"]);
    const container = text("SNIPPETS_CONTAINER");
    let storage: BlobStoreLocation | undefined;
    if (connectionString && accountUrl) {
        errors.push("SNIPPETS_STORAGE_CONNECTION_STRING and SNIPPETS_STORAGE_ACCOUNT_URL: set one, not both");
    } else if (connectionString) {
        storage = { connectionString, container };
    } else if (accountUrl) {
        storage = { accountUrl, container, managedIdentityClientId: text("AZURE_CLIENT_ID") };
    } else {
        errors.push(
            "SNIPPETS_STORAGE_ACCOUNT_URL (managed identity) or SNIPPETS_STORAGE_CONNECTION_STRING (local): one is required",
        );
    }
    if (container !== undefined && !/^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$/.test(container)) {
        errors.push(`SNIPPETS_CONTAINER: not a valid container name: ${container}`);
    }

    let auth: AuthSettings | undefined;
    const issuer = url("AUTH_ISSUER", ["https:", "http:"]);
    const audiences = list("AUTH_AUDIENCE");
    const jwksUri = url("AUTH_JWKS_URI", ["https:", "http:"]);
    if (issuer) {
        if (audiences.length === 0) errors.push("AUTH_AUDIENCE: required when AUTH_ISSUER is set");
        if (!jwksUri) errors.push("AUTH_JWKS_URI: required when AUTH_ISSUER is set");
        const servers = list("AUTH_AUTHORIZATION_SERVERS");
        const scopes = list("AUTH_SCOPES");
        auth = {
            issuer,
            audiences,
            jwksUri: jwksUri ?? "",
            resource: url("AUTH_RESOURCE", ["https:", "http:"]),
            ...(servers.length > 0 ? { authorizationServers: servers } : {}),
            ...(scopes.length > 0 ? { scopes } : {}),
        };
    } else if (audiences.length > 0 || jwksUri) {
        errors.push(
            "AUTH_ISSUER: required when AUTH_AUDIENCE or AUTH_JWKS_URI is set (auth would silently be off)",
        );
    }

    const allowedHosts = list("ALLOWED_HOSTS");
    for (const name of allowedHosts) {
        if (name !== "*" && !/^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$/.test(name)) {
            errors.push(`ALLOWED_HOSTS: ${name} is not a host name or IP address (no scheme, port or path)`);
        }
    }

    const backplaneUrl = url("SSE_BACKPLANE_QUEUE_URL", ["https:", "http:"]);
    const backplaneConnection = text("SSE_BACKPLANE_CONNECTION_STRING");
    const backplane = backplaneUrl
        ? { queueServiceUrl: backplaneUrl }
        : backplaneConnection
          ? { connectionString: backplaneConnection }
          : undefined;

    const frontDoor = readFrontDoorEnvironment(env);
    errors.push(...frontDoor.errors);
    if (frontDoor.settings && !auth)
        errors.push("FRONT_DOOR_ISSUER: the front door needs AUTH_ISSUER (only the gateway may call it)");

    const memory = readMemoryEnvironment(env);
    errors.push(...memory.errors);
    const knowledgeFolder = text("KNOWLEDGE_DIR");
    const knowledgeSearch = readKnowledgeEnvironment(env);
    errors.push(...knowledgeSearch.errors);
    if (knowledgeFolder && knowledgeSearch.location) {
        errors.push("KNOWLEDGE_DIR and KNOWLEDGE_SEARCH_ENDPOINT: set one, not both");
    }
    const tracing = readTracingSettings(env);
    errors.push(...tracing.errors);

    if (errors.length > 0 || !storage) return { ok: false, errors };
    return {
        ok: true,
        settings: {
            port,
            host: text("HOST") ?? "127.0.0.1",
            storage,
            auth,
            allowedOrigins: list("ALLOWED_ORIGINS"),
            allowedHosts,
            sseKeepAliveMs: keepAliveSeconds * 1000,
            backplane,
            publicBaseUrl: url("PUBLIC_BASE_URL", ["https:", "http:"]),
            fastPath: fastPathValue !== "off",
            toolCallTimeoutMs: toolCallTimeoutSeconds * 1000,
            ...(frontDoor.settings ? { frontDoor: frontDoor.settings } : {}),
            ...(memory.location ? { memory: memory.location } : {}),
            ...(knowledgeFolder ? { knowledgeFolder } : {}),
            ...(knowledgeSearch.location ? { knowledgeSearch: knowledgeSearch.location } : {}),
            ...(tracing.settings ? { tracing: tracing.settings } : {}),
        },
    };
}
