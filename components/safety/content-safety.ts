import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import * as pulumi from "@pulumi/pulumi";
import { sendDiagnostics } from "../azure/diagnostics";
import { assignRole } from "../azure/role-assignment";

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
    /** Log Analytics workspace that receives the account's audit and request logs and metrics. */
    readonly workspaceId: pulumi.Input<string>;
    /** Tags put on the account. */
    readonly tags: Record<string, string>;
}

/**
 * An Azure AI Content Safety account the gateway screens tool traffic with: Entra authentication
 * only (local auth, i.e. keys, disabled), reached through its own subdomain, the gateway's identity
 * granted Cognitive Services User on this account alone, logs and metrics to the workspace.
 */
export class ContentSafety extends pulumi.ComponentResource {
    /** `https://<account>.cognitiveservices.azure.com/`: the base the gateway's calls use. */
    public readonly endpoint: pulumi.Output<string>;
    public readonly accountId: pulumi.Output<string>;
    /** The gateway's grant: policies that call the account depend on it. */
    public readonly gatewayGrant: pulumi.Resource;

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
                    // Public endpoint, Entra only: the gateway's SKUs here reach it over the internet
                    // (see README: Content screening, network).
                    publicNetworkAccess: "Enabled",
                },
                tags: args.tags,
            },
            { parent: this },
        );
        this.gatewayGrant = assignRole(
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
        this.accountId = account.id;
        // The custom subdomain's endpoint, from the account's name so users of it follow the account.
        this.endpoint = pulumi.interpolate`https://${account.name}.cognitiveservices.azure.com/`;
        this.registerOutputs({ endpoint: this.endpoint, accountId: this.accountId });
    }
}
