import { tracingSettingNames } from "functions-app/tracing/settings";
import { hostVariableNames } from "./deployment";
import {
    checkAzureSubnetName,
    checkDns1035Label,
    checkDns1123Label,
    checkGuid,
    checkHttpsUrl,
    checkImage,
    checkIpv4,
    checkIpv4Cidr,
    checkLabel,
    checkOrigin,
    checkServiceUrl,
    parseQuantity,
} from "./syntax";

/** Token validation settings passed to the Node host (AUTH_* variables). */
export interface WorkloadAuth {
    /** Token issuer, e.g. https://login.microsoftonline.com/<tenant>/v2.0. */
    readonly issuer: string;
    /** Accepted audience(s); with v2 tokens the MCP app's client id. */
    readonly audience: string | readonly string[];
    readonly jwksUri: string;
    /** Resource id published in Protected Resource Metadata (the gateway's MCP URL). */
    readonly resource: string;
    /** Authorization servers listed in Protected Resource Metadata; defaults to the issuer. */
    readonly authorizationServers?: readonly string[];
    /** Scopes listed in Protected Resource Metadata, e.g. api://<app>/MCP.Access. */
    readonly scopes?: readonly string[];
}

/** CPU and memory for the host container. HPA utilization is measured against the requests. */
export interface WorkloadResources {
    readonly requests: { readonly cpu: string; readonly memory: string };
    /** A memory limit is required (a leaking pod must not starve its node); a CPU limit is optional. */
    readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** Everything the Kubernetes objects of the Node host backend are rendered from. */
export interface WorkloadParams {
    /** Namespace created for the workload (not default or kube-*). */
    readonly namespace: string;
    /** Name of the Deployment, Service, ServiceAccount and the rest; a DNS-1035 label. */
    readonly name: string;
    /** Node host image, pinned by tag or digest. */
    readonly image: string;
    /** HPA bounds. More than one replica needs `backplaneQueueUrl` for the legacy SSE transport. */
    readonly replicas: { readonly min: number; readonly max: number };
    /** Client id of the user-assigned identity federated to this workload's service account. */
    readonly identityClientId: string;
    /** https://<account>.blob.core.windows.net */
    readonly storageAccountUrl: string;
    /** https://<account>.queue.core.windows.net; enables the multi-replica SSE backplane. */
    readonly backplaneQueueUrl?: string | undefined;
    /** Token validation in the host; omit when only the gateway validates tokens. */
    readonly auth?: WorkloadAuth;
    /** Browser origins allowed to call the MCP endpoints (ALLOWED_ORIGINS). */
    readonly allowedOrigins?: readonly string[];
    /** Base URL clients use (the gateway), for links in Protected Resource Metadata. */
    readonly publicBaseUrl?: string;
    /** CIDR of the gateway's outbound subnet: the only source admitted to the pods. */
    readonly gatewaySubnetCidr: string;
    /** Fixed private IP for the internal load balancer; dynamic from the subnet when omitted. */
    readonly internalLoadBalancerIp?: string;
    /** Subnet for the internal load balancer's frontend; the cluster's node subnet when omitted. */
    readonly lbSubnetName?: string;
    readonly resources: WorkloadResources;
    /** Extra labels for every object (for example cost centre or environment). */
    readonly labels?: Readonly<Record<string, string>> | undefined;
    /**
     * More environment for the host, none of it secret (the OAuth front door's `FRONT_DOOR_*`);
     * it cannot replace a variable the workload sets itself or the identity webhook injects.
     */
    readonly serviceSettings?: Readonly<Record<string, string>> | undefined;
    /**
     * The pods read APPLICATIONINSIGHTS_CONNECTION_STRING from the workload's telemetry Secret
     * (`telemetry-secret.ts`, applied beside the other objects). Needed when `serviceSettings`
     * export spans to Azure Monitor. Default: false.
     */
    readonly telemetrySecret?: boolean | undefined;
}

/** Thrown when parameters are invalid; lists every problem, each naming its parameter. */
export class WorkloadParamsError extends Error {
    constructor(public readonly problems: readonly string[]) {
        super(`Invalid Kubernetes workload parameters:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "WorkloadParamsError";
    }
}

/** Label keys the renderer owns (selectors depend on them), so callers cannot override them. */
export const reservedLabelKeys: readonly string[] = ["app.kubernetes.io/name", "azure.workload.identity/use"];

const reservedNamespaces = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);

/** Returns every problem with the parameters; an empty list means they can be rendered. */
export function workloadParamsProblems(params: WorkloadParams): string[] {
    const problems: string[] = [];
    const check = (field: string, problem: string | undefined): void => {
        if (problem) problems.push(`${field}: ${problem}`);
    };

    check("namespace", checkDns1123Label(params.namespace));
    if (reservedNamespaces.has(params.namespace) || params.namespace.startsWith("kube-")) {
        problems.push(
            `namespace: "${params.namespace}" is shared with the cluster; use a namespace of its own`,
        );
    }
    check("name", checkDns1035Label(params.name));
    check("image", checkImage(params.image));
    check("identityClientId", checkGuid(params.identityClientId));
    const blobHost = /^[a-z0-9]{3,24}\.blob\.[a-z0-9.-]+$/;
    check(
        "storageAccountUrl",
        checkServiceUrl(params.storageAccountUrl, blobHost, "https://<account>.blob.core.windows.net"),
    );
    if (params.backplaneQueueUrl !== undefined) {
        const queueHost = /^[a-z0-9]{3,24}\.queue\.[a-z0-9.-]+$/;
        const hint = "https://<account>.queue.core.windows.net";
        check("backplaneQueueUrl", checkServiceUrl(params.backplaneQueueUrl, queueHost, hint));
    }
    check("gatewaySubnetCidr", checkIpv4Cidr(params.gatewaySubnetCidr));
    if (params.internalLoadBalancerIp !== undefined) {
        check("internalLoadBalancerIp", checkIpv4(params.internalLoadBalancerIp));
    }
    if (params.lbSubnetName !== undefined) check("lbSubnetName", checkAzureSubnetName(params.lbSubnetName));
    if (params.publicBaseUrl !== undefined) check("publicBaseUrl", checkHttpsUrl(params.publicBaseUrl));
    for (const origin of params.allowedOrigins ?? []) check("allowedOrigins", checkOrigin(origin));

    problems.push(...replicaProblems(params));
    if (params.auth) problems.push(...authProblems(params.auth));
    problems.push(...resourceProblems(params.resources));
    problems.push(...serviceSettingProblems(params));
    for (const [key, value] of Object.entries(params.labels ?? {})) {
        check("labels", checkLabel(key, value));
        if (reservedLabelKeys.includes(key)) problems.push(`labels: "${key}" is set by the workload itself`);
    }
    return problems;
}

/** Throws a {@link WorkloadParamsError} listing every problem, if there are any. */
export function assertWorkloadParams(params: WorkloadParams): void {
    const problems = workloadParamsProblems(params);
    if (problems.length > 0) throw new WorkloadParamsError(problems);
}

/** Variables the workload identity webhook injects into the pod's containers. */
const webhookVariables: readonly string[] = [
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
];

function serviceSettingProblems(params: WorkloadParams): string[] {
    const settings = params.serviceSettings ?? {};
    if (Object.keys(settings).length === 0) return [];
    const owned = new Set([...hostVariableNames, ...webhookVariables]);
    const problems: string[] = [];
    const exporter = tracingSettingNames.exporter;
    if (settings[exporter]?.trim().toLowerCase() === "azure-monitor" && params.telemetrySecret !== true)
        // The host refuses to start without a connection string: every pod would crash-loop.
        problems.push(
            `serviceSettings: ${exporter}=azure-monitor needs telemetrySecret (the pods read ${tracingSettingNames.connectionString} from it)`,
        );
    for (const name of Object.keys(settings)) {
        if (!/^[A-Z_][A-Z0-9_]*$/.test(name))
            problems.push(
                `serviceSettings: "${name}" is not an environment variable name ([A-Z_][A-Z0-9_]*)`,
            );
        else if (owned.has(name))
            problems.push(`serviceSettings: "${name}" is set by the workload itself and cannot be replaced`);
    }
    return problems;
}

function replicaProblems(params: WorkloadParams): string[] {
    const { min, max } = params.replicas;
    const problems: string[] = [];
    if (!Number.isInteger(min) || min < 1) problems.push(`replicas.min: must be an integer >= 1, got ${min}`);
    if (!Number.isInteger(max) || max < 1) problems.push(`replicas.max: must be an integer >= 1, got ${max}`);
    if (min > max) problems.push(`replicas: min (${min}) is greater than max (${max})`);
    if (max > 1 && params.backplaneQueueUrl === undefined) {
        problems.push(
            `backplaneQueueUrl: required when replicas.max > 1 (legacy SSE messages may reach another replica than the one holding the stream)`,
        );
    }
    return problems;
}

function authProblems(auth: WorkloadAuth): string[] {
    const problems: string[] = [];
    const check = (field: string, problem: string | undefined): void => {
        if (problem) problems.push(`auth.${field}: ${problem}`);
    };
    check("issuer", checkHttpsUrl(auth.issuer));
    check("jwksUri", checkHttpsUrl(auth.jwksUri));
    check("resource", checkHttpsUrl(auth.resource));
    const audiences = typeof auth.audience === "string" ? [auth.audience] : auth.audience;
    if (audiences.length === 0) problems.push("auth.audience: at least one audience is required");
    for (const audience of audiences) {
        if (audience.trim() === "" || audience.includes(",")) {
            problems.push(`auth.audience: must be non-empty and contain no comma, got "${audience}"`);
        }
    }
    for (const server of auth.authorizationServers ?? [])
        check("authorizationServers", checkHttpsUrl(server));
    return problems;
}

function resourceProblems(resources: WorkloadResources): string[] {
    const problems: string[] = [];
    const quantity = (field: string, value: string | undefined): number | undefined => {
        if (value === undefined) return undefined;
        const parsed = parseQuantity(value);
        if (parsed === undefined || parsed <= 0) {
            problems.push(
                `resources.${field}: must be a positive Kubernetes quantity (e.g. 250m, 512Mi), got "${value}"`,
            );
            return undefined;
        }
        return parsed;
    };
    const cpuRequest = quantity("requests.cpu", resources.requests.cpu);
    const memoryRequest = quantity("requests.memory", resources.requests.memory);
    const cpuLimit = quantity("limits.cpu", resources.limits.cpu);
    const memoryLimit = quantity("limits.memory", resources.limits.memory);
    if (cpuRequest !== undefined && cpuLimit !== undefined && cpuLimit < cpuRequest) {
        problems.push(
            `resources.limits.cpu (${resources.limits.cpu}) is below the request (${resources.requests.cpu})`,
        );
    }
    if (memoryRequest !== undefined && memoryLimit !== undefined && memoryLimit < memoryRequest) {
        problems.push(
            `resources.limits.memory (${resources.limits.memory}) is below the request (${resources.requests.memory})`,
        );
    }
    return problems;
}
