/**
 * AWS IAM outbound identity federation: `sts:GetWebIdentityToken` (STS Query API, version
 * 2011-06-15) returns a JWT signed by the account's issuer (`https://<id>.tokens.sts.global.api.aws`)
 * whose `sub` is the calling role's ARN. Regional STS endpoints only (the global one does not serve
 * it); `SigningAlgorithm` RS256 because Entra federates with RS256 issuers; 60-3600 s lifetime.
 */
import { PlatformTokenUnavailableError } from "../errors";
import type { HttpOptions } from "../http";
import { platformCall, required, tokenExchangeAudience, type PlatformTokenSource } from "../source";
import { defaultAwsCredentials, type AwsCredentialProvider } from "./aws-credentials";
import { signAws } from "./aws-sigv4";

export interface AwsTokenSourceOptions {
    /** Default `$AWS_REGION`, else `$AWS_DEFAULT_REGION`. */
    readonly region?: string;
    /** Default `$AWS_ENDPOINT_URL_STS`, else `https://sts.<region>.amazonaws.com/`. */
    readonly stsEndpoint?: string;
    readonly audience?: string;
    /** 60-3600; default 300 (AWS's default). */
    readonly durationSeconds?: number;
    readonly credentials?: AwsCredentialProvider;
    readonly http?: HttpOptions;
    readonly now?: () => Date;
}

export function awsTokenSource(options: AwsTokenSourceOptions = {}): PlatformTokenSource {
    const audience = options.audience ?? tokenExchangeAudience;
    const duration = options.durationSeconds ?? 300;
    if (!Number.isInteger(duration) || duration < 60 || duration > 3600)
        throw new RangeError(`durationSeconds must be an integer from 60 to 3600 (got ${duration})`);
    const http = options.http ?? {};
    const credentials = options.credentials ?? defaultAwsCredentials("aws", http);
    return {
        platform: "aws",
        assertionAudience: audience,
        async token() {
            const region = required(
                "aws",
                options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
                "AWS_REGION (GetWebIdentityToken needs a regional STS endpoint)",
            );
            const url = new URL(
                options.stsEndpoint ??
                    process.env.AWS_ENDPOINT_URL_STS ??
                    `https://sts.${region}.amazonaws.com/`,
            );
            const body = new URLSearchParams({
                Action: "GetWebIdentityToken",
                Version: "2011-06-15",
                "Audience.member.1": audience,
                SigningAlgorithm: "RS256",
                DurationSeconds: String(duration),
            }).toString();
            const headers = signAws({
                method: "POST",
                url,
                headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
                body,
                region,
                service: "sts",
                credentials: await credentials(),
                date: (options.now ?? (() => new Date()))(),
            });
            const answer = await platformCall(
                "aws",
                "STS GetWebIdentityToken",
                url,
                { method: "POST", headers, body },
                http,
            ).catch((error: unknown) => {
                // STS names the cause in <Code> (e.g. OutboundWebIdentityFederationDisabled).
                if (error instanceof PlatformTokenUnavailableError && error.message.includes("<Code>")) {
                    const code = /<Code>([^<]+)<\/Code>/.exec(error.message)?.[1] ?? "";
                    throw new PlatformTokenUnavailableError(
                        "aws",
                        `STS GetWebIdentityToken refused: ${code}`,
                        error.status,
                    );
                }
                throw error;
            });
            const token = /<WebIdentityToken>([^<]+)<\/WebIdentityToken>/.exec(answer.text)?.[1];
            if (!token) throw new PlatformTokenUnavailableError("aws", "STS answer has no WebIdentityToken");
            return token.trim();
        },
    };
}
