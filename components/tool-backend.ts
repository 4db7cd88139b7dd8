import type * as pulumi from "@pulumi/pulumi";

/**
 * What the gateway needs from a tool backend. Both backends (Functions, AKS) serve the same paths
 * (functions-app/src/contract.ts) and accept the gateway's managed identity token for `audience`.
 */
export interface ToolBackend {
    /** Base URL the gateway forwards to, e.g. https://<app>.azurewebsites.net. */
    readonly backendUrl: pulumi.Output<string>;
    /** Resource the gateway requests its token for (the backend app registration's client id). */
    readonly audience: pulumi.Output<string>;
    /** The backend's managed identity (its object id), which the front door's federated credential trusts. */
    readonly identityPrincipalId: pulumi.Output<string>;
}
