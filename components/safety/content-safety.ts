import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";
import { assignRole } from "../azure/role-assignment";
import type { StackConfig } from "../config/types";
import type { PrivateLinkService } from "../network/network";
import { privateEndpointTo, type NamedPrivateEndpointPlacement } from "../network/private-endpoint";

/** Private link services the backend's network needs for the gateway to reach Content Safety. */
export function contentSafetyPrivateLinkServices(
    config: Pick<StackConfig, "contentSafety">,
): PrivateLinkService[] {
    return config.contentSafety ? ["cognitiveServices"] : [];
}

/** Arguments for {@link ContentSafety}. */
export interface ContentSafetyArgs {
    /** Resource group that holds the account. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the account (Prompt Shields is offered in most Content Safety regions). */
    readonly location: pulumi.Input<string>;
    /** Globally unique account name; also its custom subdomain, which Entra authentication needs. */
    readonly accountName: string;
    /** Subscription the built-in role definitions are resolved in. */
    readonly subscriptionId: string;
    /** Object id of the API Management identity that calls the account (`authentication-managed-identity`). */
    readonly gatewayPrincipalId: pulumi.Input<string>;
    /**
     * Private endpoint (group `account`) in the VNet the gateway is connected to; with it public
     * network access is disabled and the firewall denies by default. Without it (a gateway outside
     * any VNet) the account is public, and reached with Entra tokens only.
     */
    readonly privateEndpoint?: NamedPrivateEndpointPlacement | undefined;
    /** Log Analytics workspace that receives the account's audit and request logs and metrics. */
    readonly workspaceId: pulumi.Input<string>;
    /** Tags put on the account. */
    readonly tags: Record<string, string>;
}

/**
 * An Azure AI Content Safety account the gateway screens tool traffic with: Entra authentication
 * only (local auth, i.e. keys, disabled), reached through its own subdomain (privately, through a
 * private endpoint, when the gateway is in a VNet), the gateway's identity granted Cognitive
 * Services User on this account alone, logs and metrics to the workspace.
 */
export class ContentSafety extends pulumi.ComponentResource {
    /** `https://<account>.cognitiveservices.azure.com/`: the base the gateway's calls use. */
    public readonly endpoint: pulumi.Output<string>;
    public readonly accountId: pulumi.Output<string>;
    /**
     * What must exist before the gateway calls the account: its grant and, with a private
     * endpoint, the endpoint's DNS record. Policies that call the account depend on these.
     */
    public readonly gatewayReady: readonly pulumi.Resource[];

    constructor(name: string, args: ContentSafetyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:safety:ContentSafety", name, {}, opts);
        const account = new cognitiveservices.Account(
            `${name}-account`,
            {
                resourceGroupName: args.resourceGroupName,
                location: args.location,
                accountName: args.accountName,
                kind: "ContentSafety",
                sku: { name: "S0" },
                properties: {
                    // A custom subdomain is what lets Entra tokens (not keys) authenticate.
                    customSubDomainName: args.accountName,
                    disableLocalAuth: true,
                    // A gateway in a VNet reaches the account through its private endpoint, and the
                    // internet not at all; one outside any VNet reaches it publicly, Entra only.
                    ...(args.privateEndpoint
                        ? {
                              publicNetworkAccess: "Disabled",
                              networkAcls: { defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] },
                          }
                        : { publicNetworkAccess: "Enabled" }),
                },
                tags: args.tags,
            },
            { parent: this },
        );
        const grant = assignRole(
            `${name}-gateway-user`,
            {
                subscriptionId: args.subscriptionId,
                scope: account.id,
                principalId: args.gatewayPrincipalId,
                role: "cognitiveServicesUser",
                description:
                    "Gateway screens tool traffic with Content Safety (Prompt Shields, text analysis)",
            },
            { parent: this },
        );
        sendDiagnostics(
            `${name}-diagnostics`,
            { resourceUri: account.id, workspaceId: args.workspaceId },
            { parent: this },
        );
        const privateEndpoint = args.privateEndpoint
            ? privateEndpointTo(
                  `${name}-pe`,
                  {
                      resourceGroupName: args.resourceGroupName,
                      location: args.location,
                      endpointName: args.privateEndpoint.endpointName,
                      resourceId: account.id,
                      groupId: "account",
                      placement: args.privateEndpoint,
                      tags: args.tags,
                  },
                  { parent: this },
              )
            : undefined;
        this.gatewayReady = privateEndpoint ? [grant, privateEndpoint.dnsZoneGroup] : [grant];
        this.accountId = account.id;
        // The custom subdomain's endpoint, from the account's name so users of it follow the account;
        // in a VNet the private DNS zone resolves the same name to the private endpoint.
        this.endpoint = pulumi.interpolate`https://${account.name}.cognitiveservices.azure.com/`;
        this.registerOutputs({ endpoint: this.endpoint, accountId: this.accountId });
    }
}
