/**
 * Every agent platform, driven through the real parser from a block as a stack file holds it: the
 * credentials Entra is told to trust, the problem a broken block reports, whether the policy pack's
 * default issuer allow-list admits it, and the README and Pulumi.yaml lines that document it. The
 * cases are a record over every platform kind, so a new platform does not compile without its own.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseStackConfig } from "../../components/config/parse";
import type { AgentConfig } from "../../components/config/types";
import { isRecord } from "../../components/config/values";
import { tokenExchangeAudience } from "../../components/azure/entra";
import {
    agentPlatformKinds,
    agentPlatforms,
    certificateCredentialFor,
    federatedCredentialsFor,
    type AgentPlatformKind,
} from "../../components/platforms/registry";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import { runPolicy } from "../policy/harness";
import { devAgents } from "./fixtures";

const P = "agents-control-plane";
const tenantId = "11111111-2222-3333-4444-555555555555";
const today = new Date("2026-12-01T00:00:00Z");

interface Trusted {
    readonly issuer: string;
    readonly subject: string;
    readonly audience: string;
}

interface PlatformCase {
    /** A valid block as the stack file holds it. */
    readonly block: Record<string, unknown>;
    /** What Entra is told to trust for it (the control plane's tenant is `tenantId`). */
    readonly trusts: readonly Trusted[];
    /** Authenticates with a certificate instead of federation. */
    readonly certificate?: true;
    /** False when the agent's owner names the issuer and the platform team must allow it. */
    readonly issuerAllowedByDefault: boolean;
    /** A broken block, and the first problem the parser reports for it. */
    readonly broken: { readonly block: Record<string, unknown>; readonly problem: string };
}

const salesforceBlock = devAgents().find((a) => a.salesforce !== undefined)?.salesforce;
assert.ok(isRecord(salesforceBlock), "the dev stack has a Salesforce agent");
const aksIssuer = `https://westeurope.oic.prod-aks.azure.com/${tenantId}/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/`;
const github = (subject: string): Trusted => ({
    issuer: "https://token.actions.githubusercontent.com",
    subject: `repo:acme-tools/app:${subject}`,
    audience: tokenExchangeAudience,
});

const cases: { readonly [K in AgentPlatformKind]: PlatformCase } = {
    gcp: {
        block: { serviceAccountUniqueId: "118877665544332211009" },
        trusts: [
            {
                issuer: "https://accounts.google.com",
                subject: "118877665544332211009",
                audience: tokenExchangeAudience,
            },
        ],
        issuerAllowedByDefault: true,
        broken: {
            block: { serviceAccountUniqueId: "agent@project.iam.gserviceaccount.com" },
            problem:
                'agents[0].gcp.serviceAccountUniqueId: must be the 21-digit numeric unique id of the service account, not its e-mail (got "agent@project.iam.gserviceaccount.com")',
        },
    },
    aws: {
        block: {
            issuer: "https://0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0.tokens.sts.global.api.aws",
            roleArn: "arn:aws:iam::998877665544:role/agent",
        },
        trusts: [
            {
                issuer: "https://0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0.tokens.sts.global.api.aws",
                subject: "arn:aws:iam::998877665544:role/agent",
                audience: tokenExchangeAudience,
            },
        ],
        issuerAllowedByDefault: true,
        broken: {
            block: { issuer: "https://sts.amazonaws.com", roleArn: "arn:aws:iam::998877665544:role/agent" },
            problem:
                'agents[0].aws.issuer: must be https://<id>.tokens.sts.global.api.aws (got "https://sts.amazonaws.com")',
        },
    },
    awsCognito: {
        block: {
            identityPoolId: "eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            identityId: "eu-west-1:11111111-2222-3333-4444-555555555555",
        },
        // Cognito tokens carry the identity pool id as audience.
        trusts: [
            {
                issuer: "https://cognito-identity.amazonaws.com",
                subject: "eu-west-1:11111111-2222-3333-4444-555555555555",
                audience: "eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            },
        ],
        issuerAllowedByDefault: true,
        broken: {
            block: { identityPoolId: "eu-west-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee" },
            problem: "agents[0].awsCognito.identityId: is required (must be <region>:<guid>)",
        },
    },
    kubernetes: {
        block: { issuer: aksIssuer, namespace: "agents", serviceAccount: "bot" },
        trusts: [
            {
                issuer: aksIssuer,
                subject: "system:serviceaccount:agents:bot",
                audience: tokenExchangeAudience,
            },
        ],
        issuerAllowedByDefault: true,
        broken: {
            block: { issuer: aksIssuer, namespace: "Agents", serviceAccount: "bot" },
            problem: 'agents[0].kubernetes.namespace: must be a Kubernetes namespace name (got "Agents")',
        },
    },
    githubActions: {
        block: {
            repository: "acme-tools/app",
            environments: ["prod"],
            branches: ["main"],
            tags: ["v1"],
            pullRequests: true,
        },
        trusts: [
            github("environment:prod"),
            github("ref:refs/heads/main"),
            github("ref:refs/tags/v1"),
            github("pull_request"),
        ],
        issuerAllowedByDefault: true,
        broken: {
            block: { repository: "acme-tools/app" },
            problem:
                "agents[0].githubActions: needs at least one of environments, branches, tags or pullRequests: true",
        },
    },
    azureDatabricks: {
        block: { accessConnectorPrincipalId: "c2e4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d" },
        trusts: [
            {
                issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
                subject: "c2e4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d",
                audience: tokenExchangeAudience,
            },
        ],
        issuerAllowedByDefault: true,
        broken: {
            block: { accessConnectorPrincipalId: "connector" },
            problem:
                'agents[0].azureDatabricks.accessConnectorPrincipalId: must be the object id (GUID) of the access connector\'s managed identity (got "connector")',
        },
    },
    oidc: {
        block: {
            issuer: "https://idp.acme-tools.io",
            subjects: ["job-1", "job-2"],
            audience: "api://AzureADTokenExchangeUSGov",
        },
        trusts: ["job-1", "job-2"].map((subject) => ({
            issuer: "https://idp.acme-tools.io",
            subject,
            audience: "api://AzureADTokenExchangeUSGov",
        })),
        issuerAllowedByDefault: false,
        broken: {
            block: { issuer: "https://idp.acme-tools.io", subjects: ["job-*"] },
            problem:
                "agents[0].oidc.subjects[0]: must be one concrete subject (Entra matches exactly; '*' is not a wildcard) (got \"job-*\")",
        },
    },
    salesforce: {
        block: salesforceBlock,
        trusts: [],
        certificate: true,
        issuerAllowedByDefault: true,
        broken: {
            block: { certificate: "c2VjcmV0" },
            problem: "agents[0].salesforce.certificate: must be an X.509 certificate in PEM or base64 DER",
        },
    },
};

function parseAgent(kind: AgentPlatformKind, block: Record<string, unknown>) {
    const agent = { name: "probe-agent", roles: ["Tools.Invoke"], [kind]: block };
    return parseStackConfig(
        {
            [`${P}:publisherEmail`]: "platform@acme-tools.io",
            [`${P}:agents`]: JSON.stringify([agent]),
            // The Salesforce case reuses the dev stack's example certificate.
            [`${P}:allowExampleIdentities`]: "true",
        },
        { stack: "qa", today },
    );
}

function readAgent(kind: AgentPlatformKind, block: Record<string, unknown>): AgentConfig {
    const result = parseAgent(kind, block);
    assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
    const [agent] = result.config.agents;
    assert.ok(agent);
    return agent;
}

function ficResources(kind: AgentPlatformKind, trusts: readonly Trusted[]): RecordedResource[] {
    const type =
        "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
    return trusts.map((t, i) => ({
        type,
        name: `probe-${kind}-fic-${i}`,
        urn: `urn:pulumi:qa::${P}::${type}::probe-${kind}-fic-${i}`,
        inputs: {
            applicationId: "/applications/probe",
            issuer: t.issuer,
            subject: t.subject,
            audiences: [t.audience],
        },
    }));
}

describe("agent platforms", () => {
    for (const kind of agentPlatformKinds) {
        const c = cases[kind];
        it(`${kind}: reads its block and maps it to exactly the credentials Entra must trust`, () => {
            const agent = readAgent(kind, c.block);
            assert.equal(agent.platform.kind, kind);
            const specs = federatedCredentialsFor(agent.platform, { tenantId });
            assert.deepEqual(
                specs.map(({ issuer, subject, audience }) => ({ issuer, subject, audience })),
                c.trusts,
            );
            for (const s of specs) {
                assert.match(s.name, /^[A-Za-z0-9_-]{3,120}$/);
                assert.ok(s.description.length > 0 && s.description.length <= 600);
            }
            assert.equal(new Set(specs.map((s) => s.name)).size, specs.length, "credential names are unique");
            assert.equal(certificateCredentialFor(agent.platform) !== undefined, c.certificate === true);
        });

        it(`${kind}: a broken block is refused under its key path`, () => {
            const result = parseAgent(kind, c.broken.block);
            assert.equal(result.ok, false);
            assert.equal(result.ok ? undefined : result.errors[0], `${P}:${c.broken.problem}`);
        });

        it(`${kind}: the policy pack's default issuers ${c.issuerAllowedByDefault ? "admit" : "do not admit"} its credentials`, async () => {
            const resources = ficResources(kind, c.trusts);
            const result = await runPolicy("fic-allowed-issuer", resources);
            const refused = result.violations.map((v) => v.message);
            if (c.issuerAllowedByDefault) assert.deepEqual(refused, []);
            else assert.equal(refused.length, c.trusts.length, "the platform team allows an owner's issuer");
        });

        it(`${kind}: the policy pack accepts the audience and subject of its credentials`, async () => {
            const resources = ficResources(kind, c.trusts);
            for (const policy of ["fic-token-exchange-audience", "fic-concrete-subject"]) {
                const result = await runPolicy(policy, resources);
                assert.deepEqual(
                    result.violations.map((v) => v.message),
                    [],
                    `${policy} refuses what the program creates for ${kind}`,
                );
            }
        });
    }

    it("makes credential names Entra accepts from branch names with slashes", () => {
        const agent = readAgent("githubActions", { repository: "o/r", branches: ["release/2.x"] });
        const [spec] = federatedCredentialsFor(agent.platform, { tenantId });
        assert.equal(spec?.name, "gh-branch-release-2-x");
        assert.equal(spec?.subject, "repo:o/r:ref:refs/heads/release/2.x");
    });

    it("the README's platform table shows each platform's own docs line, in the registry's order", () => {
        const lines = readFileSync("README.md", "utf8").split("\n");
        const header = lines.indexOf("| block | fields | federated credential created |");
        assert.ok(header >= 0, "README has the platform table");
        const rows: string[] = [];
        for (let i = header + 2; lines[i]?.startsWith("|"); i++) rows.push(lines[i] ?? "");
        assert.deepEqual(
            rows,
            agentPlatformKinds.map((k) => {
                const { fields, credential } = agentPlatforms[k].docs;
                return `| \`${k}\` | ${fields} | ${credential} |`;
            }),
        );
    });

    it("Pulumi.yaml's comment shows each platform block's shape from its module", () => {
        const text = readFileSync("Pulumi.yaml", "utf8");
        const documented = [...text.matchAll(/^#\s{9}(\w+):\s+(\{.*\})$/gm)].map((m) => [m[1], m[2]]);
        assert.deepEqual(
            documented,
            agentPlatformKinds.map((k) => [k, agentPlatforms[k].docs.yaml]),
        );
    });
});
