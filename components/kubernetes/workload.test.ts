import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MockResourceArgs } from "@pulumi/pulumi/runtime";
import { isWrappedSecret } from "../../scripts/lib/secret-wire";
import { telemetrySecretKey } from "./telemetry-secret";
import { validateAgainstSchema, validParams } from "./test-fixtures";
import { McpWorkload } from "./workload";

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

/** A registered resource, its inputs as plain values to be read with {@link valueAt}. */
type Registered = Omit<MockResourceArgs, "inputs"> & { readonly inputs: Record<string, unknown> };

/** The value at `path` inside nested objects and arrays; undefined where the path breaks off. */
function valueAt(value: unknown, ...path: (string | number)[]): unknown {
    let current = value;
    for (const key of path) {
        if (typeof current !== "object" || current === null) return undefined;
        current = Reflect.get(current, key);
    }
    return current;
}

/** Waits until `done` holds; resource registration under mocks completes asynchronously. */
async function until(done: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

const kubernetesTypes = [
    "kubernetes:core/v1:Namespace",
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:core/v1:Service",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:policy/v1:PodDisruptionBudget",
].sort();

describe("McpWorkload component (Pulumi mock runtime)", () => {
    const created: Registered[] = [];
    let workload: McpWorkload;
    let fixedIp: McpWorkload;
    let viaArm: McpWorkload;
    const connectionString =
        "InstrumentationKey=0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";
    const tracing = { TRACING_EXPORTER: "azure-monitor" };
    const runCommand = {
        kind: "runCommand",
        clusterId: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c",
        armToken: "arm",
        clusterToken: "cluster",
    } as const;

    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    // The mock runtime types inputs as any; they are the resource's input object.
                    const inputs = args.inputs as Record<string, unknown>;
                    created.push({ ...args, inputs });
                    // The Azure cloud provider fills in the load balancer's address once it exists.
                    // ("fixed-" resources stand for a Service whose status has not been read back.)
                    const status =
                        args.type === "kubernetes:core/v1:Service" && !args.name.startsWith("fixed-")
                            ? { loadBalancer: { ingress: [{ ip: "10.20.2.57" }] } }
                            : undefined;
                    return { id: `${args.name}-id`, state: { ...inputs, status } };
                },
                call: (args) => {
                    throw new Error(`unexpected invoke ${args.token}`);
                },
            },
            "agents-control-plane",
            "k8s-test",
            false,
        );
        const provider = new k8s.Provider("aks", { kubeconfig: "{}" });
        const params = validParams();
        workload = new McpWorkload("backend", {
            ...params,
            delivery: { kind: "kubernetesApi", provider },
            identityClientId: pulumi.output(params.identityClientId),
            storageAccountUrl: pulumi.output(params.storageAccountUrl),
        });
        fixedIp = new McpWorkload("fixed", {
            ...validParams({ namespace: "mcp-fixed", internalLoadBalancerIp: "10.20.2.200" }),
            delivery: { kind: "kubernetesApi", provider },
        });
        viaArm = new McpWorkload("viaarm", {
            ...validParams({ namespace: "mcp-arm", internalLoadBalancerIp: "10.20.2.201" }),
            delivery: runCommand,
        });
        new McpWorkload("traced", {
            ...validParams({ namespace: "mcp-traced", serviceSettings: tracing }),
            delivery: { kind: "kubernetesApi", provider },
            telemetryConnectionString: pulumi.secret(connectionString),
        });
        new McpWorkload("tracedarm", {
            ...validParams({
                namespace: "mcp-traced-arm",
                internalLoadBalancerIp: "10.20.2.202",
                serviceSettings: tracing,
            }),
            delivery: runCommand,
            telemetryConnectionString: pulumi.secret(connectionString),
        });
        await valueOf(workload.backendUrl);
        await until(() => ownedBy("backend").length === kubernetesTypes.length, "the Kubernetes resources");
        await until(() => ownedBy("traced").length === kubernetesTypes.length + 1, "the traced workload");
        await until(() => objectsOf("tracedarm") !== undefined, "the traced workload through run command");
    });

    const ownedBy = (prefix: string): Registered[] =>
        created.filter((r) => r.type.startsWith("kubernetes:") && r.name.startsWith(`${prefix}-`));
    const objectsOf = (prefix: string): Registered | undefined =>
        created.find(
            (r) =>
                r.type === "pulumi-nodejs:dynamic/agents-aks:ClusterObjects" &&
                r.name === `${prefix}-objects`,
        );

    it("uses the fixed internal IP when the Service reports none yet", async () => {
        assert.equal(await valueOf(fixedIp.backendUrl), "http://10.20.2.200:80");
        const service = ownedBy("fixed").find((r) => r.type === "kubernetes:core/v1:Service");
        assert.equal(
            valueAt(
                service?.inputs,
                "metadata",
                "annotations",
                "service.beta.kubernetes.io/azure-load-balancer-ipv4",
            ),
            "10.20.2.200",
        );
    });

    it("registers one resource per rendered object, all on the given provider", () => {
        assert.ok(created.some((r) => r.type === "agents:kubernetes:McpWorkload" && r.name === "backend"));
        const objects = ownedBy("backend");
        assert.deepEqual(objects.map((r) => r.type).sort(), kubernetesTypes);
        for (const r of objects) {
            assert.match(
                r.provider ?? "",
                /::pulumi:providers:kubernetes::aks::/,
                `${r.type} uses the cluster's provider`,
            );
        }
    });

    it("creates pods only after their namespace, service account and network policies", () => {
        const at = (name: string): number => {
            const index = created.findIndex((r) => r.name === name);
            assert.ok(index >= 0, `${name} registered`);
            return index;
        };
        for (const name of [
            "backend-sa",
            "backend-default-deny",
            "backend-gateway-only",
            "backend-service",
            "backend-pdb",
        ]) {
            assert.ok(at("backend-ns") < at(name), `${name} after the namespace`);
        }
        for (const name of ["backend-ns", "backend-sa", "backend-default-deny", "backend-gateway-only"]) {
            assert.ok(at(name) < at("backend-deployment"), `deployment after ${name}`);
        }
        assert.ok(at("backend-deployment") < at("backend-hpa"), "autoscaler after its target");
    });

    it("sends objects that conform to the Kubernetes schemas", () => {
        for (const r of ownedBy("backend")) {
            assert.doesNotThrow(() => validateAgainstSchema(r.inputs), r.type);
        }
    });

    it("resolves outputs into the rendered objects", () => {
        const account = created.find((r) => r.type === "kubernetes:core/v1:ServiceAccount");
        assert.equal(
            valueAt(account?.inputs, "metadata", "annotations", "azure.workload.identity/client-id"),
            "3f0c9a6e-2b1d-4c7e-9a8f-5d6e7f8a9b0c",
        );
        const deployment = created.find((r) => r.type === "kubernetes:apps/v1:Deployment");
        const env = valueAt(deployment?.inputs, "spec", "template", "spec", "containers", 0, "env");
        assert.ok(Array.isArray(env));
        assert.equal(
            valueAt(
                env.find((e) => valueAt(e, "name") === "SNIPPETS_STORAGE_ACCOUNT_URL"),
                "value",
            ),
            "https://stagentsdev.blob.core.windows.net",
        );
    });

    it("exposes the backend URL, namespace and federation subject", async () => {
        assert.equal(await valueOf(workload.internalIp), "10.20.2.57");
        assert.equal(await valueOf(workload.backendUrl), "http://10.20.2.57:80");
        assert.equal(await valueOf(workload.namespace), "mcp");
        assert.equal(await valueOf(workload.serviceName), "mcp-host");
        assert.equal(workload.federatedSubject, "system:serviceaccount:mcp:mcp-host");
    });

    it("through run command: one resource with every object, schema-valid, in apply order", async () => {
        assert.equal(await valueOf(viaArm.backendUrl), "http://10.20.2.201:80");
        assert.equal(await valueOf(viaArm.namespace), "mcp-arm");
        assert.deepEqual(ownedBy("viaarm"), [], "no Kubernetes provider resources");
        const [objects] = created.filter((r) => r.type === "pulumi-nodejs:dynamic/agents-aks:ClusterObjects");
        assert.ok(objects);
        assert.equal(objects.name, "viaarm-objects");
        const applied = objects.inputs.objects as { kind: string }[];
        assert.deepEqual(
            applied.map((o) => o.kind),
            [
                "Namespace",
                "ServiceAccount",
                "NetworkPolicy",
                "NetworkPolicy",
                "Deployment",
                "Service",
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
            ],
        );
        for (const o of applied) assert.doesNotThrow(() => validateAgainstSchema(o), o.kind);
        assert.deepEqual(objects.inputs.rollout, {
            namespace: "mcp-arm",
            deployment: "mcp-host",
            timeoutSeconds: 600,
        });
    });

    it("carries the telemetry connection string in a Secret that is secret in state, and in no pod spec", () => {
        const secret = ownedBy("traced").find((r) => r.type === "kubernetes:core/v1:Secret");
        assert.ok(secret, "the telemetry Secret is a provider resource");
        assert.equal(valueAt(secret.inputs, "metadata", "name"), "mcp-host-telemetry");
        assert.equal(valueAt(secret.inputs, "metadata", "namespace"), "mcp-traced");
        // Only the value is secret: the metadata stays readable in previews.
        assert.ok(!isWrappedSecret(secret.inputs.metadata));
        const stringData = secret.inputs.stringData;
        assert.ok(isWrappedSecret(stringData), "stringData is secret in state");
        assert.deepEqual(stringData.value, { [telemetrySecretKey]: connectionString });
        const deployment = ownedBy("traced").find((r) => r.type === "kubernetes:apps/v1:Deployment");
        assert.ok(deployment);
        assert.ok(!JSON.stringify(deployment.inputs).includes("InstrumentationKey"));
        // Registration waits for dependencies: the Deployment comes after the Secret its pods read.
        const at = (name: string) => created.findIndex((r) => r.name === name);
        assert.ok(at("traced-telemetry") < at("traced-deployment"), "pods start once their Secret exists");

        const viaArmObjects = objectsOf("tracedarm");
        assert.ok(viaArmObjects);
        const objects = viaArmObjects.inputs.objects;
        assert.ok(isWrappedSecret(objects), "the run command's object list is secret in state");
        const list = objects.value as { kind: string; metadata: { name: string } }[];
        assert.deepEqual(
            list.map((o) => o.kind),
            [
                "Namespace",
                "ServiceAccount",
                "Secret",
                "NetworkPolicy",
                "NetworkPolicy",
                "Deployment",
                "Service",
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
            ],
        );
        for (const o of list) assert.doesNotThrow(() => validateAgainstSchema(o), o.kind);
        // Without a Secret among them, the objects stay readable in previews.
        assert.ok(!isWrappedSecret(objectsOf("viaarm")?.inputs.objects));
    });

    it("through run command, refuses a workload without a fixed load balancer address", () => {
        assert.throws(
            () =>
                new McpWorkload("noip", { ...validParams({ namespace: "mcp-noip" }), delivery: runCommand }),
            /delivery through run command needs internalLoadBalancerIp/,
        );
    });
});
