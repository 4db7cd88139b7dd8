import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IService } from "kubernetes-models/v1/Service";
import { containerPort } from "./deployment";
import type { WorkloadParams } from "./params";
import type { ObjectNames, RenderedWithSpec } from "./types";

/** Port the internal load balancer listens on (the gateway's backend URL uses it). */
export const servicePort = 80;

/** Azure cloud provider annotations for Services of type LoadBalancer. */
export const azureLbAnnotations = {
    internal: "service.beta.kubernetes.io/azure-load-balancer-internal",
    internalSubnet: "service.beta.kubernetes.io/azure-load-balancer-internal-subnet",
    /** Replaces the deprecated `spec.loadBalancerIP`. */
    ipv4: "service.beta.kubernetes.io/azure-load-balancer-ipv4",
} as const;

/**
 * Internal load balancer in front of the pods. `externalTrafficPolicy: Local` keeps the caller's
 * source IP (with `Cluster` the node SNATs it, and the NetworkPolicy below, which admits only the
 * gateway's subnet, would drop every request). No session affinity: the SSE backplane routes
 * legacy messages, so any replica may take any request.
 */
export function renderService(params: WorkloadParams, names: ObjectNames): RenderedWithSpec<IService> {
    const annotations: Record<string, string> = { [azureLbAnnotations.internal]: "true" };
    if (params.lbSubnetName !== undefined)
        annotations[azureLbAnnotations.internalSubnet] = params.lbSubnetName;
    if (params.internalLoadBalancerIp !== undefined) {
        annotations[azureLbAnnotations.ipv4] = params.internalLoadBalancerIp;
    }
    return {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: params.name, namespace: params.namespace, labels: names.labels, annotations },
        spec: {
            type: "LoadBalancer",
            externalTrafficPolicy: "Local",
            sessionAffinity: "None",
            selector: names.selector,
            ports: [{ name: "http", port: servicePort, targetPort: "http", protocol: "TCP" }],
        },
    };
}

/** Denies all ingress and egress for every pod in the namespace unless another policy allows it. */
export function renderDefaultDeny(
    params: WorkloadParams,
    names: ObjectNames,
): RenderedWithSpec<INetworkPolicy> {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `${params.name}-default-deny`, namespace: params.namespace, labels: names.labels },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    };
}

/**
 * What the host pods may do: accept the gateway's subnet on the container port; resolve names via
 * cluster DNS; call HTTPS (Storage, Entra token exchange). Everything else, including IMDS
 * (169.254.169.254:80) and other pods, stays denied.
 */
export function renderWorkloadPolicy(
    params: WorkloadParams,
    names: ObjectNames,
): RenderedWithSpec<INetworkPolicy> {
    return {
        apiVersion: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: { name: `${params.name}-gateway-only`, namespace: params.namespace, labels: names.labels },
        spec: {
            podSelector: { matchLabels: names.selector },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [{ ipBlock: { cidr: params.gatewaySubnetCidr } }],
                    ports: [{ protocol: "TCP", port: containerPort }],
                },
            ],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: {
                                matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                            },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
                {
                    to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
            ],
        },
    };
}
