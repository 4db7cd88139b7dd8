import * as pulumi from "@pulumi/pulumi";

/**
 * Azure RBAC takes minutes to apply a new role assignment (up to about five for Azure RBAC on
 * Kubernetes), and neither the Kubernetes provider nor the image push retries a 403. This
 * resource waits once after the assignments it follows are created, and again only when one of
 * them is replaced; resources that need the access depend on it.
 */
export interface RolePropagationInputs {
    /** Ids of the role assignments to wait for; a new id waits again. */
    readonly assignmentIds: string[];
    readonly seconds: number;
}

/** Waits only when an assignment is new: same ids, no change. */
export function rolePropagationDiff(
    olds: Partial<RolePropagationInputs>,
    news: RolePropagationInputs,
): pulumi.dynamic.DiffResult {
    const changed =
        JSON.stringify([...(olds.assignmentIds ?? [])].sort()) !==
        JSON.stringify([...news.assignmentIds].sort());
    return { changes: changed, replaces: changed ? ["assignmentIds"] : [], deleteBeforeReplace: false };
}

const provider: pulumi.dynamic.ResourceProvider<RolePropagationInputs, RolePropagationInputs> = {
    diff(_id, olds, news) {
        return Promise.resolve(rolePropagationDiff(olds, news));
    },
    async create(inputs) {
        await new Promise((resolve) => setTimeout(resolve, inputs.seconds * 1000));
        return { id: [...inputs.assignmentIds].sort().join(",").slice(0, 1000), outs: inputs };
    },
    async delete() {},
};

export interface RolePropagationArgs {
    /** Ids of the role assignments to wait for; a new or replaced one waits again. */
    readonly assignmentIds: pulumi.Input<pulumi.Input<string>[]>;
    /** How long to wait after the assignments are created. */
    readonly seconds: number;
}

export class RolePropagation extends pulumi.dynamic.Resource {
    constructor(name: string, args: RolePropagationArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args }, opts, "agents-azure", "RolePropagation");
    }
}
