import * as keyvault from "@pulumi/azure-native/keyvault";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";
import { assignRole } from "../azure/role-assignment";
import { RolePropagation } from "../azure/role-propagation";
import type { DeployerPrincipalType } from "../config/types";
import { privateEndpointTo, type NamedPrivateEndpointPlacement } from "../network/private-endpoint";
import { keyVaultNameProblems, keyVaultSecretName } from "./names";

/** Pulumi type of {@link KeyVault}. */
export const keyVaultType = "agents:security:KeyVault";

/**
 * A new role assignment can take about five minutes to apply; anything that uses a fresh grant in
 * the same `up` (the deployer's write, the gateway's read) waits this long once.
 */
export const keyVaultRolePropagationSeconds = 300;

/** Soft-delete retention Azure accepts (days); fixed when the vault is created. */
export const softDeleteRetentionRange = { min: 7, max: 90 } as const;

/** Arguments for {@link KeyVault}. */
export interface KeyVaultArgs {
    /** Resource group that holds the vault and its private endpoint. */
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location: pulumi.Input<string>;
    /** Globally unique vault name (`keyVaultName`): 3-24 characters, reserved while soft-deleted. */
    readonly vaultName: string;
    /** Entra tenant whose identities the vault authorizes. */
    readonly tenantId: string;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /**
     * Days a deleted vault or secret can be recovered (7-90). Azure fixes it at creation; with purge
     * protection nothing shortens it, and the vault name stays taken for that long after a delete.
     */
    readonly softDeleteRetentionDays: number;
    /** Who writes the secrets (the identity running `pulumi up`): granted Key Vault Secrets Officer. */
    readonly writer: {
        readonly principalId: pulumi.Input<string>;
        readonly principalType: DeployerPrincipalType;
    };
    /** Log Analytics workspace for the vault's audit logs and metrics. */
    readonly workspaceId: pulumi.Input<string>;
    /**
     * Private endpoint (group `vault`) for readers in a VNet (the AKS backend's), registered in the
     * network's `privatelink.vaultcore.azure.net` zone. Default: none.
     */
    readonly privateEndpoint?: NamedPrivateEndpointPlacement | undefined;
    readonly tags: Record<string, string>;
}

/** One secret in the vault, as its readers refer to it. */
export interface VaultSecret {
    /** Secret name in the vault. */
    readonly name: string;
    /** ARM id of the secret: the narrowest scope a reader's role assignment can have. */
    readonly resourceId: pulumi.Output<string>;
    /** Versionless URI (`https://<vault>.vault.azure.net/secrets/<name>`): readers follow rotation. */
    readonly uri: pulumi.Output<string>;
}

/** What a secret holds, for people reading the vault (`contentType`). */
export interface VaultSecretArgs {
    /** The secret value; stored in Pulumi state as a secret as well. */
    readonly value: pulumi.Input<string>;
    /** Shown as the secret's content type, e.g. `webhook-url`. */
    readonly contentType: string;
}

/**
 * The control plane's Key Vault: Azure RBAC authorization (no access policies), soft delete with
 * purge protection, no public network access (readers come through trusted-service access or the
 * private endpoint), and audit logs to the workspace. Secrets are written through Azure Resource
 * Manager by the deploying identity, which holds Key Vault Secrets Officer on the vault.
 */
export class KeyVault extends pulumi.ComponentResource {
    public readonly vaultName: pulumi.Output<string>;
    public readonly vaultId: pulumi.Output<string>;
    /** `https://<name>.vault.azure.net/` (another cloud's suffix elsewhere). */
    public readonly vaultUri: pulumi.Output<string>;
    private readonly resourceGroupName: pulumi.Input<string>;
    private readonly writable: pulumi.Resource;
    private readonly componentName: string;

    constructor(name: string, args: KeyVaultArgs, opts?: pulumi.ComponentResourceOptions) {
        super(keyVaultType, name, {}, opts);
        const problems = keyVaultNameProblems(args.vaultName);
        const { min, max } = softDeleteRetentionRange;
        if (
            !Number.isInteger(args.softDeleteRetentionDays) ||
            args.softDeleteRetentionDays < min ||
            args.softDeleteRetentionDays > max
        )
            problems.push(
                `soft-delete retention must be ${min}-${max} days (got ${args.softDeleteRetentionDays})`,
            );
        if (problems.length > 0) throw new Error(problems.join("; "));

        const vault = new keyvault.Vault(
            `${name}-vault`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                vaultName: args.vaultName,
                properties: {
                    tenantId: args.tenantId,
                    sku: { family: "A", name: "standard" },
                    // Data access by Azure RBAC only: role assignments are audited and scoped per secret.
                    enableRbacAuthorization: true,
                    accessPolicies: [],
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: args.softDeleteRetentionDays,
                    // Irreversible: Azure refuses `false` once it is on.
                    enablePurgeProtection: true,
                    enabledForDeployment: false,
                    enabledForDiskEncryption: false,
                    enabledForTemplateDeployment: false,
                    // API Management reads named values through trusted-service access (a
                    // control-plane read, not its VNet), which a disabled public network still admits
                    // with the AzureServices bypass; nothing else comes in from outside.
                    publicNetworkAccess: "Disabled",
                    networkAcls: {
                        bypass: "AzureServices",
                        defaultAction: "Deny",
                        ipRules: [],
                        virtualNetworkRules: [],
                    },
                },
                tags: args.tags,
            },
            { parent: this },
        );
        sendDiagnostics(
            `${name}-diagnostics`,
            { resourceUri: vault.id, workspaceId: args.workspaceId },
            { parent: this },
        );

        const writer = assignRole(
            `${name}-writer`,
            {
                subscriptionId: args.subscriptionId,
                scope: vault.id,
                principalId: args.writer.principalId,
                principalType: args.writer.principalType,
                role: "keyVaultSecretsOfficer",
                description: "The deploying identity writes the control plane's secrets",
            },
            { parent: this },
        );
        this.writable = new RolePropagation(
            `${name}-writer-propagation`,
            { assignmentIds: [writer.id], seconds: keyVaultRolePropagationSeconds },
            { parent: this },
        );

        if (args.privateEndpoint)
            privateEndpointTo(
                `${name}-pe`,
                {
                    resourceGroupName: args.resourceGroupName,
                    location: args.location,
                    endpointName: args.privateEndpoint.endpointName,
                    resourceId: vault.id,
                    groupId: "vault",
                    // The name the endpoint was created with, before it used the shared helper.
                    connectionName: `${args.vaultName}-vault`,
                    placement: args.privateEndpoint,
                    tags: args.tags,
                },
                { parent: this },
            );

        this.resourceGroupName = args.resourceGroupName;
        this.componentName = name;
        this.vaultName = vault.name;
        this.vaultId = vault.id;
        this.vaultUri = vault.properties.apply((p) => p.vaultUri);
        this.registerOutputs({ vaultName: this.vaultName, vaultUri: this.vaultUri });
    }

    /**
     * Stores `args.value` as secret `secretName`, after the deployer's write access is in effect.
     * A new value is a new version under the same versionless URI.
     */
    public secret(secretName: string, args: VaultSecretArgs): VaultSecret {
        const secret = new keyvault.Secret(
            `${this.componentName}-secret-${keyVaultSecretName(secretName)}`,
            {
                resourceGroupName: this.resourceGroupName,
                vaultName: this.vaultName,
                secretName,
                properties: { value: pulumi.secret(args.value), contentType: args.contentType },
            },
            { parent: this, dependsOn: [this.writable] },
        );
        return {
            name: secretName,
            resourceId: secret.id,
            uri: secret.properties.apply((p) => p.secretUri),
        };
    }
}
