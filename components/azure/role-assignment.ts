import * as authorization from "@pulumi/azure-native/authorization";
import type * as pulumi from "@pulumi/pulumi";
import type { DeployerPrincipalType } from "../config/types";
import { builtInRoles, roleDefinitionId } from "./ids";

/** One Azure RBAC grant: a built-in role for one principal on one scope. */
export interface RoleGrant {
    /** Subscription whose role definitions are used (built-in roles exist in every one). */
    readonly subscriptionId: string;
    /** Narrowest resource id that works: an account, a container, a subnet, one Key Vault secret. */
    readonly scope: pulumi.Input<string>;
    /** Object id of the principal (a managed identity's `principalId`, the deployer's object id). */
    readonly principalId: pulumi.Input<string>;
    /**
     * Kind of principal; default `ServicePrincipal` (managed identities are). Stated on every
     * assignment: Azure rejects one whose type differs from the principal's, and azure-native
     * would fill in `User`.
     */
    readonly principalType?: DeployerPrincipalType;
    /** The built-in role granted. */
    readonly role: keyof typeof builtInRoles;
    /** Why the principal needs it, shown in the portal. */
    readonly description: string;
}

/** Creates the role assignment for `grant`; `opts` carries the parent and any ordering. */
export function assignRole(
    name: string,
    grant: RoleGrant,
    opts: pulumi.CustomResourceOptions,
): authorization.RoleAssignment {
    return new authorization.RoleAssignment(
        name,
        {
            scope: grant.scope,
            principalId: grant.principalId,
            principalType: grant.principalType ?? "ServicePrincipal",
            roleDefinitionId: roleDefinitionId(grant.subscriptionId, builtInRoles[grant.role]),
            description: grant.description,
        },
        opts,
    );
}

/** Grants one role to the principal a {@link roleGranter} was made for; `id` ends the grant's name. */
export type RoleGranter = (
    id: string,
    scope: pulumi.Input<string>,
    role: RoleGrant["role"],
    description: string,
) => authorization.RoleAssignment;

/**
 * Grants for one principal: `grant(id, scope, role, description)` creates `<namePrefix>-<id>`.
 * For a component whose identity needs several roles.
 */
export function roleGranter(
    namePrefix: string,
    principal: Pick<RoleGrant, "subscriptionId" | "principalId" | "principalType">,
    opts: pulumi.CustomResourceOptions,
): RoleGranter {
    return (id, scope, role, description) =>
        assignRole(`${namePrefix}-${id}`, { ...principal, scope, role, description }, opts);
}
