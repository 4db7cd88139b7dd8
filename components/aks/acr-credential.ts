import * as pulumi from "@pulumi/pulumi";
import { exchangeAcrRefreshToken, needsRenewal } from "./acr-client";

export interface AcrCredentialInputs {
    readonly loginServer: string;
    readonly tenantId: string;
    /** Entra access token for ARM (secret; short-lived, not part of the diff). */
    readonly armToken: string;
}

export interface AcrCredentialOutputs {
    readonly loginServer: string;
    readonly refreshToken: string;
    readonly expiresAt: number;
}

/** Another registry, or a token close to expiry, exchanges again; a new ARM token alone does not. */
export function acrCredentialDiff(
    olds: Partial<AcrCredentialOutputs>,
    news: AcrCredentialInputs,
    now: number,
): pulumi.dynamic.DiffResult {
    const changes = olds.loginServer !== news.loginServer || needsRenewal(olds.expiresAt, now);
    return { changes, replaces: [], deleteBeforeReplace: false };
}

async function exchange(inputs: AcrCredentialInputs): Promise<AcrCredentialOutputs> {
    const token = await exchangeAcrRefreshToken(inputs);
    return { loginServer: inputs.loginServer, refreshToken: token.refreshToken, expiresAt: token.expiresAt };
}

const provider: pulumi.dynamic.ResourceProvider<AcrCredentialInputs, AcrCredentialOutputs> = {
    diff(_id, olds, news) {
        return Promise.resolve(acrCredentialDiff(olds, news, Math.floor(Date.now() / 1000)));
    },
    async create(inputs) {
        return { id: inputs.loginServer, outs: await exchange(inputs) };
    },
    async update(_id, _olds, news) {
        return { outs: await exchange(news) };
    },
    // Refresh tokens expire on their own; there is nothing to revoke.
    async delete() {},
};

export interface AcrPushCredentialArgs {
    /** Login server of the registry (`<name>.azurecr.io`). */
    readonly loginServer: pulumi.Input<string>;
    /** Entra tenant of the deploying identity. */
    readonly tenantId: pulumi.Input<string>;
    /** ARM access token of the deploying identity (secret), which holds AcrPush on the registry. */
    readonly armToken: pulumi.Input<string>;
}

/**
 * A short-lived registry credential for pushing images with the deploying identity's Entra token
 * (the registry's admin user stays off). Renewed on any run where it is within 30 minutes of expiry.
 */
export class AcrPushCredential extends pulumi.dynamic.Resource {
    declare public readonly refreshToken: pulumi.Output<string>;
    declare public readonly expiresAt: pulumi.Output<number>;

    constructor(name: string, args: AcrPushCredentialArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            provider,
            name,
            {
                ...args,
                armToken: pulumi.secret(args.armToken),
                refreshToken: undefined,
                expiresAt: undefined,
            },
            { ...opts, additionalSecretOutputs: ["armToken", "refreshToken"] },
            "agents-aks",
            "AcrPushCredential",
        );
    }
}
