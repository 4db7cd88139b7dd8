import * as pulumi from "@pulumi/pulumi";
import { runClusterCommand } from "./client";
import {
    applyCommand,
    contextZip,
    deleteCommand,
    removedObjects,
    type ClusterCommand,
    type KubeObject,
    type RolloutCheck,
} from "./commands";
import { aksServerAppId, armResource, azureCliToken, usableToken } from "./tokens";

/** Inputs of {@link ClusterObjects}: the objects and where they go; tokens are not part of the diff. */
export interface ClusterObjectsInputs {
    /** Resource id of the managed cluster. */
    readonly clusterId: string;
    /** Rendered objects, in apply order. */
    readonly objects: KubeObject[];
    readonly rollout?: RolloutCheck;
    /** Entra token for Azure Resource Manager (secret, short-lived). */
    readonly armToken: string;
    /** Entra token for the AKS server app: kubectl acts as the deployer (secret, short-lived). */
    readonly clusterToken: string;
    /** Azure Resource Manager endpoint for other clouds (default https://management.azure.com). */
    readonly armEndpoint?: string;
}

export interface ClusterObjectsOutputs extends ClusterObjectsInputs {
    /** sha256 of the objects and the rollout check: what the diff compares. */
    readonly digest: string;
    /** The run command that last applied them. */
    readonly commandId: string;
}

/** What a change to these inputs means: the same objects are no change; another cluster is a new resource. */
export async function clusterObjectsDiff(
    olds: Partial<ClusterObjectsOutputs>,
    news: ClusterObjectsInputs,
): Promise<pulumi.dynamic.DiffResult> {
    const replaces = olds.clusterId !== news.clusterId ? ["clusterId"] : [];
    const changed = olds.digest !== (await objectsDigest(news));
    return {
        changes: replaces.length > 0 || changed,
        replaces,
        deleteBeforeReplace: false,
    };
}

export async function objectsDigest(
    inputs: Pick<ClusterObjectsInputs, "objects" | "rollout">,
): Promise<string> {
    // Imported here: dynamic providers are serialized and run in the engine's host.
    const { createHash } = await import("node:crypto");
    return createHash("sha256")
        .update(JSON.stringify({ objects: inputs.objects, rollout: inputs.rollout ?? null }))
        .digest("hex");
}

/**
 * Runs one command in the cluster; the provider's only way in. Tokens it was given that expire
 * within minutes are replaced by fresh ones from the Azure CLI: a delete sees only the last
 * update's tokens, and a first `up` can outlast the ones read at its start. (Names here avoid
 * globals such as mocha's `run`: Pulumi's serializer does not capture a free variable that names
 * a global.)
 */
async function runInCluster(
    target: Pick<ClusterObjectsInputs, "clusterId" | "armToken" | "clusterToken" | "armEndpoint">,
    command: ClusterCommand,
): Promise<string> {
    const result = await runClusterCommand({
        ...(target.armEndpoint ? { armBaseUrl: target.armEndpoint } : {}),
        clusterId: target.clusterId,
        armToken: await usableToken(target.armToken, armResource, azureCliToken),
        clusterToken: await usableToken(target.clusterToken, aksServerAppId, azureCliToken),
        command: command.command,
        context: contextZip(command.files),
        log: (m) => console.log(m),
    });
    return result.commandId;
}

async function applyObjects(
    inputs: ClusterObjectsInputs,
    removed: KubeObject[],
): Promise<ClusterObjectsOutputs> {
    const commandId = await runInCluster(inputs, applyCommand(inputs.objects, removed, inputs.rollout));
    return { ...inputs, digest: await objectsDigest(inputs), commandId };
}

/** Exported for tests, which drive it against a local ARM endpoint. */
export const clusterObjectsProvider: pulumi.dynamic.ResourceProvider<
    ClusterObjectsInputs,
    ClusterObjectsOutputs
> = {
    async diff(_id, olds, news) {
        return clusterObjectsDiff(olds, news);
    },
    async create(inputs) {
        const outs = await applyObjects(inputs, []);
        return { id: `${inputs.clusterId}/objects/${outs.digest.slice(0, 16)}`, outs };
    },
    // Objects the new set no longer has are deleted in the same command, with this run's tokens.
    async update(_id, olds, news) {
        return { outs: await applyObjects(news, removedObjects(olds.objects, news.objects)) };
    },
    async delete(_id, olds) {
        try {
            await runInCluster(olds, deleteCommand(olds.objects));
        } catch (error) {
            // The cluster (or its group) is already gone, and the objects with it.
            if (error instanceof Error && "status" in error && error.status === 404) return;
            throw error;
        }
    },
};

export interface ClusterObjectsArgs {
    /** Resource id of the AKS cluster the objects are applied to. */
    readonly clusterId: pulumi.Input<string>;
    /** The Kubernetes objects, applied with server-side apply; a change to any re-applies all. */
    readonly objects: pulumi.Input<KubeObject[]>;
    /** Deployment whose rollout the apply waits for, and how long. Default: no wait. */
    readonly rollout?: pulumi.Input<RolloutCheck>;
    /** ARM access token of the deployer (secret): starts the run command. */
    readonly armToken: pulumi.Input<string>;
    /**
     * Token for the AKS server app (secret): kubectl in the run command acts with the deployer's cluster role.
     */
    readonly clusterToken: pulumi.Input<string>;
    /** Azure Resource Manager base URL. Default: the public cloud's. */
    readonly armEndpoint?: pulumi.Input<string>;
    /**
     * The objects include Secrets: they are then secret in state, as inputs and as outputs. Default:
     * false, so a preview shows which objects change.
     */
    readonly carriesSecrets?: boolean;
}

/**
 * Kubernetes objects applied to an AKS cluster through Azure Resource Manager (run command), for
 * clusters whose API server is not reachable from where `pulumi up` runs (private clusters, CI).
 */
export class ClusterObjects extends pulumi.dynamic.Resource {
    declare public readonly digest: pulumi.Output<string>;
    declare public readonly commandId: pulumi.Output<string>;

    constructor(name: string, args: ClusterObjectsArgs, opts?: pulumi.CustomResourceOptions) {
        const { carriesSecrets, ...inputs } = args;
        super(
            clusterObjectsProvider,
            name,
            {
                ...inputs,
                objects: carriesSecrets === true ? pulumi.secret(inputs.objects) : inputs.objects,
                armToken: pulumi.secret(args.armToken),
                clusterToken: pulumi.secret(args.clusterToken),
                digest: undefined,
                commandId: undefined,
            },
            {
                ...opts,
                additionalSecretOutputs: [
                    "armToken",
                    "clusterToken",
                    ...(carriesSecrets === true ? ["objects"] : []),
                ],
            },
            "agents-aks",
            "ClusterObjects",
        );
    }
}
