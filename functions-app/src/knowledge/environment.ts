import { defaultKnowledgeIndexName, indexNameProblem } from "./search-index-definition";

/** Where the knowledge index is on AI Search, as both hosts read it from KNOWLEDGE_SEARCH_*. */
export interface KnowledgeSearchLocation {
    /** The service, https://<service>.search.windows.net. */
    readonly endpoint: string;
    readonly indexName: string;
    /**
     * Key of a local AI Search stand-in on loopback only; absent means Entra (the managed
     * identity), the only way in Azure, where the service's key authentication is off.
     */
    readonly localKey?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Knowledge search settings (absent when KNOWLEDGE_SEARCH_ENDPOINT is unset) and every problem found. */
export function readKnowledgeEnvironment(env: Env): { location?: KnowledgeSearchLocation; errors: string[] } {
    const text = (name: string): string | undefined => env[name]?.trim() || undefined;
    const endpoint = text("KNOWLEDGE_SEARCH_ENDPOINT");
    const index = text("KNOWLEDGE_SEARCH_INDEX");
    const localKey = text("KNOWLEDGE_SEARCH_LOCAL_KEY");
    if (endpoint === undefined) {
        return {
            errors: [
                ...(index === undefined
                    ? []
                    : ["KNOWLEDGE_SEARCH_INDEX: set without KNOWLEDGE_SEARCH_ENDPOINT"]),
                ...(localKey === undefined
                    ? []
                    : ["KNOWLEDGE_SEARCH_LOCAL_KEY: set without KNOWLEDGE_SEARCH_ENDPOINT"]),
            ],
        };
    }
    const errors: string[] = [];
    let parsed: URL | undefined;
    try {
        parsed = new URL(endpoint);
    } catch {
        errors.push(`KNOWLEDGE_SEARCH_ENDPOINT: not a URL: ${endpoint}`);
    }
    const loopback = parsed !== undefined && loopbackHosts.has(parsed.hostname);
    if (parsed && parsed.protocol !== "https:" && !(loopback && parsed.protocol === "http:")) {
        errors.push(`KNOWLEDGE_SEARCH_ENDPOINT: must be https (http only on loopback), got ${endpoint}`);
    }
    if (parsed && (parsed.pathname !== "/" || parsed.search || parsed.hash || parsed.username)) {
        errors.push(
            `KNOWLEDGE_SEARCH_ENDPOINT: the service's address only (https://<service>.search.windows.net), got ${endpoint}`,
        );
    }
    if (localKey !== undefined && parsed && !loopback) {
        errors.push(
            "KNOWLEDGE_SEARCH_LOCAL_KEY: only for a local stand-in on loopback; Azure uses the managed identity",
        );
    }
    const indexName = index ?? defaultKnowledgeIndexName;
    const problem = indexNameProblem(indexName);
    if (problem) errors.push(`KNOWLEDGE_SEARCH_INDEX: ${problem}, got ${indexName}`);
    if (errors.length > 0 || !parsed) return { errors };
    return {
        location: { endpoint: parsed.origin, indexName, ...(localKey ? { localKey } : {}) },
        errors,
    };
}
