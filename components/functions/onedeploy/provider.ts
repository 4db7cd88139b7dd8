import * as pulumi from "@pulumi/pulumi";
import { oneDeploy } from "./client";

/** Inputs the OneDeploy resource is keyed on: a new package hash (or another app) redeploys. */
export interface OneDeployInputs {
    /** SCM host of the function app (hostNameSslStates entry of type Repository). */
    readonly scmHost: string;
    /** Path of the zip built during this run (changes between runs; not part of the diff). */
    readonly zipPath: string;
    /** sha256 of the zip: the identity of the deployed code. */
    readonly sha256: string;
    /** Entra access token for the SCM host (secret; short-lived, not part of the diff). */
    readonly token: string;
}

export interface OneDeployOutputs {
    readonly scmHost: string;
    readonly sha256: string;
    readonly deploymentId: string;
}

/** Only a code change or a different app deploys again; a new zip path or token does not. */
export function oneDeployDiff(
    olds: Partial<OneDeployOutputs>,
    news: OneDeployInputs,
): pulumi.dynamic.DiffResult {
    const replaces = olds.scmHost !== news.scmHost ? ["scmHost"] : [];
    const changed = [...replaces, ...(olds.sha256 !== news.sha256 ? ["sha256"] : [])];
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}

async function deploy(inputs: OneDeployInputs): Promise<OneDeployOutputs> {
    // Kept inside the function: dynamic providers are serialized and run in the engine's host.
    const { readFile } = await import("node:fs/promises");
    const { createHash } = await import("node:crypto");
    const zip = await readFile(inputs.zipPath);
    const actual = createHash("sha256").update(zip).digest("hex");
    if (actual !== inputs.sha256) {
        throw new Error(
            `package ${inputs.zipPath} has sha256 ${actual}, expected ${inputs.sha256}; rebuild and retry`,
        );
    }
    const result = await oneDeploy({
        scmBaseUrl: `https://${inputs.scmHost}`,
        token: inputs.token,
        zip,
        log: (m) => console.log(m),
    });
    return { scmHost: inputs.scmHost, sha256: inputs.sha256, deploymentId: result.deploymentId };
}

const provider: pulumi.dynamic.ResourceProvider<OneDeployInputs, OneDeployOutputs> = {
    diff(_id, olds, news) {
        return Promise.resolve(oneDeployDiff(olds, news));
    },
    async create(inputs) {
        const outs = await deploy(inputs);
        return { id: `${inputs.scmHost}/${inputs.sha256}`, outs };
    },
    async update(_id, _olds, news) {
        return { outs: await deploy(news) };
    },
    // Nothing to undo: the code goes away with the app, and a later package replaces this one.
    async delete() {},
};

export interface OneDeployArgs {
    /** The app's SCM (Kudu) host name, from its Repository host name entry. */
    readonly scmHost: pulumi.Input<string>;
    /** Path of the package zip on the machine that runs `pulumi up`. */
    readonly zipPath: pulumi.Input<string>;
    /** sha256 of the zip: a new hash (and only that) deploys again. */
    readonly sha256: pulumi.Input<string>;
    /** Entra access token for the SCM host (secret), of an identity that may publish to the app. */
    readonly token: pulumi.Input<string>;
}

/** Deploys a Functions package to a Flex Consumption app with OneDeploy. */
export class OneDeployPackage extends pulumi.dynamic.Resource {
    declare public readonly deploymentId: pulumi.Output<string>;
    declare public readonly sha256: pulumi.Output<string>;

    constructor(name: string, args: OneDeployArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            { ...args, token: pulumi.secret(args.token), deploymentId: undefined },
            { ...opts, additionalSecretOutputs: ["token"] },
            "agents-functions",
            "OneDeployPackage",
        );
    }
}
