import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { RolePropagation } from "../azure/role-propagation";
import { gatewayPaths, snippetContainer } from "functions-app/contract";
import { tokenExchangeAudience } from "../azure/entra";
import { assignRole, roleGranter } from "../azure/role-assignment";
import type { AksConfig, DeployerPrincipalType } from "../config/types";
import { McpWorkload, workloadIdentitySubject } from "../kubernetes";
import { projectName } from "../project";
import {
    azureMonitorTracingSettings,
    grantTelemetryPublisher,
    type ToolTelemetry,
} from "../monitoring/tool-telemetry";
import type { ToolBackend, WorkloadFederation } from "../tool-backend";
import { AksCluster } from "./cluster";
import type { NodeServerBundle } from "functions-app/bundle";
import { ToolImage } from "./image";
import { ToolRegistry } from "./registry";

/** Namespace and name of the tool workload (Deployment, Service, ServiceAccount). */
export const toolWorkload = { namespace: "mcp-tools", name: "mcp-tools" } as const;

/** Where the image comes from: a team's own pipeline, or built here from the Node host bundle. */
export type ToolImageSource =
    | { readonly kind: "configured"; readonly ref: string }
    | { readonly kind: "build"; readonly bundle: NodeServerBundle; readonly armToken: pulumi.Input<string> };

/** Arguments for {@link AksBackend}. */
export interface AksBackendArgs {
    /** Resource group that holds every resource of the backend. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the cluster, registry and identities. */
    readonly location: pulumi.Input<string>;
    /** `<namePrefix>-<environment>`: the cluster is `<baseName>-aks`. */
    readonly baseName: string;
    /** Globally unique registry name: 5-50 letters and digits. */
    readonly registryName: string;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /** Entra tenant: token issuer the Node host trusts, and the cluster's RBAC tenant. */
    readonly tenantId: string;
    /**
     * Entra object id of the principal that runs `pulumi up` (pushes the image, applies the workload).
     */
    readonly deployerObjectId: string;
    /**
     * That principal's type (`User` or `ServicePrincipal`); Azure rejects an assignment that states another.
     */
    readonly deployerPrincipalType: DeployerPrincipalType;
    /**
     * The AKS settings of the stack (cluster, node pools, replicas, image, delivery), as the config parser validated them.
     */
    readonly settings: AksConfig;
    /**
     * The tool image: a reference from the team's pipeline, or the Node host bundle to build and push here.
     */
    readonly image: ToolImageSource;
    /** Network facts: subnets, the gateway's range and the load balancer's fixed address. */
    readonly nodeSubnetId: pulumi.Input<string>;
    /** Subnet (resource id) the internal load balancer's frontend is placed in. */
    readonly loadBalancerSubnetId: pulumi.Input<string>;
    /** That subnet's name, for the Service's `azure-load-balancer-internal-subnet` annotation. */
    readonly loadBalancerSubnetName: string;
    /**
     * Fixed frontend address of the internal load balancer, inside that subnet (the gateway's backend URL).
     */
    readonly internalLoadBalancerIp: string;
    /** CIDR of the gateway's subnet: the only source the load balancer and pods admit. */
    readonly gatewaySubnetCidr: string;
    /** The tool storage account (reached through private endpoints). */
    readonly storageAccountId: pulumi.Input<string>;
    /** Resource id of the snippets container: the workload identity's blob role is scoped to it. */
    readonly snippetsContainerId: pulumi.Input<string>;
    /**
     * Resource id of the OAuth front door's container (registrations, codes, consents), when the
     * front door runs: the workload identity reads and writes blobs in it. Default: no front door.
     */
    readonly frontDoorContainerId?: pulumi.Input<string>;
    /** More host environment, none of it secret (the front door's `FRONT_DOOR_*`). Default: none. */
    readonly serviceSettings?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * Blob endpoint of the tool storage account, no trailing slash (resolved privately in the VNet).
     */
    readonly blobEndpoint: pulumi.Input<string>;
    /** Queue endpoint of the tool storage account, no trailing slash (the legacy SSE backplane). */
    readonly queueEndpoint: pulumi.Input<string>;
    /** Backend app registration's client id: the only audience the host accepts. */
    readonly audience: pulumi.Input<string>;
    /** Gateway base URL (the MCP resource clients see). */
    readonly gatewayUrl: pulumi.Input<string>;
    /** Log Analytics workspace for the cluster's and registry's logs and metrics. */
    readonly workspaceId: pulumi.Input<string>;
    /**
     * Application Insights the tool service's spans go to: the workload identity gets Monitoring
     * Metrics Publisher on it, the pods the tracing settings and (through a Secret) its connection string.
     */
    readonly telemetry: ToolTelemetry;
    /** Tags put on every Azure resource of the backend (Kubernetes objects get labels instead). */
    readonly tags: Record<string, string>;
}

/**
 * The MCP tool service on AKS: cluster and registry, a user-assigned identity federated to the
 * workload's service account with the same storage roles as the Functions backend, the image,
 * and the workload behind an internal load balancer that only the gateway's subnet reaches.
 */
export class AksBackend extends pulumi.ComponentResource implements ToolBackend {
    public readonly backendUrl: pulumi.Output<string>;
    public readonly audience: pulumi.Output<string>;
    public readonly clusterName: pulumi.Output<string>;
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    public readonly registryLoginServer: pulumi.Output<string>;
    public readonly identityClientId: pulumi.Output<string>;
    public readonly identityPrincipalId: pulumi.Output<string>;
    public readonly image: pulumi.Output<string>;
    /** The workload's service account token: the cluster's OIDC issuer and `system:serviceaccount:<ns>:<sa>`. */
    public readonly workloadFederation: WorkloadFederation;

    constructor(name: string, args: AksBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:aks:AksBackend", name, {}, opts);
        const rg = args.resourceGroupName;
        const clusterName = `${args.baseName}-aks`;
        const registry = new ToolRegistry(
            name,
            {
                resourceGroupName: rg,
                location: args.location,
                registryName: args.registryName,
                workspaceId: args.workspaceId,
                tags: args.tags,
                // The registry was the cluster component's until it became its own.
                previousParent: pulumi.createUrn(name, "agents:aks:AksCluster", this),
            },
            { parent: this },
        );
        const cluster = new AksCluster(
            name,
            {
                resourceGroupName: rg,
                location: args.location,
                clusterName,
                registryId: registry.registryId,
                subscriptionId: args.subscriptionId,
                tenantId: args.tenantId,
                deployerObjectId: args.deployerObjectId,
                deployerPrincipalType: args.deployerPrincipalType,
                settings: args.settings,
                nodeSubnetId: args.nodeSubnetId,
                loadBalancerSubnetId: args.loadBalancerSubnetId,
                workspaceId: args.workspaceId,
                tags: args.tags,
            },
            { parent: this },
        );

        const identity = new managedidentity.UserAssignedIdentity(
            `${name}-workload-identity`,
            {
                resourceGroupName: rg,
                location: args.location,
                resourceName: `${clusterName}-tools-id`,
                tags: args.tags,
            },
            { parent: this },
        );
        const subject = workloadIdentitySubject(toolWorkload);
        const federation = new managedidentity.FederatedIdentityCredential(
            `${name}-workload-federation`,
            {
                resourceGroupName: rg,
                resourceName: identity.name,
                federatedIdentityCredentialResourceName: toolWorkload.name,
                issuer: cluster.oidcIssuerUrl,
                subject,
                audiences: [tokenExchangeAudience],
            },
            { parent: this },
        );
        const grant = roleGranter(
            name,
            { subscriptionId: args.subscriptionId, principalId: identity.principalId },
            { parent: this },
        );
        const grants = [
            // The tools read and write snippets; nothing else in the account.
            grant("snippets-owner", args.snippetsContainerId, "storageBlobDataOwner", "Snippets"),
            // Each pod creates and deletes its own backplane queue (mcp-backplane-<replica>).
            grant(
                "queue-contributor",
                args.storageAccountId,
                "storageQueueDataContributor",
                "Legacy SSE backplane queues",
            ),
            // Span export with the pods' Entra token (the component accepts no other).
            grantTelemetryPublisher(grant, args.telemetry.appInsightsId),
        ];
        if (args.frontDoorContainerId !== undefined)
            // Blobs only, in the front door's container only: no ACLs (Owner), no other container.
            grants.push(
                grant(
                    "front-door-contributor",
                    args.frontDoorContainerId,
                    "storageBlobDataContributor",
                    "OAuth front door records",
                ),
            );

        let image: pulumi.Output<string>;
        if (args.image.kind === "configured") {
            image = pulumi.output(args.image.ref);
        } else {
            const pusher = assignRole(
                `${name}-deployer-acr-push`,
                {
                    subscriptionId: args.subscriptionId,
                    scope: registry.registryId,
                    principalId: args.deployerObjectId,
                    principalType: args.deployerPrincipalType,
                    role: "acrPush",
                    description: "The deployment identity pushes the tool image",
                },
                { parent: this },
            );
            image = new ToolImage(
                `${name}-image`,
                {
                    bundle: args.image.bundle,
                    registryLoginServer: registry.loginServer,
                    tenantId: args.tenantId,
                    armToken: args.image.armToken,
                    repository: "mcp-tools",
                    // The push needs AcrPush in effect, not just assigned.
                    dependsOn: [
                        new RolePropagation(
                            `${name}-acr-push-propagation`,
                            { assignmentIds: [pusher.id], seconds: 60 },
                            { parent: this },
                        ),
                    ],
                },
                { parent: this },
            ).ref;
        }

        const issuer = `https://login.microsoftonline.com/${args.tenantId}/v2.0`;
        const workload = new McpWorkload(
            `${name}-workload`,
            {
                delivery: cluster.delivery,
                namespace: toolWorkload.namespace,
                name: toolWorkload.name,
                image,
                replicas: args.settings.replicas,
                identityClientId: identity.clientId,
                storageAccountUrl: args.blobEndpoint,
                backplaneQueueUrl: args.queueEndpoint,
                auth: pulumi.all([args.audience, args.gatewayUrl]).apply(([audience, gatewayUrl]) => ({
                    issuer,
                    audience,
                    jwksUri: `https://login.microsoftonline.com/${args.tenantId}/discovery/v2.0/keys`,
                    resource: `${gatewayUrl}${gatewayPaths.mcp}`,
                })),
                publicBaseUrl: args.gatewayUrl,
                gatewaySubnetCidr: args.gatewaySubnetCidr,
                internalLoadBalancerIp: args.internalLoadBalancerIp,
                lbSubnetName: args.loadBalancerSubnetName,
                resources: {
                    requests: { cpu: "250m", memory: "256Mi" },
                    limits: { memory: "512Mi" },
                },
                labels: { "app.kubernetes.io/part-of": projectName },
                serviceSettings: {
                    ...args.serviceSettings,
                    ...azureMonitorTracingSettings(identity.clientId, args.telemetry.sampling),
                },
                telemetryConnectionString: args.telemetry.connectionString,
            },
            // Pods need their identity's federation and roles, and the deployer its cluster role.
            { parent: this, dependsOn: [federation, ...grants, ...cluster.kubernetesAccess] },
        );

        this.backendUrl = workload.backendUrl;
        this.audience = pulumi.output(args.audience);
        this.clusterName = cluster.clusterName;
        this.oidcIssuerUrl = cluster.oidcIssuerUrl;
        this.registryLoginServer = registry.loginServer;
        this.identityClientId = identity.clientId;
        this.identityPrincipalId = identity.principalId;
        this.image = image;
        this.workloadFederation = {
            credentialName: "tool-backend-aks-workload",
            description: "The AKS tool workload's service account token, which runs the front door.",
            issuer: cluster.oidcIssuerUrl,
            subject,
        };
        this.registerOutputs({
            backendUrl: this.backendUrl,
            clusterName: this.clusterName,
            image: this.image,
        });
    }
}

/** Snippet container name, for callers that build the storage the backend uses. */
export const aksStorageContainers = [snippetContainer] as const;
