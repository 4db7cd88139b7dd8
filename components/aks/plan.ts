/**
 * The AKS backend as the control plane builds it. It is private: its storage sits behind private
 * endpoints and the gateway joins its VNet, so the network exists before the gateway does.
 */
import { registryName, storageAccountName } from "../azure/ids";
import { apimVnetModes } from "../config/types";
import { Network } from "../network/network";
import { subnetNames } from "../network/plan";
import { ToolStorage } from "../storage/tool-storage";
import type { BackendArtifacts, PlannedToolBackend, ToolBackendContext } from "../tool-backend";
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
            privateLinkServices: ["blob", "queue"],
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
            containers: aksStorageContainers,
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
    return {
        network,
        deploy: (gateway, service) => {
            // The AKS workload is not given extra service settings yet; the config parser refuses
            // what would need them (the front door), so reaching here with some is a program bug.
            const extra = Object.keys(service.settings);
            if (extra.length > 0)
                throw new Error(`the AKS backend does not carry service settings yet: ${extra.join(", ")}`);
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
                    blobEndpoint: storage.blobEndpoint,
                    queueEndpoint: storage.queueEndpoint,
                    audience: ctx.audience,
                    gatewayUrl: gateway.gatewayUrl,
                    workspaceId: ctx.monitoring.workspaceId,
                    tags: ctx.tags,
                },
                { parent: ctx.parent },
            );
            return {
                kind: artifacts.kind,
                backendUrl: aks.backendUrl,
                audience: aks.audience,
                identityPrincipalId: aks.identityPrincipalId,
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
