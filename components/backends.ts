/**
 * The one place that branches on the backend kind. Each switch ends in a `never` check, so a kind
 * added to `backendKinds` does not compile until it has artifacts and a plan here.
 */
import type * as pulumi from "@pulumi/pulumi";
import { buildNodeServerBundle } from "./aks/package";
import { planAksBackend } from "./aks/plan";
import type { StackConfig } from "./config/types";
import { buildFunctionsPackage } from "./functions/package";
import { planFunctionsBackend } from "./functions/plan";
import {
    unhandledBackendKind,
    type BackendArtifacts,
    type PlannedToolBackend,
    type ToolBackendContext,
} from "./tool-backend";

/**
 * Builds what the configured backend deploys: the Functions package, or the AKS image source (a
 * configured image, or the Node host bundle to build one from).
 * @param deploymentToken the deploying identity's ARM token (OneDeploy, or the registry push).
 */
export async function buildBackendArtifacts(
    config: StackConfig,
    deploymentToken: pulumi.Input<string>,
): Promise<BackendArtifacts> {
    const kind = config.backend;
    switch (kind) {
        case "functions":
            return { kind, package: await buildFunctionsPackage(), deploymentToken };
        case "aks":
            return {
                kind,
                image: config.aks.image
                    ? { kind: "configured", ref: config.aks.image }
                    : { kind: "build", bundle: await buildNodeServerBundle(), armToken: deploymentToken },
            };
        default:
            return unhandledBackendKind(kind);
    }
}

/** Starts the backend the artifacts are for; see {@link PlannedToolBackend} for its two steps. */
export function planToolBackend(ctx: ToolBackendContext, artifacts: BackendArtifacts): PlannedToolBackend {
    switch (artifacts.kind) {
        case "functions":
            return planFunctionsBackend(ctx, artifacts);
        case "aks":
            return planAksBackend(ctx, artifacts);
        default:
            return unhandledBackendKind(artifacts);
    }
}
