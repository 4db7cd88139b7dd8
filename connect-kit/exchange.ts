/**
 * The exchange at Entra's v2 token endpoint: client credentials with the platform token as a JWT
 * client assertion, for `<MCP app id URI>/.default`. Entra's refusals keep their `error` and AADSTS
 * code, which name the mismatch (700211 issuer, 700212 audience, 700213 subject, ...).
 */
import { ConnectKitError, ExchangeRefusedError } from "./errors";
import { call, jsonOf, reason, type HttpOptions } from "./http";

export interface ExchangeRequest {
    readonly tokenEndpoint: string;
    readonly clientId: string;
    readonly scope: string;
    readonly assertion: string;
    readonly http?: HttpOptions;
}

export interface ExchangedToken {
    readonly accessToken: string;
    readonly expiresIn: number;
}

export const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

export async function exchangeAtEntra(request: ExchangeRequest): Promise<ExchangedToken> {
    const body = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: request.clientId,
        scope: request.scope,
        client_assertion_type: clientAssertionType,
        client_assertion: request.assertion,
    });
    let answer;
    try {
        answer = await call(
            request.tokenEndpoint,
            {
                method: "POST",
                headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
                body: body.toString(),
            },
            request.http,
        );
    } catch (error) {
        throw new ConnectKitError(`Entra token endpoint unreachable: ${reason(error)}`, { cause: error });
    }
    const json = jsonOf(answer.text) as Record<string, unknown> | undefined;
    if (answer.status !== 200) {
        const description =
            typeof json?.error_description === "string" ? json.error_description : answer.text.slice(0, 300);
        const codes = Array.isArray(json?.error_codes) ? json.error_codes : [];
        const code = typeof codes[0] === "number" ? `AADSTS${codes[0]}` : /AADSTS\d+/.exec(description)?.[0];
        throw new ExchangeRefusedError(
            answer.status,
            typeof json?.error === "string" ? json.error : "unknown_error",
            code,
            description,
        );
    }
    if (typeof json?.access_token !== "string" || typeof json.expires_in !== "number")
        throw new ConnectKitError("Entra answered 200 without access_token and expires_in");
    return { accessToken: json.access_token, expiresIn: json.expires_in };
}
