/** Where the memory container is, as the Node host reads it from MEMORY_COSMOS_*. */
export interface MemoryLocation {
    readonly endpoint: string;
    readonly database: string;
    readonly container: string;
    /**
     * Key for a local Cosmos DB REST server on loopback only; absent means Entra (the managed
     * identity), which is the only way in Azure, where the account's local auth is disabled.
     */
    readonly localKey?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);
const resourceName = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

/** Memory settings (absent when MEMORY_COSMOS_ENDPOINT is unset) and every problem found. */
export function readMemoryEnvironment(env: Env): { location?: MemoryLocation; errors: string[] } {
    const text = (name: string): string | undefined => env[name]?.trim() || undefined;
    const endpoint = text("MEMORY_COSMOS_ENDPOINT");
    const localKey = text("MEMORY_COSMOS_LOCAL_KEY");
    if (endpoint === undefined) {
        return localKey === undefined
            ? { errors: [] }
            : { errors: ["MEMORY_COSMOS_LOCAL_KEY: set without MEMORY_COSMOS_ENDPOINT"] };
    }
    const errors: string[] = [];
    let parsed: URL | undefined;
    try {
        parsed = new URL(endpoint);
    } catch {
        errors.push(`MEMORY_COSMOS_ENDPOINT: not a URL: ${endpoint}`);
    }
    const loopback = parsed !== undefined && loopbackHosts.has(parsed.hostname);
    if (parsed && parsed.protocol !== "https:" && !(loopback && parsed.protocol === "http:")) {
        errors.push(`MEMORY_COSMOS_ENDPOINT: must be https (http only on loopback), got ${endpoint}`);
    }
    if (localKey !== undefined && parsed && !loopback) {
        errors.push(
            "MEMORY_COSMOS_LOCAL_KEY: only for a local server on loopback; Azure uses the managed identity",
        );
    }
    const database = text("MEMORY_COSMOS_DATABASE") ?? "agents";
    const container = text("MEMORY_COSMOS_CONTAINER") ?? "memory";
    for (const [name, value] of [
        ["MEMORY_COSMOS_DATABASE", database],
        ["MEMORY_COSMOS_CONTAINER", container],
    ] as const) {
        if (!resourceName.test(value)) errors.push(`${name}: not a valid Cosmos DB name: ${value}`);
    }
    if (errors.length > 0) return { errors };
    return { location: { endpoint, database, container, ...(localKey ? { localKey } : {}) }, errors };
}
