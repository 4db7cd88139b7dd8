/**
 * What a federated identity credential on an agent's app registration is, and how one is named.
 * Entra matches issuer, subject and audience exactly, so these strings are the whole contract with
 * each platform; each platform's mapping lives in its module under `components/platforms/`. Pure:
 * no Pulumi imports.
 */
import { tokenExchangeAudience } from "../azure/entra";

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

/** A credential with the token-exchange audience; `what` names the workload in its description. */
export function federatedCredential(
    name: string,
    issuer: string,
    subject: string,
    what: string,
): FederatedCredentialSpec {
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
