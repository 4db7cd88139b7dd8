/**
 * The AKS backend as the control plane builds it. It is private: its storage sits behind private
 * endpoints and the gateway joins its VNet, so the network exists before the gateway does.
 */
import { frontDoorSettingNames } from "functions-app/front-door/environment";
import { frontDoorContainer } from "functions-app/contract";
import { registryName, storageAccountName } from "../azure/ids";
import { apimVnetModes } from "../config/types";
import { agentDataPrivateLinkServices } from "../data/agent-data";
import { Network } from "../network/network";
import { subnetNames } from "../network/plan";
import { contentSafetyPrivateLinkServices } from "../safety/content-safety";
import { vaultZoneBeforeNetwork } from "../security/control-plane-vault";
import { ToolStorage } from "../storage/tool-storage";
import type { BackendArtifacts, PlannedToolBackend, ToolBackendContext } from "../tool-backend";
import { toolTelemetryOf } from "../monitoring/tool-telemetry";
import { AksBackend, aksStorageContainers } from "./backend";

export function planAksBackend(
    ctx: ToolBackendContext,
    artifacts: Extract<BackendArtifacts, { kind: "aks" }>,
): PlannedToolBackend {
    const { config, name } = ctx;
    const apimMode = apimVnetModes[config.apim.sku];
    if (!apimMode) throw new Error(`API Management ${config.apim.sku} cannot join a virtual network`);
    const network = new Network(
        `${name}-network`,
        {
            resourceGroupName: ctx.resourceGroupName,
            location: config.location,
            baseName: ctx.baseName,
            addressSpace: config.network.addressSpace,
            apimMode,
            // The control plane's vault always has an endpoint here.
            privateLinkServices: ["blob", "queue", "keyVault", ...agentDataPrivateLinkServices(config)],
            gatewayPrivateLinkServices: contentSafetyPrivateLinkServices(config),
            adoptedZones: {
                keyVault: vaultZoneBeforeNetwork(ctx.parent, name, ctx.baseName, ctx.unique),
            },
            tags: ctx.tags,
        },
        { parent: ctx.parent },
    );
    const storage = new ToolStorage(
        `${name}-aks`,
        {
            resourceGroupName: ctx.resourceGroupName,
            location: config.location,
            accountName: storageAccountName(config.namePrefix, config.environment, "tools", ctx.salt),
            containers:
                config.clientAuth.mode === "frontDoor"
                    ? [...aksStorageContainers, frontDoorContainer]
                    : aksStorageContainers,
            publicNetworkAccess: "Disabled",
            privateEndpoints: {
                subnetId: network.privateEndpointSubnetId,
                dnsZoneIds: network.privateDnsZoneIds,
                baseName: ctx.baseName,
                name: "tools",
                // The endpoints were the network component's until storage owned them.
                previous: { parent: network.urn, namePrefix: `${name}-network` },
            },
            workspaceId: ctx.monitoring.workspaceId,
            tags: ctx.tags,
        },
        { parent: ctx.parent },
    );
    const frontDoorContainerId =
        config.clientAuth.mode === "frontDoor" ? storage.containerId(frontDoorContainer) : undefined;
    return {
        network,
        deploy: (gateway, service) => {
            const frontDoor = frontDoorSettingNames.issuer in service.settings;
            if (frontDoor !== (frontDoorContainerId !== undefined))
                throw new Error(
                    `the front door's settings and its storage container go together (settings: ${frontDoor}, container: ${frontDoorContainerId !== undefined})`,
                );
            const aks = new AksBackend(
                `${name}-aks`,
                {
                    resourceGroupName: ctx.resourceGroupName,
                    location: config.location,
                    baseName: ctx.baseName,
                    registryName: registryName(config.namePrefix, config.environment, ctx.salt),
                    subscriptionId: ctx.deployment.subscriptionId,
                    tenantId: ctx.deployment.tenantId,
                    deployerObjectId: ctx.deployment.deployerObjectId,
                    deployerPrincipalType: config.deployerPrincipalType,
                    settings: config.aks,
                    image: artifacts.image,
                    nodeSubnetId: network.nodeSubnetId,
                    loadBalancerSubnetId: network.internalLoadBalancerSubnetId,
                    loadBalancerSubnetName: subnetNames.internalLoadBalancer,
                    internalLoadBalancerIp: network.plan.internalLoadBalancerIp,
                    gatewaySubnetCidr: network.plan.gateway,
                    storageAccountId: storage.accountId,
                    snippetsContainerId: storage.containerId(aksStorageContainers[0]),
                    ...(frontDoorContainerId !== undefined ? { frontDoorContainerId } : {}),
                    serviceSettings: {
                        ...service.settings,
                        ...service.data.settings,
                        // The pod's assertion is its projected service account token (no IMDS on AKS).
                        ...(frontDoor
                            ? { [frontDoorSettingNames.clientAssertion]: "federated-token-file" }
                            : {}),
                    },
                    blobEndpoint: storage.blobEndpoint,
                    queueEndpoint: storage.queueEndpoint,
                    audience: ctx.audience,
                    gatewayUrl: gateway.gatewayUrl,
                    workspaceId: ctx.monitoring.workspaceId,
                    telemetry: toolTelemetryOf(ctx),
                    tags: ctx.tags,
                },
                { parent: ctx.parent },
            );
            // Memory and knowledge answer only through their private endpoints in this VNet.
            service.data.grantTo("aks", aks.identityPrincipalId);
            return {
                kind: artifacts.kind,
                backendUrl: aks.backendUrl,
                audience: aks.audience,
                workloadFederation: aks.workloadFederation,
                outputs: {
                    clusterName: aks.clusterName,
                    oidcIssuerUrl: aks.oidcIssuerUrl,
                    registryLoginServer: aks.registryLoginServer,
                    image: aks.image,
                    vnetId: network.vnetId,
                },
            };
        },
    };
}
