/** AWS IAM outbound identity federation (`sts:GetWebIdentityToken`; Bedrock, ECS, Lambda). */
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface AwsFederation {
    /** The account's token issuer, `https://<id>.tokens.sts.global.api.aws`. */
    readonly issuer: string;
    /** IAM role ARN the agent runs as (the token's `sub`). */
    readonly roleArn: string;
}

const issuerPattern = /^https:\/\/[a-z0-9-]+\.tokens\.sts\.global\.api\.aws$/;
const roleArnPattern = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

export const awsPlatform: AgentPlatformModule<"aws", AwsFederation> = {
    kind: "aws",
    docs: {
        fields: "`issuer` (`https://<id>.tokens.sts.global.api.aws`), `roleArn`",
        credential: "IAM outbound identity federation, subject = role ARN",
        yaml: "{ issuer: https://<id>.tokens.sts.global.api.aws, roleArn: arn:aws:iam::<acct>:role/<name> }",
    },
    allowedIssuers: ["https://*.tokens.sts.global.api.aws"],
    read: (block) => ({
        issuer: block.requiredString(
            "issuer",
            (x) => issuerPattern.test(x),
            "must be https://<id>.tokens.sts.global.api.aws",
        ),
        roleArn: block.requiredString(
            "roleArn",
            (x) => roleArnPattern.test(x),
            "must be an IAM role ARN arn:aws:iam::<12-digit account>:role/<name>",
        ),
    }),
    federatedCredentials: (aws) => [
        federatedCredential("aws", aws.issuer, aws.roleArn, "AWS IAM outbound identity federation"),
    ],
};
