/** Typed stack configuration, the only shape components ever see (they read no config themselves). */
import type { AppRole } from "functions-app/contract";
import type { AgentPlatform } from "../platforms/registry";
import type { FunctionsNodeVersion } from "./support";
import type { ClientAuthConfig } from "./client-auth";
import type { ContentSafetyConfig } from "./content-safety";

export const apimSkus = [
    "BasicV2",
    "StandardV2",
    "PremiumV2",
    "Developer",
    "Basic",
    "Standard",
    "Premium",
] as const;
export type ApimSku = (typeof apimSkus)[number];

/**
 * What kind of Entra principal runs `pulumi up`: a person (`User`) or an app registration or
 * managed identity (`ServicePrincipal`, as in CI). Never a group: a group cannot sign in. Azure
 * rejects a role assignment whose stated type differs from the principal's (UnmatchedPrincipalType).
 */
export const deployerPrincipalTypes = ["User", "ServicePrincipal"] as const;
export type DeployerPrincipalType = (typeof deployerPrincipalTypes)[number];

export const backendKinds = ["functions", "aks"] as const;
export type BackendKind = (typeof backendKinds)[number];

export interface AgentConfig {
    /** Lowercase name, unique in the stack; used in resource and app names. */
    readonly name: string;
    readonly description?: string;
    /** App roles of the MCP app this agent is granted (and nothing more). */
    readonly roles: readonly AppRole[];
    /** Where it runs and how it proves itself: one module per platform in `components/platforms/`. */
    readonly platform: AgentPlatform;
}

export interface CustomDomainConfig {
    readonly hostName: string;
    /** Key Vault secret id of the TLS certificate (versionless URI so rotation is picked up). */
    readonly keyVaultSecretId: string;
    /** ARM id of the vault, where the gateway's certificate identity is granted read on the secret. */
    readonly keyVaultId: string;
}

/** API Management tiers that can reach a private backend, and how they join the VNet. */
export const apimVnetModes: Readonly<Partial<Record<ApimSku, "outbound-integration" | "injection">>> = {
    StandardV2: "outbound-integration",
    PremiumV2: "outbound-integration",
    Developer: "injection",
    Premium: "injection",
};

/** Instance memory sizes (MB) Flex Consumption offers. */
export const functionsInstanceMemorySizes = [2048, 4096] as const;
export type FunctionsInstanceMemoryMB = (typeof functionsInstanceMemorySizes)[number];

/** How the tool workload's Kubernetes objects reach an AKS cluster: its API server, or ARM's run command. */
export const aksWorkloadDeliveries = ["kubernetesApi", "runCommand"] as const;
export type AksWorkloadDelivery = (typeof aksWorkloadDeliveries)[number];

/** The AKS backend (used when `backend` is "aks"). */
export interface AksConfig {
    /** Empty: the region's default version. */
    readonly kubernetesVersion?: string;
    readonly nodeVmSize: string;
    readonly systemNodeCount: number;
    /** Autoscaler bounds of the workload node pool. */
    readonly nodeMinCount: number;
    readonly nodeMaxCount: number;
    readonly privateCluster: boolean;
    /** How the workload's objects reach the cluster: its API server, or ARM's run command. */
    readonly workloadDelivery: AksWorkloadDelivery;
    /** Public ranges allowed to the API server when it is not private. */
    readonly authorizedIpRanges: readonly string[];
    /** Autoscaler bounds of the tool service pods. */
    readonly replicas: { readonly min: number; readonly max: number };
    /** Image from a team's own pipeline; absent means the program builds and pushes it. */
    readonly image?: string;
}

/** How the memory account is billed: per request, or autoscaled provisioned throughput. */
export const memoryThroughputModes = ["serverless", "autoscale"] as const;
export type MemoryThroughputMode = (typeof memoryThroughputModes)[number];

/** Continuous backup tiers of Cosmos DB (point-in-time restore window). */
export const memoryBackupTiers = ["Continuous7Days", "Continuous30Days"] as const;
export type MemoryBackupTier = (typeof memoryBackupTiers)[number];

/** Azure AI Search tiers (ARM `sku.name`). */
export const searchSkus = [
    "free",
    "basic",
    "standard",
    "standard2",
    "standard3",
    "storage_optimized_l1",
    "storage_optimized_l2",
] as const;
export type SearchSku = (typeof searchSkus)[number];

/** Agent memory in Cosmos DB (`memory*` keys); absent when `memory` is false. */
export interface MemoryConfig {
    readonly throughput:
        { readonly mode: "serverless" } | { readonly mode: "autoscale"; readonly maxThroughput: number };
    readonly backupTier: MemoryBackupTier;
}

/** The knowledge index's AI Search service (`searchSku`, `searchReplicaCount`); absent when `knowledge` is false. */
export interface KnowledgeConfig {
    readonly sku: SearchSku;
    readonly replicaCount: number;
}

export interface StackConfig {
    readonly location: string;
    readonly environment: string;
    /** Type of the identity that runs `pulumi up`, stated on every role assignment it receives. */
    readonly deployerPrincipalType: DeployerPrincipalType;
    readonly namePrefix: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly backend: BackendKind;
    readonly apim: {
        readonly sku: ApimSku;
        readonly capacity: number;
        readonly publisherEmail: string;
        readonly publisherName: string;
        readonly customDomain?: CustomDomainConfig;
    };
    readonly gatewayPolicy: {
        readonly rateLimitCalls: number;
        readonly rateLimitPeriodSeconds: number;
        readonly maxRequestBodyKb: number;
        readonly samplingPercentage: number;
        /** Browser origins allowed through the gateway (CORS); empty: none. */
        readonly corsAllowedOrigins: readonly string[];
    };
    /** How people's MCP clients sign in (`mcpClientAuth`, `mcpPreAuthorizedClientIds`). */
    readonly clientAuth: ClientAuthConfig;
    /** Content screening of tool traffic at the gateway (`contentSafety`); absent when off. */
    readonly contentSafety?: ContentSafetyConfig;
    readonly monitoring: {
        readonly logRetentionDays: number;
        readonly alertEmails: readonly string[];
        readonly alertWebhookUrls: readonly string[];
        readonly latencyThresholdMs: number;
        /**
         * Traces per second each tool service replica records, about (`toolTracingTracesPerSecond`);
         * 0: {@link toolTracingSamplePercent} decides.
         */
        readonly toolTracingTracesPerSecond: number;
        /** With no traces per second: share (0-100) of new traces the tool service records (`toolTracingSamplePercent`). */
        readonly toolTracingSamplePercent: number;
    };
    readonly functions: {
        readonly instanceMemoryMB: FunctionsInstanceMemoryMB;
        readonly maximumInstanceCount: number;
        readonly nodeVersion: FunctionsNodeVersion;
    };
    readonly network: {
        /** VNet address space of the AKS backend. */
        readonly addressSpace: string;
    };
    readonly aks: AksConfig;
    /** Agent memory (Cosmos DB); undefined when the stack opts out. */
    readonly memory?: MemoryConfig;
    /** The knowledge index (AI Search); undefined when the stack opts out. */
    readonly knowledge?: KnowledgeConfig;
    readonly sentinelCallerPrincipalIds: readonly string[];
    readonly agents: readonly AgentConfig[];
}
