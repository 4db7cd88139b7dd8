import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { gatewayPaths } from "functions-app/contract";
import { uniqueSuffix } from "./azure/ids";
import { planToolBackend } from "./backends";
import type { StackConfig } from "./config/types";
import { deployAgentData } from "./data/agent-data";
import type { AgentMemory } from "./data/agent-memory";
import type { KnowledgeSearch } from "./data/knowledge-search";
import { Gateway } from "./gateway/gateway";
import { gatewayMetrics } from "./gateway/metrics";
import { McpApis } from "./gateway/mcp-apis";
import { ClientSignIn, frontDoorServiceSettings } from "./identity/client-sign-in";
import { Identity } from "./identity/identity";
import { Monitoring } from "./monitoring/monitoring";
import { placementIn } from "./network/private-endpoint";
import { projectName } from "./project";
import { ContentSafety } from "./safety/content-safety";
import { controlPlaneVault } from "./security/control-plane-vault";
import type {
    BackendArtifacts,
    DeployedToolBackend,
    DeploymentContext,
    ToolBackendContext,
} from "./tool-backend";

/** Arguments for {@link ControlPlane}. */
export interface ControlPlaneArgs {
    /**
     * The validated stack configuration (`parseStackConfig`); the components read no config themselves.
     */
    readonly config: StackConfig;
    /** Tenant, subscription and deploying principal, from the providers' client configuration. */
    readonly context: DeploymentContext;
    /** Must match `config.backend`. */
    readonly artifacts: BackendArtifacts;
}

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
    /** The vault that holds the control plane's secrets. */
    public readonly keyVault: { readonly name: pulumi.Output<string>; readonly uri: pulumi.Output<string> };
    /** The backend behind the gateway, whatever its kind. */
    public readonly backend: DeployedToolBackend;
    public readonly gatewayServiceName: pulumi.Output<string>;
    public readonly policies: Readonly<Record<string, string>>;
    /** How people's MCP clients sign in, and the front door's URLs when it runs. */
    public readonly clientSignIn: ClientSignInOutput;
    /** Agent memory (Cosmos DB); undefined when the stack opts out (`memory: false`). */
    public readonly memory: AgentMemory | undefined;
    /** The knowledge index's AI Search service; undefined when the stack opts out (`knowledge: false`). */
    public readonly knowledge: KnowledgeSearch | undefined;

    constructor(name: string, args: ControlPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:controlplane:ControlPlane", name, {}, opts);
        const { config, context, artifacts } = args;
        if (artifacts.kind !== config.backend) {
            throw new Error(
                `backend is "${config.backend}" but the program built ${artifacts.kind} artifacts`,
            );
        }
        const baseName = `${config.namePrefix}-${config.environment}`;
        const tags = { ...config.tags, environment: config.environment, project: projectName };
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
                callMetricName: gatewayMetrics.mcpCall,
                agentsByAppId,
                tags,
            },
            { parent: this },
        );

        const backendContext: ToolBackendContext = {
            parent: this,
            name,
            config,
            deployment: context,
            baseName,
            salt,
            unique,
            resourceGroupName: rg,
            audience: identity.backendAppClientId,
            monitoring,
            tags,
        };
        const backend = planToolBackend(backendContext, artifacts);
        // In the backend's network when it has one, so a private backend reaches them privately.
        const data = deployAgentData(backendContext, backend.network);

        const vault = controlPlaneVault(this, name, {
            config,
            context,
            baseName,
            unique,
            resourceGroupName: rg,
            workspaceId: monitoring.workspaceId,
            network: backend.network,
            tags,
        });

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
                ...(backend.network ? { subnetId: backend.network.gatewaySubnetId } : {}),
                tags,
            },
            { parent: this },
        );

        const signIn = new ClientSignIn(
            `${name}-client-sign-in`,
            {
                baseName,
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

        const toolBackend = backend.deploy(gateway, {
            settings: signIn.frontDoorClientId
                ? frontDoorServiceSettings({
                      gatewayUrl: gateway.gatewayUrl,
                      tenantId: context.tenantId,
                      clientId: signIn.frontDoorClientId,
                      mcpAppIdUri: identity.mcpAppIdUri,
                      resourceName: `${config.apim.publisherName} MCP tools (${config.environment})`,
                  })
                : {},
            data,
        });

        const contentSafety = config.contentSafety
            ? new ContentSafety(
                  `${name}-content-safety`,
                  {
                      resourceGroupName: rg,
                      location: config.location,
                      accountName: `${config.namePrefix}${config.environment}cs${unique}`.replace(
                          /[^a-z0-9]/g,
                          "",
                      ),
                      subscriptionId: context.subscriptionId,
                      gatewayPrincipalId: gateway.principalId,
                      // The gateway is in the backend's VNet when it has one: it reaches the account there.
                      privateEndpoint: backend.network
                          ? placementIn(backend.network, "cognitiveServices", `${baseName}-content-safety-pe`)
                          : undefined,
                      workspaceId: monitoring.workspaceId,
                      tags,
                  },
                  { parent: this },
              )
            : undefined;

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
                subscriptionId: context.subscriptionId,
                functionsKeySecret: vault.storeFunctionsKey(toolBackend.functionsSystemKey),
                policy: {
                    toolHost: config.backend === "functions" ? "functions" : "node",
                    rateLimitCalls: config.gatewayPolicy.rateLimitCalls,
                    rateLimitPeriodSeconds: config.gatewayPolicy.rateLimitPeriodSeconds,
                    maxRequestBodyKb: config.gatewayPolicy.maxRequestBodyKb,
                    resourceName: `${config.apim.publisherName} MCP tools (${config.environment})`,
                    corsAllowedOrigins: config.gatewayPolicy.corsAllowedOrigins,
                    contentScreening: config.contentSafety,
                },
                contentSafety: contentSafety
                    ? { endpoint: contentSafety.endpoint, ready: contentSafety.gatewayReady }
                    : undefined,
                frontDoor: config.clientAuth.mode === "frontDoor" ? {} : undefined,
            },
            { parent: this },
        );

        signIn.trustBackendWorkload(toolBackend.workloadFederation);
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
        this.keyVault = { name: vault.vault.vaultName, uri: vault.vault.vaultUri };
        this.backend = toolBackend;
        this.memory = data.memory;
        this.knowledge = data.knowledge;
        this.registerOutputs({ gatewayUrl: this.gatewayUrl, mcpEndpoint: this.mcpEndpoint });
    }
}
