/**
 * Azure Container Registry token exchange: an Entra (ARM) access token becomes an ACR refresh
 * token, which `docker login` accepts as the password of the null-GUID user. This is how images
 * are pushed to a registry whose admin user is off. No Pulumi imports; tested against a local server.
 */

/** The user name ACR expects with a refresh token. */
export const acrTokenUserName = "00000000-0000-0000-0000-000000000000";

export interface AcrRefreshToken {
    readonly refreshToken: string;
    /** Expiry (epoch seconds) read from the token. */
    readonly expiresAt: number;
}

export interface ExchangeOptions {
    /** e.g. contoso.azurecr.io */
    readonly loginServer: string;
    readonly tenantId: string;
    /** Entra access token for https://management.azure.com/. */
    readonly armToken: string;
    /** Base URL override (tests); defaults to https://<loginServer>. */
    readonly baseUrl?: string;
    readonly fetch?: typeof fetch;
}

export async function exchangeAcrRefreshToken(options: ExchangeOptions): Promise<AcrRefreshToken> {
    const doFetch = options.fetch ?? fetch;
    const base = options.baseUrl ?? `https://${options.loginServer}`;
    const body = new URLSearchParams({
        grant_type: "access_token",
        service: options.loginServer,
        tenant: options.tenantId,
        access_token: options.armToken,
    });
    const response = await doFetch(`${base}/oauth2/exchange`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: body.toString(),
    });
    const text = await response.text();
    if (!response.ok) {
        throw new Error(
            `ACR token exchange at ${options.loginServer} failed with ${response.status}: ${text.slice(0, 300)} ` +
                "(the deploying identity needs AcrPush on the registry)",
        );
    }
    let refreshToken: unknown;
    try {
        refreshToken = (JSON.parse(text) as { refresh_token?: unknown }).refresh_token;
    } catch {
        refreshToken = undefined;
    }
    if (typeof refreshToken !== "string" || refreshToken === "") {
        throw new Error(`ACR token exchange at ${options.loginServer} returned no refresh_token`);
    }
    return { refreshToken, expiresAt: tokenExpiry(refreshToken) };
}

/** `exp` of a JWT, without verifying it (the registry verifies its own tokens). */
export function tokenExpiry(jwt: string): number {
    const payload = jwt.split(".")[1];
    if (!payload) throw new Error("the registry token is not a JWT");
    const exp = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    if (typeof exp !== "number") throw new Error("the registry token has no exp claim");
    return exp;
}

/** Whether a token expiring at `expiresAt` should be renewed before a push starting `now`. */
export function needsRenewal(expiresAt: number | undefined, now: number, marginSeconds = 1800): boolean {
    return expiresAt === undefined || expiresAt - marginSeconds <= now;
}
