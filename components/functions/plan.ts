/** The Functions backend as the control plane builds it: public, so nothing comes before the gateway. */
import { storageAccountName } from "../azure/ids";
import type { BackendArtifacts, PlannedToolBackend, ToolBackendContext } from "../tool-backend";
import { toolTelemetryOf } from "../monitoring/tool-telemetry";
import { FunctionsBackend } from "./backend";

export function planFunctionsBackend(
    ctx: ToolBackendContext,
    artifacts: Extract<BackendArtifacts, { kind: "functions" }>,
): PlannedToolBackend {
    const { config } = ctx;
    return {
        deploy: (gateway, service) => {
            const functions = new FunctionsBackend(
                `${ctx.name}-functions`,
                {
                    resourceGroupName: ctx.resourceGroupName,
                    location: config.location,
                    functionAppName: `${ctx.baseName}-tools-${ctx.unique}`,
                    storageAccountName: storageAccountName(
                        config.namePrefix,
                        config.environment,
                        "tools",
                        ctx.salt,
                    ),
                    subscriptionId: ctx.deployment.subscriptionId,
                    tenantId: ctx.deployment.tenantId,
                    instanceMemoryMB: config.functions.instanceMemoryMB,
                    maximumInstanceCount: config.functions.maximumInstanceCount,
                    nodeVersion: config.functions.nodeVersion,
                    audience: ctx.audience,
                    allowedCallerPrincipalIds: [gateway.principalId],
                    telemetry: toolTelemetryOf(ctx),
                    workspaceId: ctx.monitoring.workspaceId,
                    package: artifacts.package,
                    deploymentToken: artifacts.deploymentToken,
                    tags: ctx.tags,
                    serviceSettings: { ...service.settings, ...service.data.settings },
                },
                { parent: ctx.parent },
            );
            // Memory and knowledge are reached over their public endpoints with Entra tokens: Flex
            // Consumption here has no VNet integration, so there is no private path to them.
            service.data.grantTo("functions", functions.identityPrincipalId);
            return {
                kind: artifacts.kind,
                backendUrl: functions.backendUrl,
                audience: functions.audience,
                workloadFederation: functions.workloadFederation,
                functionsSystemKey: functions.mcpExtensionKey,
                outputs: {
                    functionAppName: functions.functionAppName,
                    packageSha256: artifacts.package.sha256,
                },
            };
        },
    };
}
