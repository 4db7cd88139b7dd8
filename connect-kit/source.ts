/**
 * A platform token source: where an agent's workload token comes from on its platform. The kit
 * sends that token to Entra as the client assertion, so each source also says which audience its
 * token must carry (what the federated credential, or Entra for a certificate assertion, expects).
 */
import { PlatformTokenUnavailableError } from "./errors";
import { call, reason, type HttpAnswer, type HttpOptions } from "./http";

/**
 * Entra's audience for workload identity federation (public cloud). Stated here, not imported from
 * the program, so the kit needs nothing but itself; the federation evidence test fails if the two differ.
 */
export const tokenExchangeAudience = "api://AzureADTokenExchange";

export interface PlatformTokenSource {
    /** For messages: `gcp`, `aws`, `kubernetes`, ... */
    readonly platform: string;
    /** The `aud` the assertion must carry. */
    readonly assertionAudience: string;
    /** A fresh platform token (a JWT); throws {@link PlatformTokenUnavailableError}. */
    token(): Promise<string>;
}

/**
 * Calls a platform endpoint; any answer but 2xx, and any network failure, becomes a
 * {@link PlatformTokenUnavailableError} naming the platform (never the credentials sent).
 */
export async function platformCall(
    platform: string,
    what: string,
    url: string | URL,
    init: RequestInit,
    http: HttpOptions,
): Promise<HttpAnswer> {
    let answer: HttpAnswer;
    try {
        answer = await call(url, init, http);
    } catch (error) {
        throw new PlatformTokenUnavailableError(platform, `${what}: ${reason(error)}`, undefined, {
            cause: error,
        });
    }
    if (answer.status < 200 || answer.status > 299)
        throw new PlatformTokenUnavailableError(
            platform,
            `${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`,
            answer.status,
        );
    return answer;
}

/** A non-empty string or a {@link PlatformTokenUnavailableError}. */
export function required(platform: string, value: string | undefined, what: string): string {
    if (value === undefined || value === "")
        throw new PlatformTokenUnavailableError(platform, `${what} is not set`);
    return value;
}
