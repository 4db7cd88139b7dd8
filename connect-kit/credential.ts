/**
 * An agent's access token for the MCP API: platform token -> checks -> exchange at Entra -> checks,
 * cached and renewed before it expires. Concurrent callers share one exchange (single flight).
 */
import { exchangeAtEntra } from "./exchange";
import type { HttpOptions } from "./http";
import { entraTokenEndpoint } from "./sources/certificate";
import type { PlatformTokenSource } from "./source";
import { checkToken } from "./token-checks";

export interface AgentCredentialOptions {
    readonly source: PlatformTokenSource;
    /** The agent's app registration (stack output `agents.<name>.clientId`). */
    readonly clientId: string;
    readonly tenantId: string;
    /** `<MCP app id URI>/.default` (stack output `agents.<name>.scope`). */
    readonly scope: string;
    /** Default `<$AZURE_AUTHORITY_HOST or https://login.microsoftonline.com>/<tenant>/oauth2/v2.0/token`. */
    readonly tokenEndpoint?: string;
    /**
     * Audiences an access token for the MCP API may carry: default the app id URI and, for
     * `api://<guid>`, the guid (v2 tokens carry the client id).
     */
    readonly accessTokenAudiences?: readonly string[];
    /** Renew this long before expiry; default 300 s, at most half the token's life. */
    readonly refreshBeforeSeconds?: number;
    readonly http?: HttpOptions;
    readonly now?: () => number;
}

interface Cached {
    readonly token: string;
    readonly expiresAt: number;
    readonly renewAt: number;
}

export class AgentCredential {
    private cached: Cached | undefined;
    private inFlight: Promise<Cached> | undefined;
    private exchangeCount = 0;

    constructor(private readonly options: AgentCredentialOptions) {}

    /** A valid access token, from the cache when it is not due for renewal. */
    async getToken(): Promise<string> {
        const now = this.now();
        const cached = this.cached;
        if (cached && now < cached.renewAt) return cached.token;
        this.inFlight ??= this.renew().finally(() => (this.inFlight = undefined));
        try {
            return (await this.inFlight).token;
        } catch (error) {
            // A failed early renewal leaves a token that is still good: use it, try again next time.
            if (cached && now < cached.expiresAt - 30_000) return cached.token;
            throw error;
        }
    }

    /** How many exchanges were made (metrics, tests). */
    get exchanges(): number {
        return this.exchangeCount;
    }

    /** Forget the cached token (after the gateway refused it). */
    invalidate(): void {
        this.cached = undefined;
    }

    private now(): number {
        return (this.options.now ?? Date.now)();
    }

    private async renew(): Promise<Cached> {
        const options = this.options;
        const source = options.source;
        const assertion = await source.token();
        checkToken(assertion, {
            token: "assertion",
            audiences: [source.assertionAudience],
            now: () => this.now(),
        });
        this.exchangeCount++;
        const exchanged = await exchangeAtEntra({
            tokenEndpoint: options.tokenEndpoint ?? entraTokenEndpoint(options.tenantId),
            clientId: options.clientId,
            scope: options.scope,
            assertion,
            ...(options.http ? { http: options.http } : {}),
        });
        const claims = checkToken(exchanged.accessToken, {
            token: "access token",
            audiences: options.accessTokenAudiences ?? resourceAudiences(options.scope),
            now: () => this.now(),
        });
        const issuedAt = typeof claims.iat === "number" ? claims.iat * 1000 : this.now();
        const expiresAt = claims.exp * 1000;
        const margin = Math.min((options.refreshBeforeSeconds ?? 300) * 1000, (expiresAt - issuedAt) / 2);
        const fresh = { token: exchanged.accessToken, expiresAt, renewAt: expiresAt - margin };
        this.cached = fresh;
        return fresh;
    }
}

/** The audiences Entra puts on tokens for the resource named by `scope`. */
export function resourceAudiences(scope: string): string[] {
    const appIdUri = scope.replace(/\/\.default$/, "");
    const guid = /^api:\/\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(
        appIdUri,
    )?.[1];
    return guid ? [appIdUri, guid] : [appIdUri];
}
