/** The control plane's vault, built from the stack configuration. */
import type * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/types";
import type { Network } from "../network/network";
import type { DeploymentContext } from "../tool-backend";
import { KeyVault } from "./key-vault";
import { keyVaultName } from "./names";

/**
 * Days a deleted vault or secret stays recoverable: Azure's maximum. It cannot change after the
 * vault exists, and with purge protection a deleted vault keeps its name for this long.
 */
export const controlPlaneSoftDeleteDays = 90;

export interface ControlPlaneVaultArgs {
    readonly config: StackConfig;
    readonly context: DeploymentContext;
    readonly baseName: string;
    readonly unique: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly workspaceId: pulumi.Input<string>;
    /** The AKS backend's network: the vault gets a private endpoint in it. */
    readonly network?: Network | undefined;
    readonly tags: Record<string, string>;
}

export function controlPlaneVault(
    parent: pulumi.Resource,
    name: string,
    args: ControlPlaneVaultArgs,
): KeyVault {
    const { config, context } = args;
    const vault = new KeyVault(
        `${name}-secrets`,
        {
            resourceGroupName: args.resourceGroupName,
            location: config.location,
            vaultName: keyVaultName(args.baseName, args.unique),
            tenantId: context.tenantId,
            subscriptionId: context.subscriptionId,
            softDeleteRetentionDays: controlPlaneSoftDeleteDays,
            writer: { principalId: context.deployerObjectId, principalType: config.deployerPrincipalType },
            workspaceId: args.workspaceId,
            privateEndpoint: args.network
                ? { vnetId: args.network.vnetId, subnetId: args.network.privateEndpointSubnetId }
                : undefined,
            tags: args.tags,
        },
        { parent },
    );
    return vault;
}
