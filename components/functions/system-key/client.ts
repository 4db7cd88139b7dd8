/**
 * Reads the Functions MCP extension's system key (`systemKeys.mcp_extension`) through ARM:
 * `POST <arm>/<site id>/host/default/listkeys`. The key exists only once code with an MCP trigger is
 * deployed and the host has started, so until then the call is retried for a bounded time: the
 * answer lacks the key, or ARM relays the host's failure as 400 ("Encountered an error ... from host
 * runtime", azure-cli#20892, azure-docs#69703). 429/5xx and network errors are retried too; 401/403
 * only for a shorter budget (a role assignment not yet in effect), then fail with the likely cause.
 * Only the one key leaves this module: the master key and the other keys in the answer are dropped.
 * No Pulumi imports, so it can be tested against a local HTTP endpoint.
 */

/** The system key the extension creates for its webhook endpoints. */
export const mcpExtensionKeyName = "mcp_extension";

/** Microsoft.Web API version for host/default/listkeys (the one azure-native 3.x uses). */
export const hostKeysApiVersion = "2025-05-01";

export interface Clock {
    now(): number;
    sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface SystemKeyRequest {
    /** ARM base URL, e.g. https://management.azure.com. */
    readonly armEndpoint: string;
    /** Resource id of the function app (/subscriptions/.../providers/Microsoft.Web/sites/<name>). */
    readonly siteId: string;
    /** ARM access token of the deploying identity. */
    readonly token: string;
    /** Give up after this long overall (default 10 min). */
    readonly timeoutMs?: number;
    /** How long 401/403 answers are retried before failing (default 5 min). */
    readonly authRetryMs?: number;
    /** Delay between attempts (default 10 s; a Retry-After header can lengthen it). */
    readonly retryIntervalMs?: number;
    /** Per-request timeout (default 30 s). */
    readonly requestTimeoutMs?: number;
    readonly clock?: Clock;
    readonly log?: (message: string) => void;
}

export class SystemKeyError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "SystemKeyError";
    }
}

/** What one listkeys attempt found: the key, a reason to try again, or a reason to stop. */
type Attempt =
    | { readonly kind: "key"; readonly key: string }
    | { readonly kind: "retry"; readonly reason: string; readonly retryAfterMs?: number }
    | { readonly kind: "auth"; readonly reason: string }
    | { readonly kind: "fatal"; readonly reason: string };

export async function readMcpExtensionKey(req: SystemKeyRequest): Promise<string> {
    const clock = req.clock ?? realClock;
    const started = clock.now();
    const deadline = started + (req.timeoutMs ?? 10 * 60_000);
    const authBudget = req.authRetryMs ?? 5 * 60_000;
    const interval = req.retryIntervalMs ?? 10_000;
    const url = `${req.armEndpoint.replace(/\/+$/, "")}${req.siteId}/host/default/listkeys?api-version=${hostKeysApiVersion}`;
    let firstAuthFailure: number | undefined;
    for (let attempt = 1; ; attempt++) {
        const result = await listKeysOnce(url, req.token, req.requestTimeoutMs ?? 30_000);
        if (result.kind === "key") return result.key;
        if (result.kind === "fatal") throw new SystemKeyError(`listkeys on ${req.siteId}: ${result.reason}`);
        if (result.kind === "auth") {
            firstAuthFailure ??= clock.now();
            if (clock.now() - firstAuthFailure >= authBudget) {
                throw new SystemKeyError(
                    `listkeys on ${req.siteId} was refused (${result.reason}) for ${Math.round((clock.now() - firstAuthFailure) / 1000)} s: ` +
                        "the deploying identity needs Microsoft.Web/sites/host/listkeys/action on the function app " +
                        "(e.g. Website Contributor), or its role assignment is not yet in effect",
                );
            }
        } else {
            firstAuthFailure = undefined;
        }
        const wait = Math.max(interval, result.kind === "retry" ? (result.retryAfterMs ?? 0) : 0);
        if (clock.now() + wait >= deadline) {
            throw new SystemKeyError(
                `the ${mcpExtensionKeyName} system key of ${req.siteId} did not appear within ` +
                    `${Math.round((deadline - started) / 1000)} s (last answer: ${result.reason}); ` +
                    "the host creates it when it starts with an MCP trigger deployed",
            );
        }
        req.log?.(`listkeys attempt ${attempt}: ${result.reason}; retrying in ${wait} ms`);
        await clock.sleep(wait);
    }
}

async function listKeysOnce(url: string, token: string, timeoutMs: number): Promise<Attempt> {
    let res: Response;
    try {
        res = await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-length": "0" },
            signal: AbortSignal.timeout(timeoutMs),
        });
    } catch (err) {
        return {
            kind: "retry",
            reason: `request failed: ${err instanceof Error ? err.message : String(err)}`,
        };
    }
    if (res.status === 200) return keyFrom(await res.text());
    const reason = `${res.status} ${await bodyText(res)}`;
    if (res.status === 401 || res.status === 403) return { kind: "auth", reason };
    // 400/404/409: the host has not started (ARM relays its failure); 408/429/5xx: transient.
    if ([400, 404, 408, 409, 429].includes(res.status) || res.status >= 500) {
        const retryAfter = Number(res.headers.get("retry-after"));
        return {
            kind: "retry",
            reason,
            ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
        };
    }
    return { kind: "fatal", reason };
}

/** Picks `systemKeys.mcp_extension` out of the answer; nothing else in it is kept. */
function keyFrom(text: string): Attempt {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch {
        return { kind: "retry", reason: "200 with a body that is not JSON" };
    }
    const systemKeys =
        typeof parsed === "object" && parsed !== null
            ? (parsed as { systemKeys?: unknown }).systemKeys
            : undefined;
    const key =
        typeof systemKeys === "object" && systemKeys !== null
            ? (systemKeys as Record<string, unknown>)[mcpExtensionKeyName]
            : undefined;
    if (typeof key === "string" && key !== "" && Object.hasOwn(systemKeys as object, mcpExtensionKeyName)) {
        return { kind: "key", key };
    }
    return {
        kind: "retry",
        reason: `200 without systemKeys.${mcpExtensionKeyName} (the host has not created it yet)`,
    };
}

/** The start of an error body, for messages; listkeys errors carry no keys. */
async function bodyText(res: Response): Promise<string> {
    try {
        return (await res.text()).slice(0, 300);
    } catch {
        return "";
    }
}
