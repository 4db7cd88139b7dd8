import * as apimanagement from "@pulumi/azure-native/apimanagement";
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import type { ApimSku, CustomDomainConfig } from "../config/types";
import { sendDiagnostics } from "../azure/diagnostics";
import { assignRole } from "../azure/role-assignment";

/** Arguments for {@link Gateway}. */
export interface GatewayArgs {
    /** Resource group that holds the service and its identities. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the service. */
    readonly location: pulumi.Input<string>;
    /** Globally unique APIM service name. */
    readonly serviceName: string;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /**
     * API Management tier. v2 tiers provision in minutes, classic ones in 30-45; Developer has no SLA;
     * only Developer/Premium (injection) and StandardV2/PremiumV2 (outbound integration) take `subnetId`.
     */
    readonly sku: ApimSku;
    /** Scale units: 1-12 (Developer: 1). */
    readonly capacity: number;
    /** Publisher e-mail API Management requires (notifications go there). */
    readonly publisherEmail: string;
    /** Publisher name shown in the developer portal. */
    readonly publisherName: string;
    /**
     * Gateway host name with its Key Vault certificate; with it the MCP URL can be the app id URI.
     * Default: none (the azure-api.net host).
     */
    readonly customDomain?: CustomDomainConfig | undefined;
    /** Percentage of requests sent to Application Insights. */
    readonly samplingPercentage: number;
    /**
     * Application Insights the gateway logs to; the gateway's identity gets Monitoring Metrics Publisher on it.
     */
    readonly appInsightsId: pulumi.Input<string>;
    /**
     * Connection string of that Application Insights (secret; ingestion still needs the identity).
     */
    readonly appInsightsConnectionString: pulumi.Input<string>;
    /** Log Analytics workspace that receives the gateway's resource logs and metrics. */
    readonly workspaceId: pulumi.Input<string>;
    /**
     * Subnet through which the gateway reaches a private backend: outbound VNet integration
     * (StandardV2/PremiumV2, subnet delegated to Microsoft.Web/serverFarms) or injection
     * (Developer/Premium). In both the gateway itself stays reachable from the internet ("External").
     */
    readonly subnetId?: pulumi.Input<string>;
    /** Tags put on the service and its identities. */
    readonly tags: Record<string, string>;
}

/** Diagnostics never log bodies: payloads stay private and event streams are never buffered. */
const noBodies = {
    request: { body: { bytes: 0 }, headers: ["x-correlation-id", "MCP-Protocol-Version"] },
    response: { body: { bytes: 0 }, headers: ["x-correlation-id"] },
};

/**
 * The API Management service with its system-assigned identity, telemetry to Application Insights
 * (through that identity; App Insights accepts no keys) and resource logs to Log Analytics.
 * APIs, policies and the backend are {@link McpApis}.
 */
export class Gateway extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly serviceId: pulumi.Output<string>;
    /** https://<service>.azure-api.net, or the custom domain. */
    public readonly gatewayUrl: pulumi.Output<string>;
    /** Object id of the gateway's managed identity: what the backend trusts. */
    public readonly principalId: pulumi.Output<string>;

    constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:gateway:Gateway", name, {}, opts);
        const certificateReader = args.customDomain
            ? this.certificateReader(name, args, args.customDomain)
            : undefined;
        const service = new apimanagement.ApiManagementService(
            `${name}-apim`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                serviceName: args.serviceName,
                sku: { name: args.sku, capacity: args.capacity },
                publisherEmail: args.publisherEmail,
                publisherName: args.publisherName,
                // Never sent: it is "only meant to be used for Consumption SKU Service" (APIM REST
                // spec) and the program deploys no Consumption tier. The SDK puts the spec default
                // `false` in the request for an undefined or null input, which the classic tiers
                // reject ("Setting EnableClientCertificate flag to false is not supported for
                // Developer SKU", pulumi-azure-native 1741/1865); an output resolving to undefined
                // is left out of the request instead.
                enableClientCertificate: pulumi.output<boolean | undefined>(undefined),
                // The system identity calls backends and App Insights; a user-assigned one, granted
                // before the service exists, reads the custom domain's certificate from Key Vault.
                identity: certificateReader
                    ? {
                          type: "SystemAssigned, UserAssigned",
                          userAssignedIdentities: certificateReader.identity.id.apply((id) => ({ [id]: {} })),
                      }
                    : { type: "SystemAssigned" },
                publicNetworkAccess: "Enabled",
                ...(args.subnetId
                    ? {
                          virtualNetworkType: "External",
                          virtualNetworkConfiguration: { subnetResourceId: args.subnetId },
                      }
                    : {}),
                // TLS 1.2+ only, no 3DES, on both sides of the gateway.
                customProperties: {
                    "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls10": "False",
                    "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11": "False",
                    "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10": "False",
                    "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11": "False",
                    "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Ssl30": "False",
                    "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers.TripleDes168": "False",
                },
                hostnameConfigurations: args.customDomain
                    ? [
                          {
                              type: "Proxy",
                              hostName: args.customDomain.hostName,
                              certificateSource: "KeyVault",
                              keyVaultId: args.customDomain.keyVaultSecretId,
                              identityClientId: certificateReader?.identity.clientId,
                              defaultSslBinding: true,
                              negotiateClientCertificate: false,
                          },
                      ]
                    : undefined,
                tags: args.tags,
            },
            { parent: this, dependsOn: certificateReader ? [certificateReader.grant] : [] },
        );
        const principalId = service.identity.apply((i) => {
            if (!i?.principalId) throw new Error("API Management returned no managed identity principal id");
            return i.principalId;
        });

        // The logger authenticates with the gateway's identity; App Insights has local auth off.
        const publisher = assignRole(
            `${name}-appinsights-publisher`,
            {
                subscriptionId: args.subscriptionId,
                scope: args.appInsightsId,
                principalId,
                role: "monitoringMetricsPublisher",
                description: "Gateway telemetry to Application Insights with Entra auth",
            },
            { parent: this },
        );
        const common = { resourceGroupName: args.resourceGroupName, serviceName: service.name };
        const logger = new apimanagement.Logger(
            `${name}-appinsights-logger`,
            {
                ...common,
                loggerId: "appinsights",
                loggerType: "applicationInsights",
                resourceId: args.appInsightsId,
                credentials: {
                    connectionString: args.appInsightsConnectionString,
                    identityClientId: "SystemAssigned",
                },
                isBuffered: true,
            },
            { parent: this, dependsOn: [publisher] },
        );
        new apimanagement.Diagnostic(
            `${name}-appinsights-diagnostic`,
            {
                ...common,
                diagnosticId: "applicationinsights",
                loggerId: logger.id,
                alwaysLog: "allErrors",
                sampling: { samplingType: "fixed", percentage: args.samplingPercentage },
                httpCorrelationProtocol: "W3C",
                verbosity: "information",
                logClientIp: true,
                // emit-metric (per-agent, per-tool dimensions) needs custom metrics on.
                metrics: true,
                frontend: noBodies,
                backend: noBodies,
            },
            { parent: this },
        );
        // Resource logs (ApiManagementGatewayLogs) follow the azuremonitor diagnostic's settings. Its
        // logger has the one name APIM gives the Azure Monitor logger; created here, not assumed.
        const azureMonitor = new apimanagement.Logger(
            `${name}-azuremonitor-logger`,
            { ...common, loggerId: "azuremonitor", loggerType: "azureMonitor", isBuffered: true },
            { parent: this },
        );
        new apimanagement.Diagnostic(
            `${name}-azuremonitor-diagnostic`,
            {
                ...common,
                diagnosticId: "azuremonitor",
                loggerId: azureMonitor.id,
                alwaysLog: "allErrors",
                sampling: { samplingType: "fixed", percentage: 100 },
                logClientIp: true,
                frontend: noBodies,
                backend: noBodies,
            },
            { parent: this },
        );
        sendDiagnostics(
            `${name}-apim-diagnostics`,
            { resourceUri: service.id, workspaceId: args.workspaceId },
            { parent: this },
        );

        this.serviceName = service.name;
        this.serviceId = service.id;
        this.gatewayUrl = args.customDomain
            ? pulumi.output(`https://${args.customDomain.hostName}`)
            : service.gatewayUrl;
        this.principalId = principalId;
        this.registerOutputs({
            serviceName: this.serviceName,
            gatewayUrl: this.gatewayUrl,
            principalId: this.principalId,
        });
    }

    /**
     * Identity that reads the custom domain's certificate: it must exist and hold read on the secret
     * before the service is created, which a system-assigned identity cannot.
     */
    private certificateReader(
        name: string,
        args: GatewayArgs,
        domain: CustomDomainConfig,
    ): { identity: managedidentity.UserAssignedIdentity; grant: authorization.RoleAssignment } {
        const identity = new managedidentity.UserAssignedIdentity(
            `${name}-certificate-reader`,
            { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
            { parent: this },
        );
        const secretName = domain.keyVaultSecretId.replace(/\/$/, "").split("/").pop() as string;
        const grant = assignRole(
            `${name}-certificate-read`,
            {
                subscriptionId: args.subscriptionId,
                // The one secret, not the vault: the gateway reads its certificate and nothing else.
                scope: `${domain.keyVaultId}/secrets/${secretName}`,
                principalId: identity.principalId,
                role: "keyVaultSecretsUser",
                description: "Gateway reads its custom domain certificate",
            },
            { parent: this },
        );
        return { identity, grant };
    }
}
