import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as web from "@pulumi/azure-native/web";
import * as pulumi from "@pulumi/pulumi";
import { snippetContainer } from "functions-app/contract";
import { sendDiagnostics } from "../azure/diagnostics";
import { roleGranter } from "../azure/role-assignment";
import { RolePropagation } from "../azure/role-propagation";
import { ToolStorage } from "../storage/tool-storage";
import type { FunctionsNodeVersion } from "../config/support";
import {
    azureMonitorTracingSettings,
    grantTelemetryPublisher,
    type ToolTelemetry,
} from "../monitoring/tool-telemetry";
import type { ToolBackend, WorkloadFederation } from "../tool-backend";
import { OneDeployPackage } from "./onedeploy/provider";
import type { FunctionsPackage } from "./package";
import { McpExtensionKey } from "./system-key/provider";

/** Arguments for {@link FunctionsBackend}. */
export interface FunctionsBackendArgs {
    /** Resource group that holds the app, its plan, storage and identity. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region (one where Flex Consumption is offered). */
    readonly location: pulumi.Input<string>;
    /** Globally unique names. */
    readonly functionAppName: string;
    /** Globally unique name of the app's storage account: 3-24 lowercase letters and digits. */
    readonly storageAccountName: string;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /** Entra tenant whose tokens the app's built-in authentication accepts. */
    readonly tenantId: string;
    /** Flex Consumption instance memory: 2048 or 4096 MB. */
    readonly instanceMemoryMB: 2048 | 4096;
    /** Flex Consumption scale-out limit: 40-1000 instances. */
    readonly maximumInstanceCount: number;
    /**
     * Node.js major version of the app; one past its end of support is refused by the config parser.
     */
    readonly nodeVersion: FunctionsNodeVersion;
    /** Backend app registration's client id: the only audience the app accepts. */
    readonly audience: pulumi.Input<string>;
    /** Object ids allowed to call (the gateway's managed identity); everyone else gets 401/403. */
    readonly allowedCallerPrincipalIds: pulumi.Input<string>[];
    /**
     * Application Insights the host and the tool service's spans go to; the app's identity gets
     * Monitoring Metrics Publisher on it (ingestion authenticates with the identity).
     */
    readonly telemetry: ToolTelemetry;
    /** Log Analytics workspace for the app's and storage's diagnostics. */
    readonly workspaceId: pulumi.Input<string>;
    /** The bundled tool service; a new sha256 (and only that) redeploys it. */
    readonly package: FunctionsPackage;
    /** Entra token for the SCM host, used by OneDeploy. */
    readonly deploymentToken: pulumi.Input<string>;
    /** Tags put on every resource of the backend. */
    readonly tags: Record<string, string>;
    /** More settings for the tool service (none of them a secret), e.g. the front door's `FRONT_DOOR_*`. */
    readonly serviceSettings?: Readonly<Record<string, pulumi.Input<string>>>;
}

const deploymentContainer = "app-package";

/**
 * OneDeploy writes the package to the deployment container as the app's identity, and the host
 * starts against storage and telemetry with it: every grant must be in effect, not just created.
 */
export const functionsRolePropagationSeconds = 300;

/**
 * The MCP tool service on Flex Consumption: keyless storage, a user-assigned identity with only the
 * roles the host and the tools need, App Service authentication that admits the gateway's identity
 * only, and the package deployed with OneDeploy.
 */
export class FunctionsBackend extends pulumi.ComponentResource implements ToolBackend {
    public readonly backendUrl: pulumi.Output<string>;
    public readonly audience: pulumi.Output<string>;
    public readonly functionAppName: pulumi.Output<string>;
    public readonly functionAppId: pulumi.Output<string>;
    public readonly storageAccountName: pulumi.Output<string>;
    public readonly identityClientId: pulumi.Output<string>;
    public readonly identityPrincipalId: pulumi.Output<string>;
    /** The app's user-assigned identity, as a federated credential trusts it (issuer: this tenant). */
    public readonly workloadFederation: WorkloadFederation;
    public readonly deployedSha256: pulumi.Output<string>;
    /**
     * The MCP extension's system key (secret), for the gateway's `x-functions-key`: the extension may
     * not honour `webhookAuthorizationLevel: Anonymous` (azure-functions-mcp-extension#138).
     */
    public readonly mcpExtensionKey: pulumi.Output<string>;

    constructor(name: string, args: FunctionsBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:functions:FunctionsBackend", name, {}, opts);
        const rg = args.resourceGroupName;

        const store = new ToolStorage(
            name,
            {
                resourceGroupName: rg,
                location: args.location,
                accountName: args.storageAccountName,
                containers: [deploymentContainer, snippetContainer],
                // Flex Consumption reaches its host storage over the public endpoint (Entra auth only).
                publicNetworkAccess: "Enabled",
                workspaceId: args.workspaceId,
                tags: args.tags,
                previousParent: this,
            },
            { parent: this },
        );

        const identity = new managedidentity.UserAssignedIdentity(
            `${name}-identity`,
            {
                resourceGroupName: rg,
                location: args.location,
                resourceName: `${args.functionAppName}-id`,
                tags: args.tags,
            },
            { parent: this },
        );
        const grant = roleGranter(
            name,
            { subscriptionId: args.subscriptionId, principalId: identity.principalId },
            { parent: this },
        );
        const roleAssignments = [
            // Host storage (AzureWebJobsStorage), the deployment package and the snippets.
            grant(
                "blob-owner",
                store.accountId,
                "storageBlobDataOwner",
                "Functions host, package and snippets",
            ),
            // The MCP extension keeps per-instance backplane queues even for Streamable HTTP.
            grant(
                "queue-contributor",
                store.accountId,
                "storageQueueDataContributor",
                "MCP extension backplane queues",
            ),
            grantTelemetryPublisher(grant, args.telemetry.appInsightsId),
        ];

        const plan = new web.AppServicePlan(
            `${name}-plan`,
            {
                resourceGroupName: rg,
                location: args.location,
                name: `${args.functionAppName}-plan`,
                kind: "functionapp",
                reserved: true,
                sku: { name: "FC1", tier: "FlexConsumption" },
                tags: args.tags,
            },
            { parent: this },
        );
        // No siteConfig: the SDK would add netFrameworkVersion, which Flex Consumption rejects.
        const app = new web.WebApp(
            `${name}-app`,
            {
                resourceGroupName: rg,
                location: args.location,
                name: args.functionAppName,
                kind: "functionapp,linux",
                serverFarmId: plan.id,
                httpsOnly: true,
                clientAffinityEnabled: false,
                identity: {
                    type: "UserAssigned",
                    userAssignedIdentities: [identity.id],
                },
                keyVaultReferenceIdentity: identity.id,
                functionAppConfig: {
                    deployment: {
                        storage: {
                            type: "blobContainer",
                            value: pulumi.interpolate`${store.blobEndpoint}/${deploymentContainer}`,
                            authentication: {
                                type: "UserAssignedIdentity",
                                userAssignedIdentityResourceId: identity.id,
                            },
                        },
                    },
                    runtime: { name: "node", version: args.nodeVersion },
                    scaleAndConcurrency: {
                        instanceMemoryMB: args.instanceMemoryMB,
                        maximumInstanceCount: args.maximumInstanceCount,
                    },
                },
                tags: args.tags,
            },
            { parent: this, dependsOn: roleAssignments },
        );

        const settings = new web.WebAppApplicationSettings(
            `${name}-settings`,
            {
                resourceGroupName: rg,
                name: app.name,
                properties: {
                    // Host storage through the managed identity; the account has no usable keys.
                    AzureWebJobsStorage__accountName: store.accountName,
                    AzureWebJobsStorage__credential: "managedidentity",
                    AzureWebJobsStorage__clientId: identity.clientId,
                    // The host's telemetry and the tool service's spans (tool and storage calls), Entra-authenticated.
                    APPLICATIONINSIGHTS_CONNECTION_STRING: args.telemetry.connectionString,
                    ...azureMonitorTracingSettings(identity.clientId, args.telemetry.sampling),
                    // The tool service's own settings (functions-app/src/functions/storage.ts).
                    AZURE_CLIENT_ID: identity.clientId,
                    SNIPPETS_STORAGE_ACCOUNT_URL: store.blobEndpoint,
                    SNIPPETS_CONTAINER: snippetContainer,
                    ...args.serviceSettings,
                },
            },
            { parent: this },
        );

        // Built-in authentication: an Entra token for the backend audience, from an allowed identity.
        const auth = new web.WebAppAuthSettingsV2(
            `${name}-auth`,
            {
                resourceGroupName: rg,
                name: app.name,
                platform: { enabled: true, runtimeVersion: "~1" },
                globalValidation: { requireAuthentication: true, unauthenticatedClientAction: "Return401" },
                httpSettings: { requireHttps: true },
                login: { tokenStore: { enabled: false } },
                identityProviders: {
                    azureActiveDirectory: {
                        enabled: true,
                        registration: {
                            clientId: args.audience,
                            openIdIssuer: `https://login.microsoftonline.com/${args.tenantId}/v2.0`,
                        },
                        validation: {
                            allowedAudiences: [args.audience, pulumi.interpolate`api://${args.audience}`],
                            defaultAuthorizationPolicy: {
                                allowedPrincipals: { identities: args.allowedCallerPrincipalIds },
                            },
                        },
                    },
                },
            },
            { parent: this },
        );
        // Publishing only with Entra tokens: no basic-auth credentials for FTP or the SCM site.
        const ftp = new web.WebAppFtpAllowed(
            `${name}-ftp-off`,
            { resourceGroupName: rg, name: app.name, allow: false },
            { parent: this },
        );
        const scm = new web.WebAppScmAllowed(
            `${name}-scm-basic-auth-off`,
            { resourceGroupName: rg, name: app.name, allow: false },
            { parent: this },
        );

        sendDiagnostics(
            `${name}-app-diagnostics`,
            { resourceUri: app.id, workspaceId: args.workspaceId },
            { parent: this },
        );
        const scmHost = app.hostNameSslStates.apply((states) => {
            const host = states?.find((s) => s.hostType === "Repository")?.name;
            if (!host)
                throw new Error(
                    `function app ${args.functionAppName} reported no SCM (Repository) host name`,
                );
            return host;
        });
        const rolesInEffect = new RolePropagation(
            `${name}-role-propagation`,
            {
                assignmentIds: roleAssignments.map((a) => a.id),
                seconds: functionsRolePropagationSeconds,
            },
            { parent: this },
        );
        const deployment = new OneDeployPackage(
            `${name}-package`,
            {
                scmHost,
                zipPath: args.package.zipPath,
                sha256: args.package.sha256,
                token: args.deploymentToken,
            },
            { parent: this, dependsOn: [settings, auth, ftp, scm, rolesInEffect] },
        );

        // The host creates the key when it starts with the deployed MCP trigger: read it after OneDeploy.
        const systemKey = new McpExtensionKey(
            `${name}-mcp-extension-key`,
            { siteId: app.id, deployedSha256: deployment.sha256, token: args.deploymentToken },
            { parent: this, dependsOn: [deployment] },
        );

        this.backendUrl = pulumi.interpolate`https://${app.defaultHostName}`;
        this.audience = pulumi.output(args.audience);
        this.functionAppName = app.name;
        this.functionAppId = app.id;
        this.storageAccountName = store.accountName;
        this.identityClientId = identity.clientId;
        this.identityPrincipalId = identity.principalId;
        // Managed identity as a federated credential: its token for the exchange audience.
        this.workloadFederation = {
            credentialName: "tool-backend-managed-identity",
            description: "The tool backend's managed identity, which runs the front door.",
            issuer: `https://login.microsoftonline.com/${args.tenantId}/v2.0`,
            subject: identity.principalId,
        };
        this.deployedSha256 = deployment.sha256;
        this.mcpExtensionKey = pulumi.secret(systemKey.key);
        this.registerOutputs({
            backendUrl: this.backendUrl,
            functionAppName: this.functionAppName,
            storageAccountName: this.storageAccountName,
            deployedSha256: this.deployedSha256,
        });
    }
}
