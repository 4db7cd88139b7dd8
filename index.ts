/**
 * agents-control-plane: reads and validates the stack configuration, builds the control plane and
 * exports what platform engineers hand to agent owners. Every configuration problem is reported at
 * once, before any resource is registered.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig } from "./components/config/parse";
import { buildBackendArtifacts } from "./components/backends";
import { ControlPlane } from "./components/control-plane";

export = async () => {
    const parsed = parseStackConfig(pulumi.runtime.allConfig(), {
        stack: pulumi.getStack(),
        today: new Date(),
    });
    if (!parsed.ok) throw new ConfigError(parsed.errors);
    const config = parsed.config;
    for (const warning of parsed.warnings) void pulumi.log.warn(warning);

    const [arm, entra] = await Promise.all([authorization.getClientConfig(), azuread.getClientConfig()]);
    if (arm.tenantId !== entra.tenantId) {
        throw new Error(
            `azure-native targets tenant ${arm.tenantId} but azuread targets ${entra.tenantId}; configure one tenant`,
        );
    }
    // The deploying identity's ARM token: OneDeploy (Functions) or the registry push (AKS) use it.
    const deploymentToken = pulumi.secret(authorization.getClientTokenOutput().token);
    const artifacts = await buildBackendArtifacts(config, deploymentToken);

    const plane = new ControlPlane(`${config.namePrefix}-${config.environment}`, {
        config,
        context: {
            tenantId: arm.tenantId,
            subscriptionId: arm.subscriptionId,
            deployerObjectId: entra.objectId,
        },
        artifacts,
    });

    return {
        gatewayUrl: plane.gatewayUrl,
        mcpEndpoint: plane.mcpEndpoint,
        mcpSseUrl: plane.mcpSseUrl,
        sentinelWebhookUrl: plane.sentinelWebhookUrl,
        protectedResourceMetadataUrl: plane.protectedResourceMetadataUrl,
        tenantId: plane.tenantId,
        mcpAppClientId: plane.mcpAppClientId,
        mcpAppIdUri: plane.mcpAppIdUri,
        agents: plane.agents,
        clientSignIn: plane.clientSignIn,
        resourceGroupName: plane.resourceGroupName,
        monitoring: {
            workspaceId: plane.monitoring.workspaceId,
            workspaceName: plane.monitoring.workspaceName,
            appInsightsId: plane.monitoring.appInsightsId,
            appInsightsName: plane.monitoring.appInsightsName,
            actionGroupId: plane.monitoring.actionGroupId,
            alertRuleIds: plane.monitoring.alertRuleIds,
            workbookId: plane.monitoring.workbookId,
        },
        keyVault: { name: plane.keyVault.name, uri: plane.keyVault.uri },
        backend: { kind: plane.backend.kind, url: plane.backend.backendUrl, ...plane.backend.outputs },
        ...(plane.memory
            ? {
                  memory: {
                      cosmosAccount: plane.memory.accountName,
                      endpoint: plane.memory.endpoint,
                      database: plane.memory.databaseName,
                      container: plane.memory.containerName,
                  },
              }
            : {}),
        ...(plane.knowledge
            ? {
                  knowledge: {
                      searchService: plane.knowledge.serviceName,
                      endpoint: plane.knowledge.endpoint,
                      indexName: plane.knowledge.indexName,
                      indexDefinedByProgram: plane.knowledge.indexDefinedByProgram,
                  },
              }
            : {}),
    };
};
