/**
 * Maps an agent's platform to the federated identity credentials Entra needs on the agent's app
 * registration. Entra matches issuer, subject and audience exactly, so these strings are the whole
 * contract with each platform. Pure: no Pulumi imports.
 */
import { tokenExchangeAudience } from "../azure/entra";
import type { AgentConfig } from "../config/types";

/** Entra accepts at most this many federated identity credentials on one application. */
export const maxFederatedCredentialsPerApp = 20;

export interface FederatedCredentialSpec {
    /** Credential name, unique on the app: letters, digits, `-` and `_`, at most 120 characters. */
    readonly name: string;
    readonly issuer: string;
    readonly subject: string;
    readonly audience: string;
    readonly description: string;
}

export interface FederationContext {
    /** Entra tenant of the control plane (the Databricks access connector's identity lives there). */
    readonly tenantId: string;
}

/** The federated credentials for one agent; empty for Salesforce, which uses a certificate. */
export function federatedCredentialsFor(
    agent: AgentConfig,
    ctx: FederationContext,
): FederatedCredentialSpec[] {
    const p = agent.platform;
    switch (p.kind) {
        case "gcp":
            return [
                credential(
                    "gcp",
                    "https://accounts.google.com",
                    p.gcp.serviceAccountUniqueId,
                    "GCP service account",
                ),
            ];
        case "aws":
            return [credential("aws", p.aws.issuer, p.aws.roleArn, "AWS IAM outbound identity federation")];
        case "awsCognito":
            // Cognito identity tokens carry the identity pool id as their audience.
            return [
                {
                    ...credential(
                        "aws-cognito",
                        "https://cognito-identity.amazonaws.com",
                        p.awsCognito.identityId,
                        "AWS Cognito identity",
                    ),
                    audience: p.awsCognito.identityPoolId,
                },
            ];
        case "kubernetes": {
            const k = p.kubernetes;
            return [
                credential(
                    `k8s-${k.namespace}-${k.serviceAccount}`,
                    k.issuer,
                    `system:serviceaccount:${k.namespace}:${k.serviceAccount}`,
                    "Kubernetes service account",
                ),
            ];
        }
        case "githubActions": {
            const g = p.githubActions;
            const base = `repo:${g.repository}`;
            const issuer = "https://token.actions.githubusercontent.com";
            return [
                ...g.environments.map((e) =>
                    credential(`gh-env-${e}`, issuer, `${base}:environment:${e}`, "GitHub environment"),
                ),
                ...g.branches.map((b) =>
                    credential(`gh-branch-${b}`, issuer, `${base}:ref:refs/heads/${b}`, "GitHub branch"),
                ),
                ...g.tags.map((t) =>
                    credential(`gh-tag-${t}`, issuer, `${base}:ref:refs/tags/${t}`, "GitHub tag"),
                ),
                ...(g.pullRequests
                    ? [credential("gh-pull-request", issuer, `${base}:pull_request`, "GitHub pull requests")]
                    : []),
            ];
        }
        case "azureDatabricks":
            return [
                credential(
                    "databricks-access-connector",
                    `https://login.microsoftonline.com/${ctx.tenantId}/v2.0`,
                    p.azureDatabricks.accessConnectorPrincipalId,
                    "Azure Databricks access connector managed identity",
                ),
            ];
        case "oidc":
            return p.oidc.subjects.map((s, i) => ({
                ...credential(`oidc-${i + 1}`, p.oidc.issuer, s, "OIDC workload"),
                audience: p.oidc.audience,
            }));
        case "salesforce":
            return [];
    }
}

function credential(name: string, issuer: string, subject: string, what: string): FederatedCredentialSpec {
    return {
        name: credentialName(name),
        issuer,
        subject,
        audience: tokenExchangeAudience,
        description: `${what}: ${subject}`.slice(0, 600),
    };
}

/** Entra credential names allow letters, digits, `-` and `_` only. */
function credentialName(raw: string): string {
    return raw.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 120);
}
