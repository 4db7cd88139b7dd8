/**
 * How policies judge a resource's network exposure: its public network access, the gateway's VNet
 * connection, and the private endpoints that reach a resource.
 */
import { PolicyResource } from "@pulumi/policy";
import { idRefersTo, propOf, refersTo } from "./stack";

/**
 * What a resource's `publicNetworkAccess` leaves open: the value found (`Enabled` when left out,
 * Azure's default), or undefined when it is disabled.
 */
export function openPublicAccess(value: unknown): string | undefined {
    const access = typeof value === "string" && value !== "" ? value : "Enabled";
    return access.toLowerCase() === "disabled" ? undefined : access;
}

/** The start of the message asking for `field` to be disabled on `what`. */
export function disablePublicAccess(field: string, what: string, found: string): string {
    return `Set ${field}: "Disabled" on the ${what} (found ${found})`;
}

type Props = Record<string, unknown>;

/** Whether a property value is an object (a nested property bag), not a list or a scalar. */
export const isProps = (value: unknown): value is Props =>
    value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Whether an API Management service is connected to a VNet: injected (Developer/Premium) or
 * integrated for outbound calls (StandardV2/PremiumV2); either way it can reach private endpoints.
 */
export function gatewayInVnet(apim: PolicyResource): boolean {
    const type = propOf(apim, "virtualNetworkType");
    const config = propOf(apim, "virtualNetworkConfiguration");
    return (
        (typeof type === "string" && type !== "None") ||
        (isProps(config) && typeof config.subnetResourceId === "string" && config.subnetResourceId !== "")
    );
}

/**
 * The private endpoints in `resources` whose connection reaches `target`'s sub-resource `groupId`.
 * An endpoint counts when the engine says its connections come from the target, or when a
 * connection's `privateLinkServiceId` names it; a connection that states its group ids must list
 * `groupId`.
 */
export function privateEndpointsTo(
    resources: readonly PolicyResource[],
    target: PolicyResource,
    groupId: string,
): PolicyResource[] {
    return resources.filter((pe) => {
        if (pe.type !== "azure-native:network:PrivateEndpoint") return false;
        const raw = propOf(pe, "privateLinkServiceConnections");
        const connections = Array.isArray(raw) ? raw.filter(isProps) : [];
        const servesGroup = (c: Props) =>
            !Array.isArray(c.groupIds) ||
            c.groupIds.some((g) => typeof g === "string" && g.toLowerCase() === groupId.toLowerCase());
        if (refersTo(pe, "privateLinkServiceConnections", target))
            return connections.length === 0 || connections.some(servesGroup);
        return connections.some(
            (c) =>
                typeof c.privateLinkServiceId === "string" &&
                idRefersTo(c.privateLinkServiceId, target) &&
                servesGroup(c),
        );
    });
}
