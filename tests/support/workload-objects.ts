/**
 * The tool workload's Kubernetes objects in a synthesized AKS stack, by either delivery, and the
 * environment its pods would start with: what the kubelet resolves from the Deployment's `env`,
 * including `secretKeyRef`s into the Secrets applied beside it.
 */
import * as assert from "node:assert/strict";
import type { RecordedResource, SynthResult } from "../../scripts/lib/synthesize";
import { plain } from "./synth";

type Obj = Record<string, unknown>;

export const clusterObjectsType = "pulumi-nodejs:dynamic/agents-aks:ClusterObjects";

/**
 * Every object the workload applies: the run command resource's list (secret in state: it holds
 * the telemetry Secret), or one Kubernetes provider resource each (inputs, secrets unwrapped).
 */
export function workloadObjects(result: Pick<SynthResult, "resources">): Obj[] {
    const viaRunCommand = result.resources
        .filter((r) => r.type === clusterObjectsType)
        .flatMap((r) => plain(r.inputs.objects, true) as Obj[]);
    const viaApi = result.resources.filter((r) => r.type.startsWith("kubernetes:")).map(providerObject);
    return [...viaRunCommand, ...viaApi];
}

/** A Kubernetes provider resource's object, its secret fields unwrapped. */
function providerObject(r: RecordedResource): Obj {
    return Object.fromEntries(
        Object.entries(r.inputs)
            .filter(([key]) => key !== "__provider")
            .map(([key, value]) => [key, plain(value)]),
    );
}

interface EnvVar {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: { readonly secretKeyRef?: { readonly name: string; readonly key: string } };
}

/**
 * The host container's environment as its pods get it: literal values, and each `secretKeyRef`
 * read from the named Secret among `objects` (in the Deployment's namespace). A reference to a
 * Secret or key that is not applied fails, as the pod would (CreateContainerConfigError).
 */
export function podEnvironment(objects: readonly Obj[]): Record<string, string> {
    const deployments = objects.filter((o) => o.kind === "Deployment");
    const [deployment] = deployments;
    assert.ok(deployment && deployments.length === 1, `one Deployment, found ${deployments.length}`);
    const namespace = (deployment.metadata as Obj).namespace;
    const template = (deployment.spec as Obj).template as { spec: { containers: { env?: EnvVar[] }[] } };
    const [container] = template.spec.containers;
    assert.ok(container, "the Deployment has a container");
    const secretValue = (name: string, key: string): string => {
        const secret = objects.find(
            (o) =>
                o.kind === "Secret" &&
                (o.metadata as Obj).name === name &&
                (o.metadata as Obj).namespace === namespace,
        );
        assert.ok(secret, `Secret ${String(namespace)}/${name} is applied with the Deployment`);
        const fromString = (secret.stringData as Record<string, string> | undefined)?.[key];
        const fromData = (secret.data as Record<string, string> | undefined)?.[key];
        const value =
            fromString ?? (fromData === undefined ? undefined : Buffer.from(fromData, "base64").toString());
        assert.ok(value !== undefined, `Secret ${name} has the key ${key}`);
        return value;
    };
    return Object.fromEntries(
        (container.env ?? []).map((e) => {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref) return [e.name, secretValue(ref.name, ref.key)];
            assert.ok(e.value !== undefined, `${e.name} has a value or a secretKeyRef`);
            return [e.name, e.value];
        }),
    );
}
