import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ClusterObjects } from "../aks/run-command/provider";
import type { ISecret } from "kubernetes-models/v1/Secret";
import { manifestList, renderWorkload, workloadIdentitySubject, type WorkloadManifests } from "./manifests";
import { renderTelemetrySecret, telemetrySecretMetadata } from "./telemetry-secret";
import type { Rendered } from "./types";
import { servicePort } from "./network";
import type { WorkloadAuth, WorkloadParams, WorkloadResources } from "./params";

/**
 * Arguments for {@link McpWorkload}. Names, replica bounds, resources and labels are plain values:
 * they identify objects and must be known at preview. Values produced by other resources (identity,
 * storage, image, network) may be outputs; they are validated once known.
 */
/**
 * How the rendered objects reach the cluster: through its API server with the Kubernetes provider,
 * or through Azure Resource Manager's AKS run command (no network path to the API server needed).
 */
export type WorkloadDelivery =
    | {
          readonly kind: "kubernetesApi";
          /** Provider for the target cluster (built from its kubeconfig); never the ambient one. */
          readonly provider: k8s.Provider;
      }
    | {
          readonly kind: "runCommand";
          /** Resource id of the managed cluster. */
          readonly clusterId: pulumi.Input<string>;
          /** Entra tokens of the deploying identity: for ARM, and for the AKS server app. */
          readonly armToken: pulumi.Input<string>;
          readonly clusterToken: pulumi.Input<string>;
      };

/** How long an apply through run command waits for the Deployment to roll out. */
export const rolloutTimeoutSeconds = 600;

export interface McpWorkloadArgs {
    /**
     * How the objects reach the cluster: the Kubernetes API through a provider, or ARM's run command.
     */
    readonly delivery: WorkloadDelivery;
    /** Namespace created for the workload. */
    readonly namespace: string;
    /** Name of the Deployment, Service and ServiceAccount (a DNS-1035 label). */
    readonly name: string;
    /** Node host image, pinned by tag or digest. */
    readonly image: pulumi.Input<string>;
    /** Autoscaler bounds; max > 1 requires `backplaneQueueUrl`. */
    readonly replicas: { readonly min: number; readonly max: number };
    /** Client id of the user-assigned identity federated to the service account. */
    readonly identityClientId: pulumi.Input<string>;
    /** https://<account>.blob.core.windows.net */
    readonly storageAccountUrl: pulumi.Input<string>;
    /** https://<account>.queue.core.windows.net (multi-replica SSE backplane). */
    readonly backplaneQueueUrl?: pulumi.Input<string> | undefined;
    /** Token validation in the host (AUTH_* settings). */
    readonly auth?: pulumi.Input<WorkloadAuth>;
    /** Browser origins allowed to call the MCP endpoints. */
    readonly allowedOrigins?: pulumi.Input<readonly string[]>;
    /** Gateway base URL, for links in Protected Resource Metadata. */
    readonly publicBaseUrl?: pulumi.Input<string>;
    /** CIDR of the gateway's outbound subnet: the only source admitted to the pods. */
    readonly gatewaySubnetCidr: pulumi.Input<string>;
    /** Fixed private IP of the internal load balancer (known before the Service exists). */
    readonly internalLoadBalancerIp?: pulumi.Input<string>;
    /** Subnet for the load balancer frontend; the node subnet when omitted. */
    readonly lbSubnetName?: pulumi.Input<string>;
    /** CPU and memory requests and limits of the tool container. */
    readonly resources: WorkloadResources;
    /**
     * Labels added to every object, beside the program's own (`app.kubernetes.io/*`). Default: none.
     */
    readonly labels?: Readonly<Record<string, string>> | undefined;
    /** More host environment, none of it secret (the front door's `FRONT_DOOR_*`). Default: none. */
    readonly serviceSettings?: Readonly<Record<string, pulumi.Input<string>>> | undefined;
    /**
     * Application Insights connection string for span export (secret): applied as the workload's
     * telemetry Secret, which the pods read it from. Default: none.
     */
    readonly telemetryConnectionString?: pulumi.Input<string> | undefined;
}

/**
 * The Node host MCP backend on AKS: namespace, workload identity service account, Deployment,
 * internal load balancer Service, autoscaler, disruption budget, network policies and, with a
 * telemetry connection string, the Secret the pods read it from. The same rendered objects go
 * through either delivery. `opts.dependsOn` (e.g. role propagation) is passed
 * to the objects themselves: a component's dependencies do not hold back its children.
 */
export class McpWorkload extends pulumi.ComponentResource {
    public readonly namespace: pulumi.Output<string>;
    public readonly serviceName: pulumi.Output<string>;
    /** Subject for the identity's federated credential: system:serviceaccount:<ns>:<sa>. */
    public readonly federatedSubject: string;
    /** Private IP of the internal load balancer. */
    public readonly internalIp: pulumi.Output<string>;
    /** URL the gateway uses to reach the backend, e.g. http://10.0.3.10:80 (VNet-internal traffic). */
    public readonly backendUrl: pulumi.Output<string>;

    constructor(name: string, args: McpWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:kubernetes:McpWorkload", name, {}, opts);
        const inputs = pulumi.output({
            image: args.image,
            identityClientId: args.identityClientId,
            storageAccountUrl: args.storageAccountUrl,
            backplaneQueueUrl: args.backplaneQueueUrl,
            auth: args.auth,
            allowedOrigins: args.allowedOrigins,
            publicBaseUrl: args.publicBaseUrl,
            gatewaySubnetCidr: args.gatewaySubnetCidr,
            internalLoadBalancerIp: args.internalLoadBalancerIp,
            lbSubnetName: args.lbSubnetName,
            serviceSettings: args.serviceSettings,
        });
        const telemetrySecret = args.telemetryConnectionString !== undefined;
        const manifests = inputs.apply((resolved) => {
            const params: WorkloadParams = {
                ...withoutUndefined(resolved),
                namespace: args.namespace,
                name: args.name,
                replicas: args.replicas,
                resources: args.resources,
                labels: args.labels,
                telemetrySecret,
            };
            return renderWorkload(params);
        });
        // Rendered apart from the other objects, so only the Secret carries the secret.
        const secrets =
            args.telemetryConnectionString === undefined
                ? undefined
                : pulumi
                      .secret(args.telemetryConnectionString)
                      .apply((connectionString) => [renderTelemetrySecret(args, connectionString)]);
        const applied =
            args.delivery.kind === "kubernetesApi"
                ? applyWithProvider(
                      name,
                      args,
                      manifests,
                      secrets,
                      args.delivery.provider,
                      this,
                      opts?.dependsOn,
                  )
                : applyWithRunCommand(name, args, manifests, secrets, args.delivery, this, opts?.dependsOn);
        this.namespace = applied.namespace;
        this.serviceName = applied.serviceName;
        this.federatedSubject = workloadIdentitySubject(args);
        this.internalIp = pulumi
            .all([applied.serviceStatus, pulumi.output(args.internalLoadBalancerIp)])
            .apply(([status, fixed]) => {
                const ip = status?.loadBalancer?.ingress?.[0]?.ip ?? fixed;
                if (!ip) {
                    throw new Error(
                        `Service ${args.namespace}/${args.name} reported no internal load balancer IP; set internalLoadBalancerIp or check the cloud provider's events on the Service`,
                    );
                }
                return ip;
            });
        this.backendUrl = this.internalIp.apply((ip) => `http://${ip}:${servicePort}`);
        this.registerOutputs({
            namespace: this.namespace,
            serviceName: this.serviceName,
            federatedSubject: this.federatedSubject,
            internalIp: this.internalIp,
            backendUrl: this.backendUrl,
        });
    }
}

/** What the rest of the component reads from the applied objects. */
interface AppliedWorkload {
    readonly namespace: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** The Service's status when the cluster reports it (Kubernetes API only). */
    readonly serviceStatus: pulumi.Output<k8s.types.output.core.v1.ServiceStatus | undefined>;
}

type DependsOn = pulumi.ComponentResourceOptions["dependsOn"];

/** The workload's Secrets, rendered (secret as a whole); undefined when it has none. */
type RenderedSecrets = pulumi.Output<Rendered<ISecret>[]> | undefined;

/** Each object as a Kubernetes provider resource, ordered so pods start with their policies in place. */
function applyWithProvider(
    name: string,
    args: McpWorkloadArgs,
    manifests: pulumi.Output<WorkloadManifests>,
    secrets: RenderedSecrets,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    waitFor: DependsOn,
): AppliedWorkload {
    const part = <K extends keyof WorkloadManifests>(key: K): pulumi.Output<WorkloadManifests[K]> =>
        manifests.apply((m) => m[key]);
    const child = { parent, provider };
    // Everything else depends on the namespace, so it alone carries the outside dependencies.
    const ns = new k8s.core.v1.Namespace(
        `${name}-ns`,
        { metadata: part("namespace").metadata },
        { ...child, ...(waitFor && { dependsOn: waitFor }) },
    );
    const inNamespace = { ...child, dependsOn: [ns] };
    const account = part("serviceAccount");
    const serviceAccount = new k8s.core.v1.ServiceAccount(
        `${name}-sa`,
        {
            metadata: account.metadata,
            automountServiceAccountToken: account.automountServiceAccountToken,
        },
        inNamespace,
    );
    const denyAll = part("defaultDeny");
    const defaultDeny = new k8s.networking.v1.NetworkPolicy(
        `${name}-default-deny`,
        { metadata: denyAll.metadata, spec: denyAll.spec },
        inNamespace,
    );
    const policy = part("networkPolicy");
    const gatewayOnly = new k8s.networking.v1.NetworkPolicy(
        `${name}-gateway-only`,
        { metadata: policy.metadata, spec: policy.spec },
        inNamespace,
    );
    // The provider keeps `stringData` secret in state; the metadata holds nothing secret.
    const telemetry =
        secrets &&
        new k8s.core.v1.Secret(
            `${name}-telemetry`,
            {
                metadata: telemetrySecretMetadata(args),
                type: "Opaque",
                stringData: secrets.apply(([secret]) => secret?.stringData ?? {}),
            },
            inNamespace,
        );
    // Pods are admitted only once their service account exists (the identity webhook reads
    // it) and start with their network policies and Secrets already in place.
    const rendered = part("deployment");
    const deployment = new k8s.apps.v1.Deployment(
        `${name}-deployment`,
        {
            metadata: rendered.metadata,
            spec: withStringQuantities<k8s.types.input.apps.v1.DeploymentSpec>(rendered.spec),
        },
        {
            ...child,
            dependsOn: [ns, serviceAccount, defaultDeny, gatewayOnly, ...(telemetry ? [telemetry] : [])],
        },
    );
    const svc = part("service");
    const service = new k8s.core.v1.Service(
        `${name}-service`,
        { metadata: svc.metadata, spec: svc.spec },
        inNamespace,
    );
    const hpa = part("autoscaler");
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
            metadata: hpa.metadata,
            spec: withStringQuantities<k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec>(hpa.spec),
        },
        { ...child, dependsOn: [ns, deployment] },
    );
    const pdb = part("disruptionBudget");
    new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        { metadata: pdb.metadata, spec: pdb.spec },
        inNamespace,
    );
    return { namespace: ns.metadata.name, serviceName: service.metadata.name, serviceStatus: service.status };
}

/**
 * All objects as one resource applied through AKS run command, in the order manifestList gives
 * (namespace, identity and policies before the Deployment), then a wait for the rollout.
 */
function applyWithRunCommand(
    name: string,
    args: McpWorkloadArgs,
    manifests: pulumi.Output<WorkloadManifests>,
    secrets: RenderedSecrets,
    delivery: Extract<WorkloadDelivery, { kind: "runCommand" }>,
    parent: pulumi.Resource,
    waitFor: DependsOn,
): AppliedWorkload {
    // Without the API server nobody reads the Service's status: its address must be fixed.
    if (args.internalLoadBalancerIp === undefined) {
        throw new Error(
            `workload ${args.namespace}/${args.name}: delivery through run command needs internalLoadBalancerIp (the Service's status is not read back)`,
        );
    }
    const objects = new ClusterObjects(
        `${name}-objects`,
        {
            clusterId: delivery.clusterId,
            objects: pulumi
                .all([manifests, secrets ?? []])
                .apply(([m, rendered]) => [...manifestList(m, rendered)]),
            carriesSecrets: secrets !== undefined,
            rollout: {
                namespace: args.namespace,
                deployment: args.name,
                timeoutSeconds: rolloutTimeoutSeconds,
            },
            armToken: delivery.armToken,
            clusterToken: delivery.clusterToken,
        },
        { parent, ...(waitFor && { dependsOn: waitFor }) },
    );
    const applied = <T>(value: T): pulumi.Output<T> => objects.digest.apply(() => value);
    return {
        namespace: applied(args.namespace),
        serviceName: applied(args.name),
        serviceStatus: applied(undefined),
    };
}

/**
 * kubernetes-models types resource quantities as `number | string`, the Pulumi SDK as `string`.
 * Every quantity the renderer emits is a string (WorkloadResources takes strings; the autoscaler
 * sets none), so the objects are identical on the wire: this is the one place the typings meet.
 */
function withStringQuantities<T>(spec: pulumi.Output<unknown>): pulumi.Output<T> {
    return spec as pulumi.Output<T>;
}

/** Drops undefined optionals, so a resolved input object fits the optional fields of WorkloadParams. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
        [K in keyof T]: Exclude<T[K], undefined>;
    };
}
