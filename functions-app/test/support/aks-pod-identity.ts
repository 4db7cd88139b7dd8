/**
 * An AKS pod publishing to Azure Monitor with its workload identity, as the offline tests and the
 * bench stage it: the identity, tenant and component they agree on, the federated token the
 * webhook mounts and the Entra token the stand-in answers with, and the variables the pod gets.
 */

/** Where the pod asks for its token (the preload sends it to the Entra stand-in). */
export const entraHost = "login.microsoftonline.com";
export const instrumentationKey = "5b0e3c1a-7d2f-4e6b-9a8c-1f2e3d4c5b6a";
export const identityClientId = "3f0c9a6e-2b1d-4c7e-9a8f-5d6e7f8a9b0c";
export const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/** The projected service account token the workload identity webhook mounts (opaque to the host). */
export const federatedToken =
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bWNwOm1jcC1ob3N0In0.c2ln";
/** What the Entra stand-in issues for it. */
export const entraToken = "entra-access-token-for-monitor";

/** What the workload identity webhook and the kubelet add to an AKS pod, `federatedToken` in `tokenFile`. */
export function aksPodEnvironment(tokenFile: string): Record<string, string> {
    return {
        AZURE_CLIENT_ID: identityClientId,
        AZURE_TENANT_ID: tenantId,
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
        AZURE_AUTHORITY_HOST: `https://${entraHost}/`,
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        KUBERNETES_SERVICE_PORT: "443",
    };
}
