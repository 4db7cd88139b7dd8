/**
 * GitHub Actions: a job with `permissions: id-token: write` gets `ACTIONS_ID_TOKEN_REQUEST_URL`
 * and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; a GET to that URL with `audience` returns `{"value": <jwt>}`
 * (the same request `@actions/core` getIDToken makes).
 */
import { PlatformTokenUnavailableError } from "../errors";
import { jsonOf, type HttpOptions } from "../http";
import { platformCall, required, tokenExchangeAudience, type PlatformTokenSource } from "../source";

export interface GithubActionsTokenSourceOptions {
    /** Default `$ACTIONS_ID_TOKEN_REQUEST_URL`. */
    readonly requestUrl?: string;
    /** Default `$ACTIONS_ID_TOKEN_REQUEST_TOKEN`. */
    readonly requestToken?: string;
    readonly audience?: string;
    readonly http?: HttpOptions;
}

export function githubActionsTokenSource(options: GithubActionsTokenSourceOptions = {}): PlatformTokenSource {
    const audience = options.audience ?? tokenExchangeAudience;
    return {
        platform: "githubActions",
        assertionAudience: audience,
        async token() {
            const hint = " (does the job have permissions: id-token: write?)";
            const url = new URL(
                required(
                    "githubActions",
                    options.requestUrl ?? process.env.ACTIONS_ID_TOKEN_REQUEST_URL,
                    "ACTIONS_ID_TOKEN_REQUEST_URL" + hint,
                ),
            );
            const bearer = required(
                "githubActions",
                options.requestToken ?? process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN" + hint,
            );
            url.searchParams.set("audience", audience);
            const answer = await platformCall(
                "githubActions",
                "Actions token endpoint",
                url,
                { headers: { authorization: `Bearer ${bearer}`, accept: "application/json" } },
                options.http ?? {},
            );
            const body = jsonOf(answer.text) as { value?: unknown } | undefined;
            if (typeof body?.value !== "string")
                throw new PlatformTokenUnavailableError("githubActions", "answer has no value");
            return body.value;
        },
    };
}
