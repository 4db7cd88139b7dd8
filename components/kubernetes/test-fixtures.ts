/** Shared inputs and schema validation for the Kubernetes workload tests. */
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { WorkloadParams } from "./params";

/** A complete, valid parameter set (multi-replica, so the backplane is on). */
export function validParams(overrides: Partial<WorkloadParams> = {}): WorkloadParams {
    return {
        namespace: "mcp",
        name: "mcp-host",
        image: "acragentsdev.azurecr.io/mcp-host:1.4.2",
        replicas: { min: 2, max: 6 },
        identityClientId: "3f0c9a6e-2b1d-4c7e-9a8f-5d6e7f8a9b0c",
        storageAccountUrl: "https://stagentsdev.blob.core.windows.net",
        backplaneQueueUrl: "https://stagentsdev.queue.core.windows.net",
        gatewaySubnetCidr: "10.20.4.0/24",
        resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        ...overrides,
    };
}

/**
 * Validates an object against the Kubernetes OpenAPI schema of its kind (required fields, types,
 * enums); throws with the schema's message when it does not conform.
 */
export function validateAgainstSchema(object: { apiVersion?: unknown; kind?: unknown }): void {
    const key = `${String(object.apiVersion)}/${String(object.kind)}`;
    switch (key) {
        case "v1/Namespace":
            return new Namespace(object as ConstructorParameters<typeof Namespace>[0]).validate();
        case "v1/ServiceAccount":
            return new ServiceAccount(object as ConstructorParameters<typeof ServiceAccount>[0]).validate();
        case "v1/Secret":
            return new Secret(object as ConstructorParameters<typeof Secret>[0]).validate();
        case "v1/Service":
            return new Service(object as ConstructorParameters<typeof Service>[0]).validate();
        case "apps/v1/Deployment":
            return new Deployment(object as ConstructorParameters<typeof Deployment>[0]).validate();
        case "autoscaling/v2/HorizontalPodAutoscaler":
            return new HorizontalPodAutoscaler(
                object as ConstructorParameters<typeof HorizontalPodAutoscaler>[0],
            ).validate();
        case "policy/v1/PodDisruptionBudget":
            return new PodDisruptionBudget(
                object as ConstructorParameters<typeof PodDisruptionBudget>[0],
            ).validate();
        case "networking.k8s.io/v1/NetworkPolicy":
            return new NetworkPolicy(object as ConstructorParameters<typeof NetworkPolicy>[0]).validate();
        default:
            throw new Error(`no schema registered for ${key}`);
    }
}
