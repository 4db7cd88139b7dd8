/**
 * One synthesis per request per test process: files that ask questions of the same shipped stack
 * share it instead of each paying several seconds of CPU. Callers must not modify what they get
 * (clone before weakening a graph).
 */
import { synthesize, type SynthRequest, type SynthResult } from "../../scripts/lib/synthesize";
import { shippedStack } from "./shipped-stacks";

/** The shipped stacks as most tests synthesize them. */
export const sharedStacks = {
    /** Pulumi.dev.yaml: the Functions backend, deployed by a person. */
    dev: shippedStack("dev"),
    /** Pulumi.prod.yaml as CI deploys it (a service principal): the AKS backend. */
    prodFromCi: shippedStack("prod", { deployerPrincipalType: "ServicePrincipal" }),
    /** Pulumi.prod.yaml with the workload applied by the Kubernetes provider (a runner on the VNet). */
    prodViaKubernetesApi: shippedStack("prod", { aksWorkloadDelivery: "kubernetesApi" }),
} as const satisfies Record<string, SynthRequest>;

const syntheses = new Map<string, Promise<SynthResult>>();

export function sharedSynthesis(request: SynthRequest): Promise<SynthResult> {
    const key = JSON.stringify(request);
    let result = syntheses.get(key);
    if (result === undefined) {
        result = synthesize(request);
        // A failed synthesis is not kept: the next file gets its own error.
        result.catch(() => syntheses.delete(key));
        syntheses.set(key, result);
    }
    return result;
}

/** The dev stack and the prod stack as CI deploys it, synthesized side by side: what most files compare. */
export function sharedDevAndProd(): Promise<[SynthResult, SynthResult]> {
    return Promise.all([sharedSynthesis(sharedStacks.dev), sharedSynthesis(sharedStacks.prodFromCi)]);
}
