import * as path from "node:path";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { NodeServerBundle } from "functions-app/bundle";
import { acrTokenUserName } from "./acr-client";
import { AcrPushCredential } from "./acr-credential";

/** Arguments for {@link ToolImage}. */
export interface ToolImageArgs {
    /**
     * The Node host bundle (server.js and the Dockerfile); its folder is the build context, relative
     * to the project directory (stable across machines) or absolute.
     */
    readonly bundle: NodeServerBundle;
    /** Login server of the registry pushed to (`<name>.azurecr.io`). */
    readonly registryLoginServer: pulumi.Input<string>;
    /**
     * Entra tenant of the deploying identity (the registry exchanges its ARM token for a refresh token).
     */
    readonly tenantId: string;
    /** Entra access token for ARM of the deploying identity (holds AcrPush on the registry). */
    readonly armToken: pulumi.Input<string>;
    /** Repository in the registry. */
    readonly repository: string;
    /** Resources the push waits for (the deployer's AcrPush role). */
    readonly dependsOn?: pulumi.Resource[];
}

/**
 * The tool service image, built with BuildKit from the bundle and the Dockerfile and pushed to the
 * stack's registry; tagged with the bundle's hash, consumed by digest. Needs Docker (BuildKit)
 * where `pulumi up` runs; previews do not build.
 */
export class ToolImage extends pulumi.ComponentResource {
    /** <registry>/<repository>@sha256:<digest> */
    public readonly ref: pulumi.Output<string>;

    constructor(name: string, args: ToolImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:aks:ToolImage", name, {}, opts);
        const credential = new AcrPushCredential(
            `${name}-push-credential`,
            { loginServer: args.registryLoginServer, tenantId: args.tenantId, armToken: args.armToken },
            { parent: this, ...(args.dependsOn && { dependsOn: args.dependsOn }) },
        );
        const repository = pulumi.interpolate`${args.registryLoginServer}/${args.repository}`;
        const image = new dockerBuild.Image(
            `${name}-image`,
            {
                context: { location: args.bundle.directory },
                dockerfile: { location: path.join(args.bundle.directory, "Dockerfile") },
                platforms: ["linux/amd64"],
                tags: [pulumi.interpolate`${repository}:${args.bundle.sha256.slice(0, 16)}`],
                push: true,
                buildOnPreview: false,
                registries: [
                    {
                        address: args.registryLoginServer,
                        username: acrTokenUserName,
                        password: credential.refreshToken,
                    },
                ],
                labels: { "org.opencontainers.image.revision": args.bundle.sha256 },
            },
            { parent: this, ...(args.dependsOn && { dependsOn: args.dependsOn }) },
        );
        this.ref = pulumi.interpolate`${repository}@${image.digest}`;
        this.registerOutputs({ ref: this.ref });
    }
}
