import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { tokenExchangeAudience } from "../azure/entra";
import type { ClientAuthConfig } from "../config/client-auth";
import type { WorkloadFederation } from "../tool-backend";
import { delegatedScope, gatewayPaths } from "functions-app/contract";
import { frontDoorSettingNames } from "functions-app/front-door/environment";
import { frontDoorGatewayPaths } from "functions-app/front-door/paths";

/** Tag marking the front door's app registration, so the policy pack can hold it to no secrets. */
export const frontDoorAppTag = "mcp-front-door";

/** Arguments for {@link ClientSignIn}. */
export interface ClientSignInArgs {
    readonly baseName: string;
    readonly owners: readonly string[];
    readonly tags: Readonly<Record<string, string>>;
    readonly clientAuth: ClientAuthConfig;
    /** The MCP app (`/applications/<object id>`), its client id and its delegated scope's id. */
    readonly mcpApplicationId: pulumi.Input<string>;
    readonly mcpAppClientId: pulumi.Input<string>;
    readonly mcpScopeId: string;
    /** The gateway's base URL: the front door's callback is below it. */
    readonly gatewayUrl: pulumi.Input<string>;
}

/**
 * Entra side of people signing in with MCP clients. Direct mode: the MCP app pre-authorizes the
 * configured public clients for `MCP.Access`. Front door mode: the front door's own app
 * registration (a confidential client with no password and no certificate), allowed to request
 * `MCP.Access` and pre-authorized by the MCP app, authenticating with the tool backend's workload
 * identity through a federated credential ({@link ClientSignIn.trustBackendWorkload}).
 */
export class ClientSignIn extends pulumi.ComponentResource {
    /** The front door's app (client) id; undefined unless `mcpClientAuth: frontDoor`. */
    public readonly frontDoorClientId?: pulumi.Output<string>;
    private readonly frontDoorApp?: azuread.Application;
    private readonly componentName: string;

    constructor(name: string, args: ClientSignInArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:identity:ClientSignIn", name, {}, opts);
        this.componentName = name;
        const preAuthorize = (id: string, clientId: pulumi.Input<string>) =>
            new azuread.ApplicationPreAuthorized(
                `${name}-pre-authorized-${id}`,
                {
                    applicationId: args.mcpApplicationId,
                    authorizedClientId: clientId,
                    permissionIds: [args.mcpScopeId],
                },
                { parent: this },
            );
        if (args.clientAuth.mode === "direct") {
            for (const clientId of args.clientAuth.preAuthorizedClientIds) preAuthorize(clientId, clientId);
        }
        if (args.clientAuth.mode === "frontDoor") {
            const tags = [...Object.entries(args.tags).map(([k, v]) => `${k}:${v}`), frontDoorAppTag];
            const app = new azuread.Application(
                `${name}-front-door-app`,
                {
                    displayName: `${args.baseName}-mcp-front-door`,
                    description:
                        "OAuth front door for MCP clients: signs users in and obtains MCP.Access tokens on their behalf. Authenticates with the tool backend's workload identity (federated credential), never a secret.",
                    signInAudience: "AzureADMyOrg",
                    owners: [...args.owners],
                    tags,
                    web: {
                        redirectUris: [
                            pulumi.interpolate`${args.gatewayUrl}${frontDoorGatewayPaths.issuer}/callback`,
                        ],
                        implicitGrant: { accessTokenIssuanceEnabled: false, idTokenIssuanceEnabled: false },
                    },
                    requiredResourceAccesses: [
                        {
                            resourceAppId: args.mcpAppClientId,
                            resourceAccesses: [{ id: args.mcpScopeId, type: "Scope" }],
                        },
                    ],
                },
                { parent: this },
            );
            new azuread.ServicePrincipal(
                `${name}-front-door-sp`,
                {
                    clientId: app.clientId,
                    owners: [...args.owners],
                    description: "OAuth front door for MCP clients",
                },
                { parent: this },
            );
            // Users approve each MCP client on the front door's own consent page; Entra does not ask again.
            preAuthorize("front-door", app.clientId);
            this.frontDoorApp = app;
            this.frontDoorClientId = app.clientId;
        }
        this.registerOutputs({ frontDoorClientId: this.frontDoorClientId });
    }

    /**
     * The front door's app accepts, as its client assertion, the token the tool backend's workload
     * proves itself with (audience `api://AzureADTokenExchange`): on Functions its managed identity's
     * token (issuer: this tenant's v2 endpoint, subject: the identity's object id), on AKS the
     * service account token the cluster issues. No-op outside front door mode.
     */
    trustBackendWorkload(federation: WorkloadFederation): void {
        if (!this.frontDoorApp) return;
        new azuread.ApplicationFederatedIdentityCredential(
            `${this.componentName}-front-door-fic`,
            {
                applicationId: this.frontDoorApp.id,
                displayName: federation.credentialName,
                description: federation.description,
                issuer: federation.issuer,
                subject: federation.subject,
                audiences: [tokenExchangeAudience],
            },
            { parent: this },
        );
    }
}

/** The tool service's `FRONT_DOOR_*` settings (functions-app/src/front-door/environment.ts); none is a secret. */
export function frontDoorServiceSettings(args: {
    readonly gatewayUrl: pulumi.Input<string>;
    readonly tenantId: string;
    readonly clientId: pulumi.Input<string>;
    readonly mcpAppIdUri: pulumi.Input<string>;
    readonly resourceName: string;
}): Record<string, pulumi.Input<string>> {
    const n = frontDoorSettingNames;
    return {
        [n.issuer]: pulumi.interpolate`${args.gatewayUrl}${frontDoorGatewayPaths.issuer}`,
        [n.resource]: pulumi.interpolate`${args.gatewayUrl}${gatewayPaths.mcp}`,
        [n.clientId]: args.clientId,
        [n.authority]: `https://login.microsoftonline.com/${args.tenantId}`,
        [n.scope]: pulumi.interpolate`${args.mcpAppIdUri}/${delegatedScope}`,
        [n.resourceName]: args.resourceName,
    };
}
