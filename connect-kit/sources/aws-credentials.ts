/**
 * Where an AWS workload's own credentials come from, in the order the AWS SDKs look: the
 * environment (`AWS_ACCESS_KEY_ID`, ...), then the ECS/EKS container credentials endpoint. EC2
 * instance profiles and SSO profiles are left to the caller: pass `credentials` (for instance from
 * `@aws-sdk/credential-providers`) when the workload runs there.
 */
import { PlatformTokenUnavailableError } from "../errors";
import { jsonOf, type HttpOptions } from "../http";
import { platformCall } from "../source";
import type { AwsCredentials } from "./aws-sigv4";

export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export function defaultAwsCredentials(platform: string, http: HttpOptions = {}): AwsCredentialProvider {
    return async () => {
        const env = process.env;
        if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)
            return {
                accessKeyId: env.AWS_ACCESS_KEY_ID,
                secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
                sessionToken: env.AWS_SESSION_TOKEN,
            };
        const url =
            env.AWS_CONTAINER_CREDENTIALS_FULL_URI ??
            (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
                ? `http://169.254.170.2${env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI}`
                : undefined);
        if (!url)
            throw new PlatformTokenUnavailableError(
                platform,
                "no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run in a container with a task role, or pass credentials",
            );
        const authorization = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
        const answer = await platformCall(
            platform,
            "container credentials endpoint",
            url,
            { headers: authorization ? { authorization } : {} },
            http,
        );
        const body = jsonOf(answer.text) as
            { AccessKeyId?: string; SecretAccessKey?: string; Token?: string } | undefined;
        if (!body?.AccessKeyId || !body.SecretAccessKey)
            throw new PlatformTokenUnavailableError(platform, "container credentials endpoint sent no keys");
        return {
            accessKeyId: body.AccessKeyId,
            secretAccessKey: body.SecretAccessKey,
            sessionToken: body.Token,
        };
    };
}
