import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { gatewayPaths } from "functions-app/contract";
import { AksBackend, aksStorageContainers, type ToolImageSource } from "./aks/backend";
import { apimVnetModes, type StackConfig } from "./config/types";
import { registryName, storageAccountName, uniqueSuffix } from "./azure/ids";
import { FunctionsBackend } from "./functions/backend";
import { Network } from "./network/network";
import { subnetNames } from "./network/plan";
import { ToolStorage } from "./storage/tool-storage";
import type { FunctionsPackage } from "./functions/package";
import { Gateway } from "./gateway/gateway";
import { McpApis } from "./gateway/mcp-apis";
import { ClientSignIn, frontDoorServiceSettings } from "./identity/client-sign-in";
import { Identity } from "./identity/identity";
import { Monitoring } from "./monitoring/monitoring";
import type { ToolBackend } from "./tool-backend";

/** Who and where the program deploys as (from the providers' client configuration). */
export interface DeploymentContext {
    readonly tenantId: string;
    readonly subscriptionId: string;
    /** Entra object id of the deploying principal. */
    readonly deployerObjectId: string;
}

/** What the chosen backend deploys: the Functions package, or the AKS image. */
export type BackendArtifacts =
    | {
          readonly kind: "functions";
          /** The bundled tool service. */
          readonly package: FunctionsPackage;
          /** Entra token OneDeploy uses on the function app's SCM host. */
          readonly deploymentToken: pulumi.Input<string>;
      }
    | { readonly kind: "aks"; readonly image: ToolImageSource };

/** Arguments for {@link ControlPlane}. */
export interface ControlPlaneArgs {
    readonly config: StackConfig;
    readonly context: DeploymentContext;
    /** Must match `config.backend`. */
    readonly artifacts: BackendArtifacts;
}

/** Custom metric the gateway emits per MCP call and the dashboard reads. */
const callMetricName = "mcp-call-duration-ms";

/** Facts an agent owner needs to connect, and what the agent was granted. */
export interface AgentConnection {
    readonly platform: string;
    readonly tenantId: string;
    readonly clientId: pulumi.Output<string>;
    /** Client-credentials scope: `<app id uri>/.default`. */
    readonly scope: pulumi.Output<string>;
    readonly roles: readonly string[];
    /** How the agent proves itself: federated credentials, or a certificate (Salesforce). */
    readonly credential: "federated" | "certificate";
    readonly federation: readonly { issuer: string; subject: string; audience: string }[];
}

/** The whole control plane for one environment. */
/** Stack output `clientSignIn`. */
export interface ClientSignInOutput {
    readonly mode: string;
    readonly preAuthorizedClientIds: readonly string[];
    readonly frontDoor?: {
        readonly issuer: pulumi.Output<string>;
        readonly metadataUrl: pulumi.Output<string>;
        readonly authorizationEndpoint: pulumi.Output<string>;
        readonly tokenEndpoint: pulumi.Output<string>;
        readonly registrationEndpoint: pulumi.Output<string>;
        /** The front door's app registration (it signs users in at Entra). */
        readonly clientId: pulumi.Output<string>;
    };
}

export class ControlPlane extends pulumi.ComponentResource {
    public readonly resourceGroupName: pulumi.Output<string>;
    public readonly gatewayUrl: pulumi.Output<string>;
    public readonly mcpEndpoint: pulumi.Output<string>;
    public readonly mcpSseUrl: pulumi.Output<string>;
    public readonly sentinelWebhookUrl: pulumi.Output<string>;
    public readonly protectedResourceMetadataUrl: pulumi.Output<string>;
    public readonly tenantId: string;
    public readonly mcpAppClientId: pulumi.Output<string>;
    public readonly mcpAppIdUri: pulumi.Output<string>;
    public readonly agents: Readonly<Record<string, AgentConnection>>;
    public readonly monitoring: Monitoring;
    /** The backend behind the gateway; `functions` or `aks` is set for the chosen kind. */
    public readonly backend: ToolBackend;
    public readonly functions?: FunctionsBackend;
    public readonly aks?: AksBackend;
    public readonly network?: Network;
    public readonly gatewayServiceName: pulumi.Output<string>;
    public readonly policies: Readonly<Record<string, string>>;
    /** How people's MCP clients sign in, and the front door's URLs when it runs. */
    public readonly clientSignIn: ClientSignInOutput;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:controlplane:ControlPlane", name, {}, opts);
        const { config, context, artifacts } = args;
        if (artifacts.kind !== config.backend) {
            throw new Error(
                `backend is "${config.backend}" but the program built ${artifacts.kind} artifacts`,
            );
        }
        const baseName = `${config.namePrefix}-${config.environment}`;
        const tags = { ...config.tags, environment: config.environment, project: "agents-control-plane" };
        // Globally unique names get a suffix derived from where they are deployed.
        const salt = `${context.subscriptionId}/${baseName}`;
        const unique = uniqueSuffix(salt);

        const group = new resources.ResourceGroup(
            `${name}-rg`,
            { resourceGroupName: `${baseName}-rg`, location: config.location, tags },
            { parent: this },
        );
        const rg = group.name;

        const customDomainMcpUrl = config.apim.customDomain
            ? `https://${config.apim.customDomain.hostName}${gatewayPaths.mcp}`
            : undefined;
        const identity = new Identity(
            `${name}-identity`,
            {
                baseName,
                tenantId: context.tenantId,
                ownerObjectId: context.deployerObjectId,
                mcpAppIdUriOverride: customDomainMcpUrl,
                agents: config.agents,
                sentinelCallerPrincipalIds: config.sentinelCallerPrincipalIds,
                tags,
            },
            { parent: this },
        );

        const agentsByAppId = pulumi
            .all(identity.agents.map((a) => pulumi.all([a.clientId, a.name])))
            .apply((pairs) => Object.fromEntries(pairs));
        const monitoring = new Monitoring(
            `${name}-monitoring`,
            {
                resourceGroupName: rg,
                location: config.location,
                baseName,
                retentionInDays: config.monitoring.logRetentionDays,
                alertEmails: config.monitoring.alertEmails,
                alertWebhookUrls: config.monitoring.alertWebhookUrls,
                latencyThresholdMs: config.monitoring.latencyThresholdMs,
                callMetricName,
                agentsByAppId,
                tags,
            },
            { parent: this },
        );

        // The AKS backend is private: storage behind private endpoints, the gateway joined to the VNet.
        let aksStorage: ToolStorage | undefined;
        let network: Network | undefined;
        if (config.backend === "aks") {
            const apimMode = apimVnetModes[config.apim.sku];
            if (!apimMode) throw new Error(`API Management ${config.apim.sku} cannot join a virtual network`);
            aksStorage = new ToolStorage(
                `${name}-aks`,
                {
                    resourceGroupName: rg,
                    location: config.location,
                    accountName: storageAccountName(config.namePrefix, config.environment, "tools", salt),
                    containers: aksStorageContainers,
                    publicNetworkAccess: "Disabled",
                    workspaceId: monitoring.workspaceId,
                    tags,
                },
                { parent: this },
            );
            network = new Network(
                `${name}-network`,
                {
                    resourceGroupName: rg,
                    location: config.location,
                    baseName,
                    addressSpace: config.network.addressSpace,
                    apimMode,
                    privateEndpoints: [
                        { name: "tools-blob", resourceId: aksStorage.accountId, service: "blob" },
                        { name: "tools-queue", resourceId: aksStorage.accountId, service: "queue" },
                    ],
                    tags,
                },
                { parent: this },
            );
        }

        const gateway = new Gateway(
            `${name}-gateway`,
            {
                resourceGroupName: rg,
                location: config.location,
                serviceName: `${baseName}-apim-${unique}`,
                subscriptionId: context.subscriptionId,
                sku: config.apim.sku,
                capacity: config.apim.capacity,
                publisherEmail: config.apim.publisherEmail,
                publisherName: config.apim.publisherName,
                customDomain: config.apim.customDomain,
                samplingPercentage: config.gatewayPolicy.samplingPercentage,
                appInsightsId: monitoring.appInsightsId,
                appInsightsConnectionString: monitoring.appInsightsConnectionString,
                workspaceId: monitoring.workspaceId,
                ...(network ? { subnetId: network.gatewaySubnetId } : {}),
                tags,
            },
            { parent: this },
        );

        const signIn = new ClientSignIn(
            `${name}-client-sign-in`,
            {
                baseName,
                tenantId: context.tenantId,
                owners: [context.deployerObjectId],
                tags,
                clientAuth: config.clientAuth,
                mcpApplicationId: identity.mcpApplicationId,
                mcpAppClientId: identity.mcpAppClientId,
                mcpScopeId: identity.mcpScopeId,
                gatewayUrl: gateway.gatewayUrl,
            },
            { parent: this },
        );

        // One backend behind the gateway; both have the same ToolBackend shape.
        let toolBackend: ToolBackend;
        if (artifacts.kind === "aks") {
            if (!network || !aksStorage) throw new Error("the AKS backend needs its network and storage");
            this.aks = new AksBackend(
                `${name}-aks`,
                {
                    resourceGroupName: rg,
                    location: config.location,
                    baseName,
                    registryName: registryName(config.namePrefix, config.environment, salt),
                    subscriptionId: context.subscriptionId,
                    tenantId: context.tenantId,
                    deployerObjectId: context.deployerObjectId,
                    deployerPrincipalType: config.deployerPrincipalType,
                    settings: config.aks,
                    image: artifacts.image,
                    nodeSubnetId: network.nodeSubnetId,
                    loadBalancerSubnetId: network.internalLoadBalancerSubnetId,
                    loadBalancerSubnetName: subnetNames.internalLoadBalancer,
                    internalLoadBalancerIp: network.plan.internalLoadBalancerIp,
                    gatewaySubnetCidr: network.plan.gateway,
                    storageAccountId: aksStorage.accountId,
                    snippetsContainerId: aksStorage.containerIds[aksStorageContainers[0]],
                    blobEndpoint: aksStorage.blobEndpoint,
                    queueEndpoint: aksStorage.queueEndpoint,
                    audience: identity.backendAppClientId,
                    gatewayUrl: gateway.gatewayUrl,
                    workspaceId: monitoring.workspaceId,
                    tags,
                },
                { parent: this },
            );
            toolBackend = this.aks;
        } else {
            this.functions = new FunctionsBackend(
                `${name}-functions`,
                {
                    resourceGroupName: rg,
                    location: config.location,
                    functionAppName: `${baseName}-tools-${unique}`,
                    storageAccountName: storageAccountName(
                        config.namePrefix,
                        config.environment,
                        "tools",
                        salt,
                    ),
                    subscriptionId: context.subscriptionId,
                    tenantId: context.tenantId,
                    instanceMemoryMB: config.functions.instanceMemoryMB,
                    maximumInstanceCount: config.functions.maximumInstanceCount,
                    nodeVersion: config.functions.nodeVersion,
                    audience: identity.backendAppClientId,
                    allowedCallerPrincipalIds: [gateway.principalId],
                    appInsightsId: monitoring.appInsightsId,
                    appInsightsConnectionString: monitoring.appInsightsConnectionString,
                    workspaceId: monitoring.workspaceId,
                    package: artifacts.package,
                    deploymentToken: artifacts.deploymentToken,
                    tags,
                    serviceSettings: signIn.frontDoorClientId
                        ? frontDoorServiceSettings({
                              gatewayUrl: gateway.gatewayUrl,
                              tenantId: context.tenantId,
                              clientId: signIn.frontDoorClientId,
                              mcpAppIdUri: identity.mcpAppIdUri,
                              resourceName: `${config.apim.publisherName} MCP tools (${config.environment})`,
                          })
                        : undefined,
                },
                { parent: this },
            );
            toolBackend = this.functions;
        }

        const apis = new McpApis(
            `${name}-apis`,
            {
                resourceGroupName: rg,
                serviceName: gateway.serviceName,
                gatewayUrl: gateway.gatewayUrl,
                gatewayPrincipalId: gateway.principalId,
                tenantId: context.tenantId,
                mcpAppClientId: identity.mcpAppClientId,
                mcpAppIdUri: identity.mcpAppIdUri,
                backendUrl: toolBackend.backendUrl,
                backendAudience: toolBackend.audience,
                backendServicePrincipalObjectId: identity.backendServicePrincipalObjectId,
                backendInvokeRoleId: identity.backendInvokeRoleId,
                functionsSystemKey: this.functions?.mcpExtensionKey,
                policy: {
                    rateLimitCalls: config.gatewayPolicy.rateLimitCalls,
                    rateLimitPeriodSeconds: config.gatewayPolicy.rateLimitPeriodSeconds,
                    maxRequestBodyKb: config.gatewayPolicy.maxRequestBodyKb,
                    metricNamespace: "agents-control-plane",
                    resourceName: `${config.apim.publisherName} MCP tools (${config.environment})`,
                    corsAllowedOrigins: config.gatewayPolicy.corsAllowedOrigins,
                },
                frontDoor: config.clientAuth.mode === "frontDoor" ? {} : undefined,
            },
            { parent: this },
        );

        signIn.trustBackendIdentity(toolBackend.identityPrincipalId);
        this.clientSignIn = {
            mode: config.clientAuth.mode,
            preAuthorizedClientIds: config.clientAuth.preAuthorizedClientIds,
            ...(apis.frontDoor && signIn.frontDoorClientId
                ? {
                      frontDoor: {
                          issuer: apis.frontDoor.issuer,
                          metadataUrl: apis.frontDoor.metadataUrl,
                          authorizationEndpoint: pulumi.interpolate`${apis.frontDoor.issuer}/authorize`,
                          tokenEndpoint: pulumi.interpolate`${apis.frontDoor.issuer}/token`,
                          registrationEndpoint: pulumi.interpolate`${apis.frontDoor.issuer}/register`,
                          clientId: signIn.frontDoorClientId,
                      },
                  }
                : {}),
        };
        this.resourceGroupName = rg;
        this.gatewayUrl = gateway.gatewayUrl;
        this.gatewayServiceName = gateway.serviceName;
        this.mcpEndpoint = apis.mcpEndpoint;
        this.mcpSseUrl = apis.mcpSseUrl;
        this.sentinelWebhookUrl = apis.sentinelWebhookUrl;
        this.protectedResourceMetadataUrl = apis.protectedResourceMetadataUrl;
        this.policies = apis.policies;
        this.tenantId = context.tenantId;
        this.mcpAppClientId = identity.mcpAppClientId;
        this.mcpAppIdUri = identity.mcpAppIdUri;
        this.agents = Object.fromEntries(
            identity.agents.map((a) => [
                a.name,
                {
                    platform: a.platform,
                    tenantId: context.tenantId,
                    clientId: a.clientId,
                    scope: pulumi.interpolate`${identity.mcpAppIdUri}/.default`,
                    roles: a.roles,
                    credential: a.certificateCredential ? "certificate" : "federated",
                    federation: a.federation.map(({ issuer, subject, audience }) => ({
                        issuer,
                        subject,
                        audience,
                    })),
                },
            ]),
        );
        this.monitoring = monitoring;
        this.backend = toolBackend;
        this.network = network;
        this.registerOutputs({ gatewayUrl: this.gatewayUrl, mcpEndpoint: this.mcpEndpoint });
    }
}
