/**
 * Every stack configuration key the program reads, with its type, default, constraints and
 * meaning. The parser uses this catalog to reject unknown keys and to check integer ranges and
 * allowed values; `Pulumi.yaml` declares the same keys with {@link configKeyDescription}, and the
 * README's configuration tables state the same defaults, ranges and values (tests keep all three in
 * step). Adding a key is one entry here, its line in Pulumi.yaml and its README row.
 */
import { agentPlatformKinds } from "../platforms/registry";
import { mcpClientAuthModes } from "./client-auth";
import { contentSafetyModes } from "./content-safety";
import {
    aksWorkloadDeliveries,
    apimSkus,
    backendKinds,
    deployerPrincipalTypes,
    functionsInstanceMemorySizes,
    memoryBackupTiers,
    memoryThroughputModes,
    searchSkus,
} from "./types";

export type ConfigKeyType = "string" | "integer" | "number" | "boolean" | "array" | "object";

/**
 * Pulumi's project schema types only strings, integers, booleans and arrays of those, so keys whose
 * values are objects (or arrays of objects) or numbers that may have a fraction are documented in
 * Pulumi.yaml as comments instead.
 */
export function isDeclarable(spec: ConfigKeySpec): boolean {
    return (
        spec.type !== "object" &&
        spec.type !== "number" &&
        !(spec.type === "array" && spec.items === "object")
    );
}

/** Inclusive bounds of an integer key. */
export interface IntegerRange {
    readonly min: number;
    readonly max: number;
}

export interface ConfigKeySpec {
    readonly type: ConfigKeyType;
    /** What the key means; {@link configKeyDescription} adds the range. */
    readonly description: string;
    /** Default used when the stack does not set the key; absent means required. Optional strings default to "". */
    readonly default?: string | number | boolean | readonly unknown[] | Record<string, unknown>;
    /** Element type of an array key. */
    readonly items?: "string" | "object";
    /** Integer keys: the values the parser accepts (other rules, such as max >= min, are the parser's). */
    readonly range?: IntegerRange;
    /** Number keys: the least value the parser accepts (any finite number from it up). */
    readonly least?: number;
    /** The only values accepted, in the order messages and docs list them. */
    readonly oneOf?: readonly (string | number)[];
}

/** Every integer key states its range and every number key its least value, so neither the parser nor the docs can leave them out. */
type KeySpec = ConfigKeySpec &
    (
        | { readonly type: Exclude<ConfigKeyType, "integer" | "number"> }
        | { readonly type: "integer"; readonly range: IntegerRange }
        | { readonly type: "number"; readonly least: number }
    );

const specs = {
    location: {
        type: "string",
        default: "westeurope",
        description: "Azure region for every regional resource.",
    },
    environment: {
        type: "string",
        default: "",
        description:
            "Environment name used in resource names and the `environment` tag; empty means the stack name.",
    },
    namePrefix: {
        type: "string",
        default: "acp",
        description: "Short lowercase prefix (2-10 letters or digits) for resource names.",
    },
    deployerPrincipalType: {
        type: "string",
        default: "User",
        description:
            'Who runs `pulumi up`: "User" (a person signed in with the Azure CLI) or "ServicePrincipal" (an app registration or managed identity, as in CI). Stated on the role assignments the deployer receives; Azure rejects a wrong type.',
        oneOf: deployerPrincipalTypes,
    },
    tags: {
        type: "object",
        default: {},
        description: "Extra tags (string values) put on every taggable resource.",
    },
    backend: {
        type: "string",
        default: "functions",
        description: 'Tool backend behind the gateway: "functions" (Flex Consumption) or "aks".',
        oneOf: backendKinds,
    },
    apimSku: {
        type: "string",
        default: "BasicV2",
        description:
            "API Management SKU: BasicV2, StandardV2, PremiumV2, Developer, Basic, Standard or Premium.",
        oneOf: apimSkus,
    },
    apimCapacity: {
        type: "integer",
        default: 1,
        description: "API Management scale units; the Developer SKU has exactly 1.",
        range: { min: 1, max: 12 },
    },
    publisherEmail: { type: "string", description: "API Management publisher e-mail (required)." },
    publisherName: {
        type: "string",
        default: "Agents Control Plane",
        description: "API Management publisher name.",
    },
    customDomainHostName: {
        type: "string",
        default: "",
        description:
            "Optional gateway custom domain (e.g. mcp.contoso.com, a verified domain of the tenant). With it the MCP app id URI is the MCP URL, so MCP clients that send resource=<MCP URL> to Entra work. Empty: the gateway's azure-api.net host and an api://<client id> app id URI.",
    },
    customDomainCertificateSecretId: {
        type: "string",
        default: "",
        description:
            "Versionless Key Vault secret URI of the custom domain's TLS certificate (https://<vault>.vault.azure.net/secrets/<name>).",
    },
    customDomainKeyVaultId: {
        type: "string",
        default: "",
        description:
            "ARM resource id of the Key Vault (RBAC authorization) holding that certificate; the program gives the gateway's certificate identity Key Vault Secrets User on that one secret.",
    },
    rateLimitCalls: {
        type: "integer",
        default: 120,
        description: "Calls one agent (caller app id) may make per period.",
        range: { min: 1, max: 100000 },
    },
    rateLimitPeriodSeconds: {
        type: "integer",
        default: 60,
        description: "Rate-limit renewal period in seconds.",
        range: { min: 1, max: 300 },
    },
    maxRequestBodyKb: {
        type: "integer",
        default: 256,
        description: "Largest request body the gateway forwards, in KiB.",
        range: { min: 1, max: 4096 },
    },
    corsAllowedOrigins: {
        type: "array",
        items: "string",
        default: [],
        description:
            "Browser origins (https://app.example.com; http only for localhost) allowed to call the MCP API and read its metadata through the gateway (APIM cors policy). Empty: no browser origin; non-browser clients are unaffected.",
    },
    contentSafety: {
        type: "string",
        default: "off",
        oneOf: contentSafetyModes,
        description:
            'Screening of tool traffic by Azure AI Content Safety at the gateway (Prompt Shields and harm categories on tools/call arguments and JSON tool results): "off", "audit" (findings logged, calls pass; Content Safety unreachable: pass) or "enforce" (findings refused with a JSON-RPC error naming the check; Content Safety unreachable: refused).',
    },
    contentSafetySeverityThreshold: {
        type: "integer",
        default: 4,
        description:
            "Harm-category severity (Content Safety FourSeverityLevels: 0, 2, 4, 6) at or above which a text is a finding.",
        range: { min: 1, max: 7 },
    },
    mcpClientAuth: {
        type: "string",
        default: "off",
        oneOf: mcpClientAuthModes,
        description:
            'How people sign in with MCP clients: "off" (agents only), "direct" (Entra is the authorization server; only pre-authorized public clients) or "frontDoor" (the gateway\'s OAuth front door: client ID metadata documents, dynamic registration, per-user consent).',
    },
    mcpPreAuthorizedClientIds: {
        type: "array",
        items: "string",
        default: [],
        description:
            "Direct mode: app ids of public MCP clients pre-authorized for the MCP.Access scope (VS Code: aebc6443-996d-45c2-90f0-388ff96faa56).",
    },
    appInsightsSamplingPercentage: {
        type: "integer",
        default: 100,
        description: "Percentage of gateway requests sent to Application Insights.",
        range: { min: 0, max: 100 },
    },
    toolTracingTracesPerSecond: {
        type: "number",
        default: 5,
        description:
            "Traces the tool service records and sends to Application Insights per second, about, per replica (each AKS pod, each Functions instance: the stack's total is this times the replicas), whether a trace is new or arrives sampled from the gateway; each recorded trace carries the share it stands for, so Application Insights counts stay right. 5 is the default of Azure Monitor's OpenTelemetry distros. 0: no limit, toolTracingSamplePercent decides.",
        least: 0,
    },
    toolTracingSamplePercent: {
        type: "integer",
        default: 100,
        description:
            "When toolTracingTracesPerSecond is 0: percentage of new traces the tool service records and sends to Application Insights (both backends; rounded down to 100/N percent: 30 records 25%), and a trace that arrives with a sampled flag (W3C traceparent) follows it.",
        range: { min: 0, max: 100 },
    },
    logRetentionDays: {
        type: "integer",
        default: 30,
        description: "Log Analytics retention in days.",
        range: { min: 30, max: 730 },
    },
    alertEmails: { type: "array", default: [], description: "E-mail addresses the action group notifies." },
    alertWebhookUrls: {
        type: "array",
        items: "string",
        default: [],
        description: "HTTPS webhooks the action group calls (stored as secrets; they often embed a token).",
    },
    latencyThresholdMs: {
        type: "integer",
        default: 3000,
        description: "p95 gateway latency (ms) above which the latency alert fires.",
        range: { min: 50, max: 240000 },
    },
    functionsInstanceMemoryMB: {
        type: "integer",
        default: 2048,
        description: "Flex Consumption instance memory in MB.",
        range: { min: 2048, max: 4096 },
        oneOf: functionsInstanceMemorySizes,
    },
    functionsMaximumInstanceCount: {
        type: "integer",
        default: 100,
        description: "Flex Consumption scale-out limit.",
        range: { min: 40, max: 1000 },
    },
    functionsNodeVersion: {
        type: "string",
        default: "22",
        description:
            'Node.js major version of the function app (e.g. "22"); a version past its end of support is refused.',
    },
    vnetAddressSpace: {
        type: "string",
        default: "10.40.0.0/16",
        description:
            "AKS backend: VNet address space, a private /16 to /20 that does not overlap 172.16.0.0/16 (services) or 10.244.0.0/16 (pods).",
    },
    aksKubernetesVersion: {
        type: "string",
        default: "",
        description:
            'AKS backend: Kubernetes version to pin (e.g. "1.35"); empty (recommended) means the region\'s default. A version past its end of support is refused; patches are applied automatically.',
    },
    aksNodeVmSize: {
        type: "string",
        default: "Standard_D4ds_v5",
        description: "AKS backend: VM size of the system and workload node pools.",
    },
    aksSystemNodeCount: {
        type: "integer",
        default: 2,
        description: "AKS backend: nodes in the system pool, which runs only critical add-ons.",
        range: { min: 1, max: 10 },
    },
    aksNodeMinCount: {
        type: "integer",
        default: 2,
        description: "AKS backend: lower bound of the autoscaled workload node pool.",
        range: { min: 1, max: 100 },
    },
    aksNodeMaxCount: {
        type: "integer",
        default: 5,
        description: "AKS backend: upper bound of the autoscaled workload node pool, at least the minimum.",
        range: { min: 1, max: 100 },
    },
    aksPrivateCluster: {
        type: "boolean",
        default: false,
        description:
            'AKS backend: private API server (no public endpoint); set aksWorkloadDelivery: "runCommand" unless `pulumi up` runs on (or peered with) the VNet.',
    },
    aksWorkloadDelivery: {
        type: "string",
        default: "kubernetesApi",
        description:
            'AKS backend: how the tool workload\'s Kubernetes objects reach the cluster: "kubernetesApi" (the Kubernetes provider talks to the API server, which must be reachable from where `pulumi up` runs) or "runCommand" (through Azure Resource Manager\'s AKS run command; works for a private cluster from a hosted CI runner).',
        oneOf: aksWorkloadDeliveries,
    },
    aksAuthorizedIpRanges: {
        type: "array",
        items: "string",
        default: [],
        description:
            "AKS backend with a public API server: the public CIDR ranges allowed to reach it (required then, e.g. your runners' egress).",
    },
    aksReplicasMin: {
        type: "integer",
        default: 2,
        description: "AKS backend: fewest tool service pods the autoscaler keeps.",
        range: { min: 1, max: 50 },
    },
    aksReplicasMax: {
        type: "integer",
        default: 6,
        description: "AKS backend: most tool service pods the autoscaler runs, at least the minimum.",
        range: { min: 1, max: 50 },
    },
    aksImage: {
        type: "string",
        default: "",
        description:
            "AKS backend: tool service image built by your own pipeline, pinned by digest (<registry>/<repo>@sha256:...) or tag; empty means the program builds the Node host image and pushes it to the stack's registry.",
    },
    memory: {
        type: "boolean",
        default: true,
        description:
            "Deploy agent memory: a Cosmos DB (NoSQL) account, database and container the memory tools use with the backend's managed identity. false: no account, and the memory tools answer that memory is off.",
    },
    memoryThroughput: {
        type: "string",
        default: "serverless",
        description:
            'How the memory account is billed: "serverless" (per request; single region, no throughput to set) or "autoscale" (the container scales between 10% of memoryAutoscaleMaxThroughput and that maximum). Fixed when the account is created: changing it replaces the account.',
        oneOf: memoryThroughputModes,
    },
    memoryAutoscaleMaxThroughput: {
        type: "integer",
        default: 1000,
        description:
            'With memoryThroughput "autoscale": the memory container\'s highest RU/s, a multiple of 1000 (it never scales below a tenth of it).',
        range: { min: 1000, max: 100000 },
    },
    memoryBackupTier: {
        type: "string",
        default: "Continuous7Days",
        description:
            'Continuous backup (point-in-time restore) window of the memory account: "Continuous7Days" (no storage charge) or "Continuous30Days" (charged per GB).',
        oneOf: memoryBackupTiers,
    },
    knowledge: {
        type: "boolean",
        default: true,
        description:
            "Deploy the knowledge index's Azure AI Search service (RBAC only) the knowledge_search tool reads with the backend's managed identity. false: no service, and the tool answers that knowledge is off.",
    },
    searchSku: {
        type: "string",
        default: "basic",
        description:
            'AI Search tier: "free" (one per subscription, no private endpoints: not with the AKS backend), "basic", "standard", "standard2", "standard3", "storage_optimized_l1" or "storage_optimized_l2".',
        oneOf: searchSkus,
    },
    searchReplicaCount: {
        type: "integer",
        default: 1,
        description: "AI Search replicas (basic: at most 3, free: 1); two or more give the query SLA.",
        range: { min: 1, max: 12 },
    },
    sentinelCallerPrincipalIds: {
        type: "array",
        items: "string",
        default: [],
        description:
            "Object ids of managed identities (e.g. Sentinel playbooks) granted Incidents.Analyze so they can call the incident webhook.",
    },
    allowExampleIdentities: {
        type: "boolean",
        default: false,
        description:
            "Deploy the example identities of the shipped stack files (made-up object ids, unique ids, AWS accounts, repositories, certificates, e-mail domains) on purpose; without it they are refused. Offline runs and demos only: agents would trust identities nobody on the team owns.",
    },
    agents: {
        type: "array",
        items: "object",
        default: [],
        description: `External agents: {name, roles, and exactly one platform block: ${agentPlatformKinds.join(" | ")}}.`,
    },
} as const satisfies Record<string, KeySpec>;

export type ConfigKey = keyof typeof specs;

export const configKeys: Readonly<Record<ConfigKey, ConfigKeySpec>> = specs;

export const configKeyNames = Object.keys(configKeys) as ConfigKey[];

/** Keys whose values are integers. */
export type IntegerKey = {
    [K in ConfigKey]: (typeof specs)[K]["type"] extends "integer" ? K : never;
}[ConfigKey];

export function integerRange(key: IntegerKey): IntegerRange {
    return specs[key].range;
}

/** Keys whose values are numbers that may have a fraction. */
export type NumberKey = {
    [K in ConfigKey]: (typeof specs)[K]["type"] extends "number" ? K : never;
}[ConfigKey];

export function numberLeast(key: NumberKey): number {
    return specs[key].least;
}

/** The description Pulumi.yaml declares: the meaning, then what an integer or number key accepts. */
export function configKeyDescription(key: ConfigKey): string {
    const { description, range, oneOf, least } = configKeys[key];
    if (oneOf !== undefined && typeof oneOf[0] === "number")
        return `${description} One of: ${oneOf.join(", ")}.`;
    if (least !== undefined) return `${description} A number, ${least} or more.`;
    return range === undefined ? description : `${description} Range: ${range.min}-${range.max}.`;
}
