/**
 * The agent platforms the control plane federates with: adding one is a module implementing
 * {@link AgentPlatformModule} plus its line here. Everything else derives from this record: the
 * config block names the parser accepts, the typed {@link AgentPlatform}, the credentials created,
 * and the policy pack's default issuer allow-list. Pure: no Pulumi imports.
 */
import type { FederatedCredentialSpec, FederationContext } from "../identity/federation";
import { awsPlatform } from "./aws";
import { awsCognitoPlatform } from "./aws-cognito";
import { azureDatabricksPlatform } from "./azure-databricks";
import { gcpPlatform } from "./gcp";
import { githubActionsPlatform } from "./github-actions";
import { kubernetesPlatform } from "./kubernetes";
import { oidcPlatform } from "./oidc";
import type { AgentPlatformModule, CertificateCredentialSpec, PlatformAudience } from "./platform";
import { salesforcePlatform } from "./salesforce";

/** Key = the block's name in config; the order is the order messages and docs list them in. */
const modules = {
    gcp: gcpPlatform,
    aws: awsPlatform,
    awsCognito: awsCognitoPlatform,
    kubernetes: kubernetesPlatform,
    githubActions: githubActionsPlatform,
    azureDatabricks: azureDatabricksPlatform,
    oidc: oidcPlatform,
    salesforce: salesforcePlatform,
};

export type AgentPlatformKind = keyof typeof modules;

/** What a platform's block holds once read. */
export type AgentPlatformSettings<K extends AgentPlatformKind> =
    (typeof modules)[K] extends AgentPlatformModule<K, infer S> ? S : never;

/** Typed so that a module filed under another platform's name does not compile. */
export const agentPlatforms: {
    readonly [K in AgentPlatformKind]: AgentPlatformModule<K, AgentPlatformSettings<K>>;
} = modules;

/** One agent's platform: which one, and its block as read. */
export type AgentPlatform<K extends AgentPlatformKind = AgentPlatformKind> = {
    [P in K]: { readonly kind: P; readonly settings: AgentPlatformSettings<P> };
}[K];

export const agentPlatformKinds: readonly AgentPlatformKind[] = Object.values(agentPlatforms).map(
    (m) => m.kind,
);

/** The issuers the policy pack trusts unless the platform team configures its own list. */
export const defaultAllowedIssuers: readonly string[] = [
    ...new Set(Object.values(agentPlatforms).flatMap((m) => m.allowedIssuers)),
];

/** Audiences some platforms' tokens carry instead of the token-exchange audience (see `ownAudience`). */
export const platformOwnAudiences: readonly PlatformAudience[] = Object.values(agentPlatforms).flatMap(
    (m): PlatformAudience[] => (m.ownAudience === undefined ? [] : [m.ownAudience]),
);

/** The federated credentials for one agent's platform; empty for one that uses a certificate. */
export function federatedCredentialsFor<K extends AgentPlatformKind>(
    platform: AgentPlatform<K>,
    ctx: FederationContext,
): FederatedCredentialSpec[] {
    return agentPlatforms[platform.kind].federatedCredentials(platform.settings, ctx);
}

/** The certificate credential of a platform that cannot federate, else undefined. */
export function certificateCredentialFor<K extends AgentPlatformKind>(
    platform: AgentPlatform<K>,
): CertificateCredentialSpec | undefined {
    return agentPlatforms[platform.kind].certificate?.(platform.settings);
}
