/**
 * Where the front door's client assertion (its only credential at Entra) comes from, per backend:
 * - `managed-identity` (Functions): the app's user-assigned identity's token for
 *   `api://AzureADTokenExchange`; the front door's app trusts that identity (managed identity as a
 *   federated credential).
 * - `federated-token-file` (AKS): the service account token the workload identity webhook projects
 *   into the pod (`AZURE_FEDERATED_TOKEN_FILE`, audience `api://AzureADTokenExchange`), presented as
 *   is; the front door's app trusts the cluster's OIDC issuer and the workload's service account.
 *   On AKS the identity is not attached to the compute (no IMDS token for it; the pods' network
 *   policy blocks IMDS, which would speak for the node anyway).
 */
import { nodeFs } from "../lazy-builtins";
import { lazyManagedIdentityCredential } from "../storage/azure-sdk";

export const clientAssertionSources = ["managed-identity", "federated-token-file"] as const;
export type ClientAssertionSource = (typeof clientAssertionSources)[number];

/** How the tool service obtains its client assertion, as read from its environment. */
export type ClientAssertionSetting =
    | { readonly source: "managed-identity" }
    | { readonly source: "federated-token-file"; readonly tokenFile: string };

/** A fresh assertion per token request. */
export type ClientAssertion = () => Promise<string>;

const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Reads the projected token on every call: the kubelet rewrites the file before the token expires
 * (at 80% of its lifetime), so a cached copy would go stale. An unreadable, malformed or expired
 * token is refused here, with the reason, before anything is sent to Entra.
 */
export function federatedTokenFileAssertion(
    tokenFile: string,
    now: () => number = Date.now,
): ClientAssertion {
    return async () => {
        let token: string;
        try {
            token = (await nodeFs().readFile(tokenFile, "utf8")).trim();
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code ?? String(error);
            throw new Error(
                `the workload identity token file ${tokenFile} cannot be read (${code}); the pod needs the label azure.workload.identity/use=true and a service account annotated with a client id`,
            );
        }
        if (!jwtShape.test(token))
            throw new Error(`the workload identity token file ${tokenFile} does not hold a JWT`);
        const exp = expiry(token);
        if (exp !== undefined && exp * 1000 <= now())
            throw new Error(
                `the workload identity token in ${tokenFile} expired at ${new Date(exp * 1000).toISOString()}; the kubelet has not refreshed it`,
            );
        return token;
    };
}

/** The managed identity's token for the exchange audience (Functions: its user-assigned identity). */
export function managedIdentityAssertion(managedIdentityClientId: string | undefined): ClientAssertion {
    const credential = lazyManagedIdentityCredential({ managedIdentityClientId });
    return async () => {
        const token = await credential.getToken("api://AzureADTokenExchange/.default");
        if (!token) throw new Error("the managed identity returned no token for api://AzureADTokenExchange");
        return token.token;
    };
}

export function clientAssertionFor(
    setting: ClientAssertionSetting,
    managedIdentityClientId: string | undefined,
): ClientAssertion {
    return setting.source === "federated-token-file"
        ? federatedTokenFileAssertion(setting.tokenFile)
        : managedIdentityAssertion(managedIdentityClientId);
}

function expiry(jwt: string): number | undefined {
    try {
        const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as {
            exp?: unknown;
        };
        return typeof payload.exp === "number" ? payload.exp : undefined;
    } catch {
        return undefined;
    }
}
