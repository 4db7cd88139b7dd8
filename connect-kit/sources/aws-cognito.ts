/**
 * AWS Cognito identity pools (the older AWS route): `GetOpenIdTokenForDeveloperIdentity` (JSON 1.1
 * API, needs the workload's AWS credentials) returns an OpenID token from
 * `https://cognito-identity.amazonaws.com` with `aud` = the identity pool id and `sub` = the
 * identity id. The federated credential's audience is therefore the pool id, not the Entra default.
 */
import { PlatformTokenUnavailableError } from "../errors";
import { jsonOf, type HttpOptions } from "../http";
import { platformCall, type PlatformTokenSource } from "../source";
import { defaultAwsCredentials, type AwsCredentialProvider } from "./aws-credentials";
import { signAws } from "./aws-sigv4";

export interface AwsCognitoTokenSourceOptions {
    /** `<region>:<guid>`; the token's audience. */
    readonly identityPoolId: string;
    /** The developer provider name configured on the pool, and this workload's user identifier in it. */
    readonly developerProvider: string;
    readonly developerUserId: string;
    /** The identity id, when known (the federated credential's subject). */
    readonly identityId?: string;
    /** Seconds; Cognito's default is 15 minutes. */
    readonly tokenDurationSeconds?: number;
    /** Default `https://cognito-identity.<region>.amazonaws.com/`, region from the pool id. */
    readonly endpoint?: string;
    readonly credentials?: AwsCredentialProvider;
    readonly http?: HttpOptions;
    readonly now?: () => Date;
}

export function awsCognitoTokenSource(options: AwsCognitoTokenSourceOptions): PlatformTokenSource {
    const region = options.identityPoolId.split(":")[0] ?? "";
    const http = options.http ?? {};
    const credentials = options.credentials ?? defaultAwsCredentials("awsCognito", http);
    return {
        platform: "awsCognito",
        assertionAudience: options.identityPoolId,
        async token() {
            const url = new URL(options.endpoint ?? `https://cognito-identity.${region}.amazonaws.com/`);
            const body = JSON.stringify({
                IdentityPoolId: options.identityPoolId,
                Logins: { [options.developerProvider]: options.developerUserId },
                ...(options.identityId ? { IdentityId: options.identityId } : {}),
                ...(options.tokenDurationSeconds ? { TokenDuration: options.tokenDurationSeconds } : {}),
            });
            const headers = signAws({
                method: "POST",
                url,
                headers: {
                    "content-type": "application/x-amz-json-1.1",
                    "x-amz-target": "AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity",
                },
                body,
                region,
                service: "cognito-identity",
                credentials: await credentials(),
                date: (options.now ?? (() => new Date()))(),
            });
            const answer = await platformCall(
                "awsCognito",
                "Cognito GetOpenIdTokenForDeveloperIdentity",
                url,
                { method: "POST", headers, body },
                http,
            );
            const token = (jsonOf(answer.text) as { Token?: unknown } | undefined)?.Token;
            if (typeof token !== "string")
                throw new PlatformTokenUnavailableError("awsCognito", "Cognito answer has no Token");
            return token;
        },
    };
}
