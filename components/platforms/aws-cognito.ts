/** AWS Cognito identity pools (the older AWS route): the token's audience is the pool id. */
import { federatedCredential } from "../identity/federation";
import type { AgentPlatformModule } from "./platform";

export interface AwsCognitoFederation {
    /** `<region>:<guid>`; Cognito puts it in `aud`. */
    readonly identityPoolId: string;
    /** `<region>:<guid>`; Cognito puts it in `sub`. */
    readonly identityId: string;
}

const issuer = "https://cognito-identity.amazonaws.com";
const cognitoIdPattern =
    /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const awsCognitoPlatform: AgentPlatformModule<"awsCognito", AwsCognitoFederation> = {
    kind: "awsCognito",
    docs: {
        fields: "`identityPoolId`, `identityId`",
        credential: "issuer `https://cognito-identity.amazonaws.com`, subject = identity id",
        yaml: "{ identityPoolId: <region>:<guid>, identityId: <region>:<guid> }",
    },
    allowedIssuers: [issuer],
    ownAudience: { issuer, pattern: cognitoIdPattern, description: "the Cognito identity pool id" },
    read: (block) => ({
        identityPoolId: block.requiredString(
            "identityPoolId",
            (x) => cognitoIdPattern.test(x),
            "must be <region>:<guid>",
        ),
        identityId: block.requiredString(
            "identityId",
            (x) => cognitoIdPattern.test(x),
            "must be <region>:<guid>",
        ),
    }),
    federatedCredentials: (cognito) => [
        // Cognito identity tokens carry the identity pool id as their audience.
        {
            ...federatedCredential("aws-cognito", issuer, cognito.identityId, "AWS Cognito identity"),
            audience: cognito.identityPoolId,
        },
    ],
};
