/**
 * The front door as a confidential client of Entra ID: the authorize URL it sends users to, and
 * token requests authenticated with a client assertion (the backend's managed identity token for
 * `api://AzureADTokenExchange`, accepted through a federated credential): never a secret.
 */

export interface UpstreamSettings {
    /** `https://login.microsoftonline.com/<tenant>` (the local Entra stand-in's URL locally). */
    readonly authority: string;
    /** The front door's app registration. */
    readonly clientId: string;
    /** Delegated scope of the MCP app, e.g. `api://<mcp app>/MCP.Access`. */
    readonly scope: string;
    /** Where Entra sends the user back: `<issuer>/callback`. */
    readonly redirectUri: string;
    /** A fresh client assertion per token request. */
    readonly clientAssertion: () => Promise<string>;
    readonly timeoutMs?: number;
}

export interface UpstreamTokens {
    readonly accessToken: string;
    /** Undefined when Entra issued none (the scope lacked offline_access). */
    readonly refreshToken?: string | undefined;
    readonly expiresIn: number;
    /** Undefined when Entra did not echo the granted scope. */
    readonly scope?: string | undefined;
}

export class UpstreamError extends Error {
    constructor(
        message: string,
        readonly oauthError: string,
    ) {
        super(message);
    }
}

export class EntraUpstream {
    constructor(private readonly settings: UpstreamSettings) {}

    private get scopes(): string {
        return `${this.settings.scope} offline_access`;
    }

    authorizeUrl(state: string, codeChallenge: string): string {
        const url = new URL(`${this.settings.authority}/oauth2/v2.0/authorize`);
        url.search = new URLSearchParams({
            client_id: this.settings.clientId,
            response_type: "code",
            redirect_uri: this.settings.redirectUri,
            response_mode: "query",
            scope: this.scopes,
            state,
            code_challenge: codeChallenge,
            code_challenge_method: "S256",
        }).toString();
        return url.toString();
    }

    redeemCode(code: string, codeVerifier: string): Promise<UpstreamTokens> {
        return this.tokenRequest({
            grant_type: "authorization_code",
            code,
            code_verifier: codeVerifier,
            redirect_uri: this.settings.redirectUri,
        });
    }

    refresh(refreshToken: string): Promise<UpstreamTokens> {
        return this.tokenRequest({ grant_type: "refresh_token", refresh_token: refreshToken });
    }

    private async tokenRequest(grant: Record<string, string>): Promise<UpstreamTokens> {
        const body = new URLSearchParams({
            ...grant,
            client_id: this.settings.clientId,
            scope: this.scopes,
            client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            client_assertion: await this.settings.clientAssertion(),
        });
        const response = await fetch(`${this.settings.authority}/oauth2/v2.0/token`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body,
            redirect: "error",
            signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000),
        });
        const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        if (!response.ok || typeof json.access_token !== "string") {
            const error = typeof json.error === "string" ? json.error : "server_error";
            throw new UpstreamError(`Entra answered ${response.status} ${error}`, error);
        }
        return {
            accessToken: json.access_token,
            refreshToken: typeof json.refresh_token === "string" ? json.refresh_token : undefined,
            expiresIn:
                typeof json.expires_in === "number" ? json.expires_in : Number(json.expires_in ?? 3599),
            scope: typeof json.scope === "string" ? json.scope : undefined,
        };
    }
}

/**
 * The user's object id from an access token the front door just received from Entra's token
 * endpoint over TLS (so it needs no signature check here; the gateway validates it on every call).
 */
export function userObjectId(accessToken: string): string | undefined {
    const payload = accessToken.split(".")[1];
    if (!payload) return undefined;
    try {
        const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<
            string,
            unknown
        >;
        return typeof claims.oid === "string" ? claims.oid : undefined;
    } catch {
        return undefined;
    }
}
