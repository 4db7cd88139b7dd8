/**
 * The contract between the control plane and a tool backend kind (Functions, AKS): what each kind
 * deploys from, what it needs from the rest of the stack, and what it gives back. The kinds
 * themselves are chosen in `backends.ts`, by one exhaustive switch.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { BackendKind, StackConfig } from "./config/types";
import type { ToolImageSource } from "./aks/backend";
import type { FunctionsPackage } from "./functions/package";
import type { Network } from "./network/network";

/** Who and where the program deploys as (from the providers' client configuration). */
export interface DeploymentContext {
    readonly tenantId: string;
    readonly subscriptionId: string;
    /** Entra object id of the deploying principal. */
    readonly deployerObjectId: string;
}

/** What each kind deploys, built before any resource is registered. */
interface ArtifactsByKind {
    readonly functions: {
        /** The bundled tool service. */
        readonly package: FunctionsPackage;
        /** Entra token OneDeploy uses on the function app's SCM host. */
        readonly deploymentToken: pulumi.Input<string>;
    };
    readonly aks: { readonly image: ToolImageSource };
}

/**
 * What the chosen backend deploys, tagged with its kind. Keyed by {@link BackendKind}: a kind
 * without an entry in `ArtifactsByKind` does not compile.
 */
export type BackendArtifacts = {
    [K in BackendKind]: { readonly kind: K } & ArtifactsByKind[K];
}[BackendKind];

/**
 * What the gateway needs from a tool backend. Every backend serves the same paths
 * (functions-app/src/contract.ts) and accepts the gateway's managed identity token for `audience`.
 */
export interface ToolBackend {
    /** Base URL the gateway forwards to, e.g. https://<app>.azurewebsites.net. */
    readonly backendUrl: pulumi.Output<string>;
    /** Resource the gateway requests its token for (the backend app registration's client id). */
    readonly audience: pulumi.Output<string>;
    /** The token the tool service presents as the front door's client assertion: whom the front door's app trusts. */
    readonly workloadFederation: WorkloadFederation;
}

/**
 * Issuer and subject of the token a backend's workload proves itself with (audience
 * `api://AzureADTokenExchange`), as a federated credential on an app registration matches them.
 */
export interface WorkloadFederation {
    /** Name of the federated credential (immutable in Entra: a new name replaces the credential). */
    readonly credentialName: string;
    readonly description: string;
    readonly issuer: pulumi.Input<string>;
    readonly subject: pulumi.Input<string>;
}

/** The rest of the stack, as every backend kind sees it. */
export interface ToolBackendContext {
    /** The control plane: backends register their resources under it. */
    readonly parent: pulumi.Resource;
    /** The control plane's name; backend resource names start with it. */
    readonly name: string;
    readonly config: StackConfig;
    readonly deployment: DeploymentContext;
    /** `<namePrefix>-<environment>`, the base of Azure resource names. */
    readonly baseName: string;
    /** Seed of globally unique names (subscription and base name). */
    readonly salt: string;
    /** Six hex characters derived from `salt`. */
    readonly unique: string;
    readonly resourceGroupName: pulumi.Output<string>;
    /** The backend app registration's client id: the only audience the backend accepts. */
    readonly audience: pulumi.Output<string>;
    readonly monitoring: {
        readonly workspaceId: pulumi.Output<string>;
        readonly appInsightsId: pulumi.Output<string>;
        readonly appInsightsConnectionString: pulumi.Output<string>;
    };
    readonly tags: Record<string, string>;
}

/** The gateway as a backend needs to know it (it is built after the backend's network). */
export interface GatewayFacts {
    /** Object id of the gateway's managed identity: the only caller the backend admits. */
    readonly principalId: pulumi.Output<string>;
    /** Gateway base URL (the MCP resource clients see). */
    readonly gatewayUrl: pulumi.Output<string>;
}

/**
 * Data services the tool service reaches with its own identity (agent memory, the knowledge
 * index): where they are, and the data-plane grants the backend's identity needs.
 */
export interface DataAccess {
    /** Settings naming the services (endpoints, database, index; none of them a secret). */
    readonly settings: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * Grants `principalId` (the tool service's managed identity) its data-plane roles on each
     * service; `id` starts the grants' names. Returns the grants (none when nothing is deployed).
     */
    grantTo(id: string, principalId: pulumi.Input<string>): pulumi.Resource[];
}

/** What the control plane asks of the tool service itself, beside what the backend's kind sets. */
export interface ToolServiceSettings {
    /**
     * More settings for the tool service, none of them a secret (the OAuth front door's
     * `FRONT_DOOR_*`): app settings on Functions, container environment on AKS.
     */
    readonly settings: Readonly<Record<string, pulumi.Input<string>>>;
    /** Memory and knowledge: their settings join `settings`, and the backend grants its identity access. */
    readonly data: DataAccess;
}

/** Stack output values a backend adds to `backend` (beside `kind` and `url`). */
export type BackendOutputs = Readonly<Record<string, pulumi.Input<string>>>;

/** A deployed backend: where the gateway sends calls, and what the stack reports about it. */
export interface DeployedToolBackend extends ToolBackend {
    readonly kind: BackendKind;
    /**
     * The Functions MCP extension's system key (secret) the gateway sends as `x-functions-key`;
     * undefined for backends that need no key.
     */
    readonly functionsSystemKey?: pulumi.Output<string>;
    readonly outputs: BackendOutputs;
}

/**
 * A backend in two steps around the gateway: its network comes first (the gateway joins it), the
 * backend itself after (it trusts the gateway's identity and knows its URL).
 */
export interface PlannedToolBackend {
    /** The private network the gateway joins; undefined for a backend reached publicly. */
    readonly network?: Network;
    deploy(gateway: GatewayFacts, service: ToolServiceSettings): DeployedToolBackend;
}

/** Compile-time exhaustiveness: a kind that reaches this call was not handled. */
export function unhandledBackendKind(kind: never): never {
    throw new Error(`backend kind ${JSON.stringify(kind)} is not handled`);
}
