/**
 * The control plane's vault and what it stores: the alert webhook URLs (the action group cannot
 * read a vault reference, so they stay secret in its own configuration too; the vault is where
 * they are kept and rotated) and the Functions MCP extension's key (which the gateway reads from
 * the vault itself).
 */
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config/types";
import { functionsKeyNamedValue } from "../gateway/mcp-apis";
import type { AdoptedZone, Network } from "../network/network";
import { placementIn } from "../network/private-endpoint";
import type { DeploymentContext } from "../tool-backend";
import { KeyVault, keyVaultType, type VaultSecret } from "./key-vault";
import { keyVaultName } from "./names";

/**
 * Days a deleted vault or secret stays recoverable: Azure's maximum. It cannot change after the
 * vault exists, and with purge protection a deleted vault keeps its name for this long.
 */
export const controlPlaneSoftDeleteDays = 90;

/** Vault secret name of the n-th (1-based) alert webhook URL. */
export function alertWebhookSecretName(index: number): string {
    return `alert-webhook-${index}`;
}

/** Logical name of the vault component in the control plane `name`. */
function vaultComponentName(name: string): string {
    return `${name}-secrets`;
}

/**
 * The vault's private DNS zone and VNet link as stacks deployed them before the network owned the
 * zone (the vault component built its own): the network adopts them under these aliases and keeps
 * the link's Azure name, so they move in the state and nothing is replaced.
 * @param parent the control plane; `name` its name, `baseName`/`unique` as given to {@link controlPlaneVault}.
 */
export function vaultZoneBeforeNetwork(
    parent: pulumi.Resource,
    name: string,
    baseName: string,
    unique: string,
): AdoptedZone {
    const component = vaultComponentName(name);
    return {
        previous: { parent: pulumi.createUrn(component, keyVaultType, parent), namePrefix: component },
        linkName: `${keyVaultName(baseName, unique)}-link`,
    };
}

export interface ControlPlaneVaultArgs {
    readonly config: StackConfig;
    readonly context: DeploymentContext;
    readonly baseName: string;
    readonly unique: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly workspaceId: pulumi.Input<string>;
    /**
     * The AKS backend's network: the vault gets a private endpoint in it, registered in the
     * network's Key Vault zone (see {@link vaultZoneBeforeNetwork}).
     */
    readonly network?: Network | undefined;
    readonly tags: Record<string, string>;
}

export interface ControlPlaneVault {
    readonly vault: KeyVault;
    readonly alertWebhooks: readonly VaultSecret[];
    /** Stores the Functions MCP extension key; undefined (nothing stored) for backends without one. */
    storeFunctionsKey(key: pulumi.Output<string> | undefined): VaultSecret | undefined;
}

export function controlPlaneVault(
    parent: pulumi.Resource,
    name: string,
    args: ControlPlaneVaultArgs,
): ControlPlaneVault {
    const { config, context } = args;
    const vaultName = keyVaultName(args.baseName, args.unique);
    const vault = new KeyVault(
        vaultComponentName(name),
        {
            resourceGroupName: args.resourceGroupName,
            location: config.location,
            vaultName,
            tenantId: context.tenantId,
            subscriptionId: context.subscriptionId,
            softDeleteRetentionDays: controlPlaneSoftDeleteDays,
            writer: { principalId: context.deployerObjectId, principalType: config.deployerPrincipalType },
            workspaceId: args.workspaceId,
            privateEndpoint: args.network
                ? placementIn(args.network, "keyVault", `${vaultName}-pe`)
                : undefined,
            tags: args.tags,
        },
        { parent },
    );
    const alertWebhooks = config.monitoring.alertWebhookUrls.map((url, i) =>
        vault.secret(alertWebhookSecretName(i + 1), { value: url, contentType: "alert-webhook-url" }),
    );
    return {
        vault,
        alertWebhooks,
        storeFunctionsKey: (key) =>
            key === undefined
                ? undefined
                : vault.secret(functionsKeyNamedValue, { value: key, contentType: "functions-system-key" }),
    };
}
