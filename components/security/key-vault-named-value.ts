import * as apimanagement from "@pulumi/azure-native/apimanagement";
import * as pulumi from "@pulumi/pulumi";
import { assignRole } from "../azure/role-assignment";
import { RolePropagation } from "../azure/role-propagation";
import { keyVaultRolePropagationSeconds, type VaultSecret } from "./key-vault";

/** Arguments for {@link keyVaultNamedValue}. */
export interface KeyVaultNamedValueArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    /** API Management service the named value belongs to. */
    readonly serviceName: pulumi.Input<string>;
    /** Named value id and display name (`{{<id>}}` in policies and backend credentials). */
    readonly namedValueId: string;
    /** The vault secret it refers to. */
    readonly secret: VaultSecret;
    /** Object id of the service's system-assigned identity, which APIM uses to read the vault. */
    readonly gatewayPrincipalId: pulumi.Input<string>;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
}

/**
 * A secret named value that API Management reads from Key Vault with its system identity: read
 * access on that one secret, a wait until the grant is in effect (APIM fetches the secret when the
 * named value is written and fails the write without access), then the named value with the
 * secret's versionless URI, so a new version reaches the gateway without a deployment (APIM
 * refreshes Key Vault values within four hours).
 */
export function keyVaultNamedValue(
    name: string,
    args: KeyVaultNamedValueArgs,
    opts: pulumi.CustomResourceOptions,
): apimanagement.NamedValue {
    const reader = assignRole(
        `${name}-reader`,
        {
            subscriptionId: args.subscriptionId,
            scope: args.secret.resourceId,
            principalId: args.gatewayPrincipalId,
            role: "keyVaultSecretsUser",
            description: `Gateway reads the ${args.secret.name} secret for its named value`,
        },
        opts,
    );
    const readable = new RolePropagation(
        `${name}-reader-propagation`,
        { assignmentIds: [reader.id], seconds: keyVaultRolePropagationSeconds },
        opts,
    );
    return new apimanagement.NamedValue(
        name,
        {
            resourceGroupName: args.resourceGroupName,
            serviceName: args.serviceName,
            namedValueId: args.namedValueId,
            displayName: args.namedValueId,
            secret: true,
            // No identityClientId: the system-assigned identity, the only one a firewalled vault admits from APIM.
            keyVault: { secretIdentifier: args.secret.uri },
        },
        { ...opts, dependsOn: [readable] },
    );
}
