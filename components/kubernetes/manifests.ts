/**
 * Kubernetes objects of the Node host backend on AKS, rendered as plain data (no Pulumi here) so
 * they can be validated against the Kubernetes schemas and asserted directly.
 */
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { IService } from "kubernetes-models/v1/Service";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { renderDeployment } from "./deployment";
import { workloadNames } from "./names";
import { renderDefaultDeny, renderService, renderWorkloadPolicy } from "./network";
import { assertWorkloadParams, type WorkloadParams } from "./params";
import type { Rendered, RenderedWithSpec } from "./types";

export type { WorkloadAuth, WorkloadParams, WorkloadResources } from "./params";
export { WorkloadParamsError, workloadParamsProblems } from "./params";

/** Every object of one workload, in the order they can be applied. */
export interface WorkloadManifests {
    readonly namespace: Rendered<INamespace>;
    readonly serviceAccount: Rendered<IServiceAccount>;
    readonly defaultDeny: RenderedWithSpec<INetworkPolicy>;
    readonly networkPolicy: RenderedWithSpec<INetworkPolicy>;
    readonly deployment: RenderedWithSpec<IDeployment>;
    readonly service: RenderedWithSpec<IService>;
    readonly autoscaler: RenderedWithSpec<IHorizontalPodAutoscaler>;
    readonly disruptionBudget: RenderedWithSpec<IPodDisruptionBudget>;
}

/** Subject of the federated credential for this workload's service account. */
export function workloadIdentitySubject(params: Pick<WorkloadParams, "namespace" | "name">): string {
    return `system:serviceaccount:${params.namespace}:${params.name}`;
}

/** Renders the workload; throws a WorkloadParamsError listing every problem with `params`. */
export function renderWorkload(params: WorkloadParams): WorkloadManifests {
    assertWorkloadParams(params);
    const names = workloadNames(params);
    const { selector } = names;
    const target = { apiVersion: "apps/v1", kind: "Deployment", name: params.name };
    return {
        namespace: {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: params.namespace,
                labels: {
                    ...params.labels,
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                },
            },
        },
        serviceAccount: {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: {
                name: names.serviceAccount,
                namespace: params.namespace,
                labels: names.labels,
                annotations: { "azure.workload.identity/client-id": params.identityClientId },
            },
            automountServiceAccountToken: false,
        },
        defaultDeny: renderDefaultDeny(params, names),
        networkPolicy: renderWorkloadPolicy(params, names),
        deployment: renderDeployment(params, names),
        service: renderService(params, names),
        autoscaler: {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: params.name, namespace: params.namespace, labels: names.labels },
            spec: {
                scaleTargetRef: target,
                minReplicas: params.replicas.min,
                maxReplicas: params.replicas.max,
                metrics: [
                    {
                        type: "Resource",
                        resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
                    },
                    {
                        type: "Resource",
                        resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } },
                    },
                ],
                // Scale up at once; scale down one pod a minute after 5 quiet minutes, since each
                // removed pod ends the SSE streams it holds.
                behavior: {
                    scaleUp: {
                        stabilizationWindowSeconds: 0,
                        policies: [{ type: "Pods", value: 4, periodSeconds: 60 }],
                    },
                    scaleDown: {
                        stabilizationWindowSeconds: 300,
                        policies: [{ type: "Pods", value: 1, periodSeconds: 60 }],
                    },
                },
            },
        },
        disruptionBudget: {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: params.name, namespace: params.namespace, labels: names.labels },
            spec: {
                // maxUnavailable rather than minAvailable: with one replica, minAvailable: 1 would
                // block every node drain (and so every cluster upgrade).
                maxUnavailable: 1,
                selector: { matchLabels: selector },
                // Pods that are not ready may be evicted, so a crash-looping pod never blocks a drain.
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            },
        },
    };
}

/**
 * The manifests as a list, in apply order; `secrets` (the telemetry Secret) go before the
 * Deployment whose pods read them.
 */
export function manifestList(
    manifests: WorkloadManifests,
    secrets: readonly Rendered<ISecret>[] = [],
): ReadonlyArray<WorkloadManifests[keyof WorkloadManifests] | Rendered<ISecret>> {
    return [
        manifests.namespace,
        manifests.serviceAccount,
        ...secrets,
        manifests.defaultDeny,
        manifests.networkPolicy,
        manifests.deployment,
        manifests.service,
        manifests.autoscaler,
        manifests.disruptionBudget,
    ];
}
