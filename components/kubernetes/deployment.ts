import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import { backendPaths } from "functions-app/contract";
import { tracingSettingNames } from "functions-app/tracing/settings";
import { telemetrySecretKey, telemetrySecretName } from "./telemetry-secret";
import type { WorkloadParams } from "./params";
import type { ObjectNames, RenderedWithSpec } from "./types";

/** Port the Node host listens on inside the pod. */
export const containerPort = 8080;
/** distroless "nonroot" user and group. */
export const nonRootId = 65532;
/**
 * Seconds a terminating pod keeps serving before SIGTERM, so the endpoint leaves the Service and
 * the Azure load balancer's probe (5 s interval, 2 failures) stops sending it traffic first.
 */
export const preStopSleepSeconds = 15;
/** preStop sleep + the host's own 10 s drain of in-flight requests + up to 10 s of trace export + margin. */
export const terminationGracePeriodSeconds = 45;

const containerSecurityContext: ISecurityContext = {
    runAsNonRoot: true,
    runAsUser: nonRootId,
    runAsGroup: nonRootId,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** Environment of the Node host; AZURE_CLIENT_ID/TENANT_ID come from the workload identity webhook. */
export function hostEnvironment(params: WorkloadParams): IEnvVar[] {
    const env: IEnvVar[] = [
        { name: "HOST", value: "0.0.0.0" },
        { name: "PORT", value: String(containerPort) },
        { name: "SNIPPETS_STORAGE_ACCOUNT_URL", value: params.storageAccountUrl },
    ];
    if (params.backplaneQueueUrl !== undefined) {
        env.push({ name: "SSE_BACKPLANE_QUEUE_URL", value: params.backplaneQueueUrl });
    }
    if (params.auth) {
        const { issuer, audience, jwksUri, resource, authorizationServers, scopes } = params.auth;
        env.push(
            { name: "AUTH_ISSUER", value: issuer },
            { name: "AUTH_AUDIENCE", value: typeof audience === "string" ? audience : audience.join(",") },
            { name: "AUTH_JWKS_URI", value: jwksUri },
            { name: "AUTH_RESOURCE", value: resource },
        );
        if (authorizationServers && authorizationServers.length > 0) {
            env.push({ name: "AUTH_AUTHORIZATION_SERVERS", value: authorizationServers.join(",") });
        }
        if (scopes && scopes.length > 0) env.push({ name: "AUTH_SCOPES", value: scopes.join(",") });
    }
    if (params.allowedOrigins && params.allowedOrigins.length > 0) {
        env.push({ name: "ALLOWED_ORIGINS", value: params.allowedOrigins.join(",") });
    }
    if (params.publicBaseUrl !== undefined)
        env.push({ name: "PUBLIC_BASE_URL", value: params.publicBaseUrl });
    if (params.telemetrySecret === true) {
        env.push({
            name: tracingSettingNames.connectionString,
            valueFrom: { secretKeyRef: { name: telemetrySecretName(params), key: telemetrySecretKey } },
        });
    }
    return env;
}

/** Every variable {@link hostEnvironment} may set, whether or not it does for given params. */
export const hostVariableNames: readonly string[] = [
    "HOST",
    "PORT",
    "SNIPPETS_STORAGE_ACCOUNT_URL",
    "SSE_BACKPLANE_QUEUE_URL",
    "AUTH_ISSUER",
    "AUTH_AUDIENCE",
    "AUTH_JWKS_URI",
    "AUTH_RESOURCE",
    "AUTH_AUTHORIZATION_SERVERS",
    "AUTH_SCOPES",
    "ALLOWED_ORIGINS",
    "PUBLIC_BASE_URL",
    tracingSettingNames.connectionString,
];

/** The host's own environment, then the control plane's service settings, sorted by name. */
function containerEnvironment(params: WorkloadParams): IEnvVar[] {
    const settings = Object.entries(params.serviceSettings ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value }));
    return [...hostEnvironment(params), ...settings];
}

/**
 * The Node host Deployment. `spec.replicas` is left to the HorizontalPodAutoscaler: setting it here
 * would make every update reset the replica count the autoscaler chose.
 */
export function renderDeployment(params: WorkloadParams, names: ObjectNames): RenderedWithSpec<IDeployment> {
    const { resources } = params;
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: params.name, namespace: params.namespace, labels: names.labels },
        spec: {
            selector: { matchLabels: names.selector },
            revisionHistoryLimit: 5,
            strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
            template: {
                metadata: { labels: { ...names.labels, "azure.workload.identity/use": "true" } },
                spec: {
                    serviceAccountName: names.serviceAccount,
                    // The workload identity webhook projects its own token volume (audience
                    // api://AzureADTokenExchange); the API-server token is not needed by the host.
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    terminationGracePeriodSeconds,
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: nonRootId,
                        runAsGroup: nonRootId,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    topologySpreadConstraints: [
                        {
                            topologyKey: "topology.kubernetes.io/zone",
                            maxSkew: 1,
                            whenUnsatisfiable: "ScheduleAnyway",
                            labelSelector: { matchLabels: names.selector },
                            matchLabelKeys: ["pod-template-hash"],
                        },
                        {
                            topologyKey: "kubernetes.io/hostname",
                            maxSkew: 1,
                            whenUnsatisfiable: "DoNotSchedule",
                            labelSelector: { matchLabels: names.selector },
                            matchLabelKeys: ["pod-template-hash"],
                            // Cordoned nodes (upgrades) carry a taint; counting them would block scheduling.
                            nodeTaintsPolicy: "Honor",
                        },
                    ],
                    containers: [
                        {
                            name: "mcp-host",
                            image: params.image,
                            imagePullPolicy: "IfNotPresent",
                            ports: [{ name: "http", containerPort, protocol: "TCP" }],
                            env: containerEnvironment(params),
                            resources: {
                                requests: { cpu: resources.requests.cpu, memory: resources.requests.memory },
                                limits: {
                                    memory: resources.limits.memory,
                                    ...(resources.limits.cpu !== undefined
                                        ? { cpu: resources.limits.cpu }
                                        : {}),
                                },
                            },
                            securityContext: containerSecurityContext,
                            startupProbe: {
                                httpGet: { path: backendPaths.liveness, port: "http" },
                                periodSeconds: 2,
                                timeoutSeconds: 2,
                                failureThreshold: 30,
                            },
                            livenessProbe: {
                                httpGet: { path: backendPaths.liveness, port: "http" },
                                periodSeconds: 10,
                                timeoutSeconds: 2,
                                failureThreshold: 3,
                            },
                            readinessProbe: {
                                httpGet: { path: backendPaths.readiness, port: "http" },
                                periodSeconds: 5,
                                timeoutSeconds: 3,
                                failureThreshold: 2,
                            },
                            // The image is distroless (no shell, no sleep binary): use the kubelet's sleep action.
                            lifecycle: { preStop: { sleep: { seconds: preStopSleepSeconds } } },
                        },
                    ],
                },
            },
        },
    };
}
