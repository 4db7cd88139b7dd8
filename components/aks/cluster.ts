import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as monitor from "@pulumi/azure-native/monitor";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RolePropagation } from "../azure/role-propagation";
import type { WorkloadDelivery } from "../kubernetes";
import { aksServerAppId } from "./run-command/tokens";
import { sendDiagnostics } from "../azure/diagnostics";
import { assignRole, type RoleGrant } from "../azure/role-assignment";
import type { AksConfig, DeployerPrincipalType } from "../config/types";
import { aksDnsServiceIp, aksPodCidr, aksServiceCidr } from "../network/plan";

/** Arguments for {@link AksCluster}. */
export interface AksClusterArgs {
    /** Resource group that holds the cluster, its identity and its data collection rule. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the cluster. */
    readonly location: pulumi.Input<string>;
    /** Cluster name, also its DNS prefix: 1-63 letters, digits, `-` and `_`. */
    readonly clusterName: string;
    /** Registry the nodes pull the tool image from (the kubelet identity gets AcrPull on it). */
    readonly registryId: pulumi.Input<string>;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /** Entra tenant for Kubernetes RBAC (Entra ID integration with Azure RBAC). */
    readonly tenantId: string;
    /** Entra object id of the principal that runs `pulumi up`: it applies the Kubernetes objects. */
    readonly deployerObjectId: string;
    /** That principal's type; Azure rejects an assignment that states another. */
    readonly deployerPrincipalType: DeployerPrincipalType;
    /**
     * Version (default: the region's default), VM size, pool sizes, private API server or authorized
     * ranges, and how Kubernetes objects reach the cluster (validated by the config parser).
     */
    readonly settings: Pick<
        AksConfig,
        | "kubernetesVersion"
        | "nodeVmSize"
        | "systemNodeCount"
        | "nodeMinCount"
        | "nodeMaxCount"
        | "privateCluster"
        | "authorizedIpRanges"
        | "workloadDelivery"
    >;
    /** Subnet the nodes join. */
    readonly nodeSubnetId: pulumi.Input<string>;
    /** Subnet the internal load balancer's frontend is placed in. */
    readonly loadBalancerSubnetId: pulumi.Input<string>;
    /** Log Analytics workspace for Container Insights and the cluster's resource logs. */
    readonly workspaceId: pulumi.Input<string>;
    /** Tags put on the cluster, its identity and its data collection rule. */
    readonly tags: Record<string, string>;
}

/** New role assignments (Azure RBAC, and Azure RBAC for Kubernetes) can take about five minutes to apply. */
export const rolePropagationSeconds = 300;

/**
 * A hardened AKS cluster: Entra ID Kubernetes RBAC (Azure RBAC) with local accounts off, OIDC issuer
 * and workload identity, Azure CNI overlay with Cilium network policy, a system pool for add-ons
 * and an autoscaled pool for the tools, Container Insights and resource logs to the workspace,
 * and a private API server or one restricted to authorized ranges. Also the registry the nodes
 * pull from, and how Kubernetes objects reach the cluster: a Kubernetes provider that signs in with
 * Entra ID (kubelogin), or Azure Resource Manager's run command with the deployer's Entra tokens.
 */
export class AksCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly clusterId: pulumi.Output<string>;
    /** The cluster's OIDC issuer: what workload identity federation trusts. */
    public readonly oidcIssuerUrl: pulumi.Output<string>;
    /** How Kubernetes objects reach this cluster (never through the ambient kubeconfig). */
    public readonly delivery: WorkloadDelivery;
    /** Resources the Kubernetes objects must wait for (the deployer's cluster role). */
    public readonly kubernetesAccess: pulumi.Resource[];

    constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:aks:AksCluster", name, {}, opts);
        const rg = args.resourceGroupName;
        const s = args.settings;
        const role = (id: string, grant: Omit<RoleGrant, "subscriptionId">) =>
            assignRole(`${name}-${id}`, { subscriptionId: args.subscriptionId, ...grant }, { parent: this });

        // The control plane's own identity, granted before the cluster exists so the first create
        // can join nodes and the internal load balancer to the subnets.
        const controlPlane = new managedidentity.UserAssignedIdentity(
            `${name}-control-plane-identity`,
            {
                resourceGroupName: rg,
                location: args.location,
                resourceName: `${args.clusterName}-control-plane`,
                tags: args.tags,
            },
            { parent: this },
        );
        const subnetGrants = [
            role("nodes-subnet-network", {
                scope: args.nodeSubnetId,
                principalId: controlPlane.principalId,
                role: "networkContributor",
                description: "AKS joins its nodes to the node subnet",
            }),
            role("lb-subnet-network", {
                scope: args.loadBalancerSubnetId,
                principalId: controlPlane.principalId,
                role: "networkContributor",
                description: "AKS places the internal load balancer's frontend in its subnet",
            }),
        ];
        // Creating the cluster checks these grants; a create right after them can be refused.
        const subnetAccess = new RolePropagation(
            `${name}-subnet-propagation`,
            { assignmentIds: subnetGrants.map((g) => g.id), seconds: rolePropagationSeconds },
            { parent: this },
        );

        const pool = {
            vmSize: s.nodeVmSize,
            osType: "Linux",
            osSKU: "AzureLinux",
            type: "VirtualMachineScaleSets",
            vnetSubnetID: args.nodeSubnetId,
            enableNodePublicIP: false,
            maxPods: 110,
            ...(s.kubernetesVersion ? { orchestratorVersion: s.kubernetesVersion } : {}),
            upgradeSettings: { maxSurge: "33%" },
        };
        const cluster = new containerservice.ManagedCluster(
            `${name}-cluster`,
            {
                resourceGroupName: rg,
                location: args.location,
                resourceName: args.clusterName,
                dnsPrefix: args.clusterName,
                ...(s.kubernetesVersion ? { kubernetesVersion: s.kubernetesVersion } : {}),
                sku: { name: "Base", tier: "Standard" },
                identity: { type: "UserAssigned", userAssignedIdentities: [controlPlane.id] },
                enableRBAC: true,
                aadProfile: { managed: true, enableAzureRBAC: true, tenantID: args.tenantId },
                disableLocalAccounts: true,
                oidcIssuerProfile: { enabled: true },
                securityProfile: {
                    workloadIdentity: { enabled: true },
                    imageCleaner: { enabled: true, intervalHours: 168 },
                },
                networkProfile: {
                    networkPlugin: "azure",
                    networkPluginMode: "overlay",
                    networkDataplane: "cilium",
                    networkPolicy: "cilium",
                    podCidr: aksPodCidr,
                    serviceCidr: aksServiceCidr,
                    dnsServiceIP: aksDnsServiceIp,
                    loadBalancerSku: "standard",
                    outboundType: "loadBalancer",
                },
                apiServerAccessProfile: s.privateCluster
                    ? {
                          enablePrivateCluster: true,
                          enablePrivateClusterPublicFQDN: false,
                          privateDNSZone: "system",
                      }
                    : { enablePrivateCluster: false, authorizedIPRanges: [...s.authorizedIpRanges] },
                agentPoolProfiles: [
                    {
                        ...pool,
                        name: "system",
                        mode: "System",
                        count: s.systemNodeCount,
                        enableAutoScaling: false,
                        // Only critical add-ons run here; the tools get their own pool.
                        nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
                    },
                    {
                        ...pool,
                        name: "tools",
                        mode: "User",
                        enableAutoScaling: true,
                        count: s.nodeMinCount,
                        minCount: s.nodeMinCount,
                        maxCount: s.nodeMaxCount,
                    },
                ],
                autoUpgradeProfile: { upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" },
                addonProfiles: {
                    // Container Insights, authenticating with the add-on's managed identity.
                    omsagent: {
                        enabled: true,
                        config: { logAnalyticsWorkspaceResourceID: args.workspaceId, useAADAuth: "true" },
                    },
                },
                tags: args.tags,
            },
            {
                parent: this,
                dependsOn: [subnetAccess],
                // The autoscaler owns the tools pool's node count; a refresh must not reset it to the minimum.
                ignoreChanges: ["agentPoolProfiles[1].count"],
            },
        );

        // Container Insights with managed identity auth needs its data collection rule and association.
        const insights = new monitor.DataCollectionRule(
            `${name}-container-insights`,
            {
                resourceGroupName: rg,
                location: args.location,
                dataCollectionRuleName: `MSCI-${args.clusterName}`,
                kind: "Linux",
                description: "Container Insights for the tool backend cluster",
                dataSources: {
                    extensions: [
                        {
                            name: "ContainerInsightsExtension",
                            extensionName: "ContainerInsights",
                            streams: ["Microsoft-ContainerInsights-Group-Default"],
                            extensionSettings: {
                                dataCollectionSettings: {
                                    interval: "1m",
                                    namespaceFilteringMode: "Off",
                                    enableContainerLogV2: true,
                                },
                            },
                        },
                    ],
                },
                destinations: {
                    logAnalytics: [{ name: "workspace", workspaceResourceId: args.workspaceId }],
                },
                dataFlows: [
                    { streams: ["Microsoft-ContainerInsights-Group-Default"], destinations: ["workspace"] },
                ],
                tags: args.tags,
            },
            { parent: this },
        );
        new monitor.DataCollectionRuleAssociation(
            `${name}-container-insights-association`,
            {
                resourceUri: cluster.id,
                associationName: "ContainerInsightsExtension",
                dataCollectionRuleId: insights.id,
                description: "Container Insights for the tool backend cluster",
            },
            { parent: this },
        );
        sendDiagnostics(
            `${name}-cluster-diagnostics`,
            { resourceUri: cluster.id, workspaceId: args.workspaceId },
            { parent: this },
        );

        const kubeletObjectId = cluster.identityProfile.apply((profile) => {
            const id = profile?.kubeletidentity?.objectId;
            if (!id) throw new Error(`cluster ${args.clusterName} reported no kubelet identity`);
            return id;
        });
        const kubeletPull = role("kubelet-acr-pull", {
            scope: args.registryId,
            principalId: kubeletObjectId,
            role: "acrPull",
            description: "Nodes pull tool images",
        });

        // With local accounts off, whoever runs `pulumi up` applies the Kubernetes objects through
        // Entra ID, by either delivery (run command's kubectl acts with the caller's identity too).
        const deployerAccess = role("deployer-cluster-admin", {
            scope: cluster.id,
            principalId: args.deployerObjectId,
            principalType: args.deployerPrincipalType,
            role: "aksRbacClusterAdmin",
            description: "The deployment identity applies the tool workload (this cluster only)",
        });

        this.delivery =
            s.workloadDelivery === "runCommand"
                ? {
                      kind: "runCommand",
                      clusterId: cluster.id,
                      // The same identity as the providers: ARM for the request, the AKS server app for kubectl.
                      armToken: pulumi.secret(authorization.getClientTokenOutput().token),
                      clusterToken: pulumi.secret(
                          authorization.getClientTokenOutput({ endpoint: aksServerAppId }).token,
                      ),
                  }
                : {
                      kind: "kubernetesApi",
                      provider: this.kubernetesProvider(name, rg, cluster, args.clusterName),
                  };

        this.clusterName = cluster.name;
        this.clusterId = cluster.id;
        this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => {
            if (!p?.issuerURL) throw new Error(`cluster ${args.clusterName} reported no OIDC issuer URL`);
            return p.issuerURL;
        });
        // The workload is applied with the deployer's cluster role and pulled with the kubelet's
        // AcrPull: both must have taken effect, not just exist, before the first apply.
        this.kubernetesAccess = [
            new RolePropagation(
                `${name}-rbac-propagation`,
                { assignmentIds: [deployerAccess.id, kubeletPull.id], seconds: rolePropagationSeconds },
                { parent: this },
            ),
        ];
        this.registerOutputs({
            clusterName: this.clusterName,
            oidcIssuerUrl: this.oidcIssuerUrl,
        });
    }

    /** A provider whose kubeconfig (exec format) runs kubelogin, which signs in per AAD_LOGIN_METHOD. */
    private kubernetesProvider(
        name: string,
        rg: pulumi.Input<string>,
        cluster: containerservice.ManagedCluster,
        clusterName: string,
    ): k8s.Provider {
        const credentials = containerservice.listManagedClusterUserCredentialsOutput({
            resourceGroupName: rg,
            resourceName: cluster.name,
            format: "exec",
        });
        const kubeconfig = pulumi.secret(
            credentials.kubeconfigs.apply((configs) => {
                const value = configs[0]?.value;
                if (!value) throw new Error(`cluster ${clusterName} returned no user kubeconfig`);
                return Buffer.from(value, "base64").toString("utf8");
            }),
        );
        return new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig, enableServerSideApply: true, deleteUnreachable: false },
            { parent: this },
        );
    }
}
