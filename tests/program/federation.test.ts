import * as assert from "node:assert/strict";
import type { AgentConfig, AgentPlatform } from "../../components/config/types";
import { tokenExchangeAudience } from "../../components/azure/entra";
import { federatedCredentialsFor } from "../../components/identity/federation";

const tenantId = "11111111-2222-3333-4444-555555555555";
const agent = (platform: AgentPlatform): AgentConfig => ({ name: "a", roles: ["Tools.Invoke"], platform });

describe("federation mapping", () => {
    const cases: {
        platform: AgentPlatform;
        expected: { issuer: string; subject: string; audience: string }[];
    }[] = [
        {
            platform: { kind: "gcp", gcp: { serviceAccountUniqueId: "113456789012345678901" } },
            expected: [
                {
                    issuer: "https://accounts.google.com",
                    subject: "113456789012345678901",
                    audience: tokenExchangeAudience,
                },
            ],
        },
        {
            platform: {
                kind: "aws",
                aws: {
                    issuer: "https://abc-123.tokens.sts.global.api.aws",
                    roleArn: "arn:aws:iam::123456789012:role/agent",
                },
            },
            expected: [
                {
                    issuer: "https://abc-123.tokens.sts.global.api.aws",
                    subject: "arn:aws:iam::123456789012:role/agent",
                    audience: tokenExchangeAudience,
                },
            ],
        },
        {
            platform: {
                kind: "awsCognito",
                awsCognito: {
                    identityPoolId: "eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                    identityId: "eu-west-1:11111111-2222-3333-4444-555555555555",
                },
            },
            // Cognito tokens carry the identity pool id as audience.
            expected: [
                {
                    issuer: "https://cognito-identity.amazonaws.com",
                    subject: "eu-west-1:11111111-2222-3333-4444-555555555555",
                    audience: "eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                },
            ],
        },
        {
            platform: {
                kind: "kubernetes",
                kubernetes: {
                    issuer: "https://oidc.example/abc/",
                    namespace: "agents",
                    serviceAccount: "bot",
                },
            },
            expected: [
                {
                    issuer: "https://oidc.example/abc/",
                    subject: "system:serviceaccount:agents:bot",
                    audience: tokenExchangeAudience,
                },
            ],
        },
        {
            platform: {
                kind: "githubActions",
                githubActions: {
                    repository: "contoso/app",
                    environments: ["prod"],
                    branches: ["main"],
                    tags: ["v1"],
                    pullRequests: true,
                },
            },
            expected: [
                "repo:contoso/app:environment:prod",
                "repo:contoso/app:ref:refs/heads/main",
                "repo:contoso/app:ref:refs/tags/v1",
                "repo:contoso/app:pull_request",
            ].map((subject) => ({
                issuer: "https://token.actions.githubusercontent.com",
                subject,
                audience: tokenExchangeAudience,
            })),
        },
        {
            platform: {
                kind: "azureDatabricks",
                azureDatabricks: { accessConnectorPrincipalId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" },
            },
            expected: [
                {
                    issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
                    subject: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                    audience: tokenExchangeAudience,
                },
            ],
        },
        {
            platform: {
                kind: "oidc",
                oidc: { issuer: "https://idp.example", subjects: ["job-1", "job-2"], audience: "custom" },
            },
            expected: [
                { issuer: "https://idp.example", subject: "job-1", audience: "custom" },
                { issuer: "https://idp.example", subject: "job-2", audience: "custom" },
            ],
        },
        {
            platform: {
                kind: "salesforce",
                salesforce: { certificate: "x", encoding: "base64", notAfter: "2030-01-01T00:00:00.000Z" },
            },
            expected: [],
        },
    ];

    for (const c of cases) {
        it(`maps ${c.platform.kind}`, () => {
            const specs = federatedCredentialsFor(agent(c.platform), { tenantId });
            assert.deepEqual(
                specs.map(({ issuer, subject, audience }) => ({ issuer, subject, audience })),
                c.expected,
            );
            for (const s of specs) {
                assert.match(s.name, /^[A-Za-z0-9_-]{3,120}$/);
                assert.ok(s.description.length > 0 && s.description.length <= 600);
            }
            assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, "credential names are unique");
        });
    }

    it("makes credential names Entra accepts from branch names with slashes", () => {
        const [spec] = federatedCredentialsFor(
            agent({
                kind: "githubActions",
                githubActions: {
                    repository: "o/r",
                    environments: [],
                    branches: ["release/2.x"],
                    tags: [],
                    pullRequests: false,
                },
            }),
            { tenantId },
        );
        assert.equal(spec.name, "gh-branch-release-2-x");
        assert.equal(spec.subject, "repo:o/r:ref:refs/heads/release/2.x");
    });
});
