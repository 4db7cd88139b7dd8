import * as pulumi from "@pulumi/pulumi";
import { readMcpExtensionKey } from "./client";

/** Inputs the key read is keyed on: another app replaces it, a new deployment reads again. */
export interface McpExtensionKeyInputs {
    /** Resource id of the function app. */
    readonly siteId: string;
    /** sha256 of the deployed package: the read follows each deployment. */
    readonly deployedSha256: string;
    /** ARM base URL (public cloud unless overridden). */
    readonly armEndpoint: string;
    /** ARM access token of the deploying identity (secret; short-lived, not part of the diff). */
    readonly token: string;
}

/** State: the key and what it was read for. Nothing else from the listkeys answer. */
export interface McpExtensionKeyOutputs {
    readonly siteId: string;
    readonly deployedSha256: string;
    readonly key: string;
}

/** Another app replaces the read; a new deployment reads again; a new token alone does nothing. */
export function mcpExtensionKeyDiff(
    olds: Partial<McpExtensionKeyOutputs>,
    news: McpExtensionKeyInputs,
): pulumi.dynamic.DiffResult {
    const replaces = olds.siteId !== news.siteId ? ["siteId"] : [];
    const changed = [...replaces, ...(olds.deployedSha256 !== news.deployedSha256 ? ["deployedSha256"] : [])];
    return { changes: changed.length > 0, replaces, deleteBeforeReplace: false };
}

/** Reads the key and returns exactly the state to store. */
export async function readKeyState(inputs: McpExtensionKeyInputs): Promise<McpExtensionKeyOutputs> {
    const key = await readMcpExtensionKey({
        armEndpoint: inputs.armEndpoint,
        siteId: inputs.siteId,
        token: inputs.token,
        log: (m) => console.log(m),
    });
    return { siteId: inputs.siteId, deployedSha256: inputs.deployedSha256, key };
}

const provider: pulumi.dynamic.ResourceProvider<McpExtensionKeyInputs, McpExtensionKeyOutputs> = {
    diff(_id, olds, news) {
        return Promise.resolve(mcpExtensionKeyDiff(olds, news));
    },
    async create(inputs) {
        return {
            id: `${inputs.siteId}/host/default/systemKeys/mcp_extension`,
            outs: await readKeyState(inputs),
        };
    },
    async update(_id, _olds, news) {
        return { outs: await readKeyState(news) };
    },
    // Nothing to undo: the key belongs to the app's host and goes away with it.
    async delete() {},
};

export interface McpExtensionKeyArgs {
    /** Resource id of the function app. */
    readonly siteId: pulumi.Input<string>;
    /** Hash of the package deployed; a new deployment reads the key again. */
    readonly deployedSha256: pulumi.Input<string>;
    /** ARM access token (secret) of an identity that may list the app's host keys. */
    readonly token: pulumi.Input<string>;
    /** Defaults to the public cloud's ARM endpoint. */
    readonly armEndpoint?: pulumi.Input<string>;
}

/**
 * The Functions MCP extension's system key, read after the code is deployed (the host creates it on
 * start). Its `key` output is secret; the master key is never read into state.
 */
export class McpExtensionKey extends pulumi.dynamic.Resource {
    declare public readonly key: pulumi.Output<string>;

    constructor(name: string, args: McpExtensionKeyArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                siteId: args.siteId,
                deployedSha256: args.deployedSha256,
                armEndpoint: args.armEndpoint ?? "https://management.azure.com",
                token: pulumi.secret(args.token),
                key: undefined,
            },
            { ...opts, additionalSecretOutputs: ["key", "token"] },
            "agents-functions",
            "McpExtensionKey",
        );
    }
}
