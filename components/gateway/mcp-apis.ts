import * as apimanagement from "@pulumi/azure-native/apimanagement";
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { gatewayPaths } from "functions-app/contract";
import { frontDoorGatewayPaths } from "functions-app/front-door/paths";
import type { VaultSecret } from "../security/key-vault";
import { keyVaultNamedValue } from "../security/key-vault-named-value";
import { FrontDoorApis } from "./front-door-apis";
import type { FrontDoorLimits } from "./front-door-policies";
import {
    contentSafetyEndpointNamedValue,
    gatewayNamedValues,
    mcpOperations,
    renderGatewayPolicies,
    type GatewayNamedValue,
    type GatewayPolicySettings,
} from "./policies";
import { renderedPolicy } from "./render";

/** Arguments for {@link McpApis}. */
export interface McpApisArgs {
    /** Resource group of the API Management service. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Name of the API Management service the APIs, named values and backend are added to. */
    readonly serviceName: pulumi.Input<string>;
    /**
     * Gateway base URL (`https://<service>.azure-api.net` or the custom domain), no trailing slash.
     */
    readonly gatewayUrl: pulumi.Input<string>;
    /** Object id of the gateway's managed identity: it is granted the backend's invoke role. */
    readonly gatewayPrincipalId: pulumi.Input<string>;
    /** Entra tenant whose tokens the policies accept (named value `mcp-tenant-id`). */
    readonly tenantId: string;
    /** Client id of the MCP API app registration: the audience of v2 tokens. */
    readonly mcpAppClientId: pulumi.Input<string>;
    /** App id URI of the MCP API (`api://<client id>`, or the MCP URL with a custom domain). */
    readonly mcpAppIdUri: pulumi.Input<string>;
    /** Base URL of the tool backend (Functions or AKS). */
    readonly backendUrl: pulumi.Input<string>;
    /** Audience the backend accepts (the gateway requests its managed identity token for it). */
    readonly backendAudience: pulumi.Input<string>;
    /** Backend app's service principal and the role that lets the gateway call it. */
    readonly backendServicePrincipalObjectId: pulumi.Input<string>;
    /** Id of the backend app role the gateway's identity is granted (a GUID). */
    readonly backendInvokeRoleId: string;
    /**
     * Functions backend only: the MCP extension's system key, as a Key Vault secret. A Key
     * Vault-backed named value presents it from the APIM backend as `x-functions-key`, so the MCP
     * endpoints answer even where the extension ignores `webhookAuthorizationLevel: Anonymous`.
     * Undefined for backends that need none.
     */
    readonly functionsKeySecret?: VaultSecret | undefined;
    /** Subscription the built-in role definitions are resolved in (the gateway's read on the vault secret). */
    readonly subscriptionId: string;
    /**
     * Rate limit, body limit, CORS origins and metadata name rendered into the policies (see GatewayPolicySettings).
     */
    readonly policy: Omit<GatewayPolicySettings, "backendId">;
    /** The OAuth front door for MCP clients (`mcpClientAuth: frontDoor`); absent: Entra is the authorization server. */
    readonly frontDoor?: { readonly limits?: FrontDoorLimits | undefined } | undefined;
    /**
     * Content Safety the screening policy calls (when `policy.contentScreening` is set): its endpoint
     * (a named value) and what the policy waits for (the gateway's role grant on it, and its private
     * endpoint's DNS record when it has one).
     */
    readonly contentSafety?:
        { readonly endpoint: pulumi.Input<string>; readonly ready: readonly pulumi.Resource[] } | undefined;
}

/** Backend entity id the policies route to. */
const backendId = "tool-backend";

/** Key Vault-backed named value (and vault secret) holding the Functions MCP extension's system key. */
export const functionsKeyNamedValue = "mcp-extension-key";

/** Header in which Azure Functions accepts a function or system key. */
export const functionsKeyHeader = "x-functions-key";

/**
 * The gateway's public surface: named values, the tool backend, the MCP API (Streamable HTTP and
 * legacy SSE), the Sentinel webhook API and the Protected Resource Metadata endpoint, each with its
 * rendered policy.
 */
export class McpApis extends pulumi.ComponentResource {
    public readonly mcpEndpoint: pulumi.Output<string>;
    public readonly mcpSseUrl: pulumi.Output<string>;
    public readonly sentinelWebhookUrl: pulumi.Output<string>;
    public readonly protectedResourceMetadataUrl: pulumi.Output<string>;
    /** Rendered policy XML by document name (for review and tests). */
    public readonly policies: Readonly<Record<string, string>>;
    /** The front door's issuer and metadata URL, when it is on. */
    public readonly frontDoor?: FrontDoorApis;

    constructor(name: string, args: McpApisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:gateway:McpApis", name, {}, opts);
        const common = { resourceGroupName: args.resourceGroupName, serviceName: args.serviceName };
        const gatewayUrl = pulumi.output(args.gatewayUrl);
        this.mcpEndpoint = pulumi.interpolate`${gatewayUrl}${gatewayPaths.mcp}`;
        this.mcpSseUrl = pulumi.interpolate`${gatewayUrl}${gatewayPaths.mcpSse}`;
        this.sentinelWebhookUrl = pulumi.interpolate`${gatewayUrl}${gatewayPaths.sentinelWebhook}`;
        // RFC 9728: metadata for the resource <gateway>/mcp lives at the well-known path + /mcp.
        this.protectedResourceMetadataUrl = pulumi.interpolate`${gatewayUrl}${gatewayPaths.protectedResourceMetadata}${gatewayPaths.mcp}`;

        // The gateway's identity is the only principal granted the backend role.
        const backendGrant = new azuread.AppRoleAssignment(
            `${name}-backend-grant`,
            {
                appRoleId: args.backendInvokeRoleId,
                principalObjectId: args.gatewayPrincipalId,
                resourceObjectId: args.backendServicePrincipalObjectId,
            },
            { parent: this },
        );

        const values: Record<GatewayNamedValue, pulumi.Input<string>> = {
            [gatewayNamedValues.tenantId]: args.tenantId,
            [gatewayNamedValues.mcpAppClientId]: args.mcpAppClientId,
            [gatewayNamedValues.mcpAppIdUri]: args.mcpAppIdUri,
            [gatewayNamedValues.mcpResourceUrl]: this.mcpEndpoint,
            [gatewayNamedValues.protectedResourceMetadataUrl]: this.protectedResourceMetadataUrl,
            [gatewayNamedValues.backendAudience]: args.backendAudience,
            [gatewayNamedValues.authorizationServer]: args.frontDoor
                ? pulumi.interpolate`${gatewayUrl}${frontDoorGatewayPaths.issuer}`
                : `https://login.microsoftonline.com/${args.tenantId}/v2.0`,
        };
        // None of these is a credential: the backend is reached with a managed identity, not a key.
        const namedValues = Object.entries(values).map(
            ([nvName, value]) =>
                new apimanagement.NamedValue(
                    `${name}-nv-${nvName}`,
                    { ...common, namedValueId: nvName, displayName: nvName, value, secret: false },
                    { parent: this },
                ),
        );

        if ((args.policy.contentScreening === undefined) !== (args.contentSafety === undefined))
            throw new Error(
                "content screening needs a Content Safety account, and the account needs screening on",
            );
        const contentSafetyEndpoint = args.contentSafety
            ? new apimanagement.NamedValue(
                  `${name}-nv-${contentSafetyEndpointNamedValue}`,
                  {
                      ...common,
                      namedValueId: contentSafetyEndpointNamedValue,
                      displayName: contentSafetyEndpointNamedValue,
                      value: args.contentSafety.endpoint,
                      secret: false,
                  },
                  { parent: this },
              )
            : undefined;

        // The one credential among them lives in Key Vault; APIM reads it with its own identity.
        const functionsKey =
            args.functionsKeySecret === undefined
                ? undefined
                : keyVaultNamedValue(
                      `${name}-nv-${functionsKeyNamedValue}`,
                      {
                          ...common,
                          namedValueId: functionsKeyNamedValue,
                          secret: args.functionsKeySecret,
                          gatewayPrincipalId: args.gatewayPrincipalId,
                          subscriptionId: args.subscriptionId,
                      },
                      { parent: this },
                  );

        const backend = new apimanagement.Backend(
            `${name}-backend`,
            {
                ...common,
                backendId,
                title: "MCP tool backend",
                description: functionsKey
                    ? "Reached with the gateway's managed identity (authentication-managed-identity) and the MCP extension's system key."
                    : "Reached with the gateway's managed identity (authentication-managed-identity).",
                protocol: "http",
                url: args.backendUrl,
                ...(functionsKey
                    ? { credentials: { header: { [functionsKeyHeader]: [`{{${functionsKeyNamedValue}}}`] } } }
                    : {}),
                tls: { validateCertificateChain: true, validateCertificateName: true },
            },
            { parent: this, dependsOn: [backendGrant, ...(functionsKey ? [functionsKey] : [])] },
        );

        this.policies = (() => {
            const p = renderGatewayPolicies({ ...args.policy, backendId });
            return {
                "mcp-api": p.mcpApi,
                "sentinel-api": p.sentinelApi,
                "protected-resource-metadata": p.protectedResourceMetadata,
                ...Object.fromEntries(
                    Object.entries(p.mcpOperations).map(([id, xml]) => [`mcp-operation:${id}`, xml]),
                ),
            };
        })();
        const policyDeps = {
            parent: this,
            dependsOn: [
                ...namedValues,
                backend,
                ...(contentSafetyEndpoint && args.contentSafety
                    ? [contentSafetyEndpoint, ...args.contentSafety.ready]
                    : []),
            ],
        };

        // MCP API: token-protected, no subscription keys (identity is the token).
        const mcpApi = new apimanagement.Api(
            `${name}-mcp-api`,
            {
                ...common,
                apiId: "mcp",
                displayName: "MCP tools",
                description:
                    "Model Context Protocol: Streamable HTTP at /mcp, legacy HTTP+SSE at /mcp/sse and /mcp/message.",
                path: gatewayPaths.mcp.slice(1),
                protocols: ["https"],
                apiType: "http",
                subscriptionRequired: false,
            },
            { parent: this },
        );
        new apimanagement.ApiPolicy(
            `${name}-mcp-api-policy`,
            {
                ...common,
                apiId: mcpApi.name,
                policyId: "policy",
                format: "xml",
                value: renderedPolicy(this.policies, "mcp-api"),
            },
            policyDeps,
        );
        for (const op of mcpOperations) {
            const operation = new apimanagement.ApiOperation(
                `${name}-${op.id}`,
                {
                    ...common,
                    apiId: mcpApi.name,
                    operationId: op.id,
                    displayName: op.name,
                    method: op.method,
                    urlTemplate: op.urlTemplate,
                },
                { parent: this },
            );
            new apimanagement.ApiOperationPolicy(
                `${name}-${op.id}-policy`,
                {
                    ...common,
                    apiId: mcpApi.name,
                    operationId: operation.name,
                    policyId: "policy",
                    format: "xml",
                    value: renderedPolicy(this.policies, `mcp-operation:${op.id}`),
                },
                policyDeps,
            );
        }

        const sentinelPrefix = "/sentinel";
        const sentinelApi = new apimanagement.Api(
            `${name}-sentinel-api`,
            {
                ...common,
                apiId: "sentinel",
                displayName: "Sentinel incident webhook",
                description: "Microsoft Sentinel playbooks post incidents here for analysis.",
                path: sentinelPrefix.slice(1),
                protocols: ["https"],
                apiType: "http",
                subscriptionRequired: false,
            },
            { parent: this },
        );
        new apimanagement.ApiOperation(
            `${name}-sentinel-webhook`,
            {
                ...common,
                apiId: sentinelApi.name,
                operationId: "sentinel-webhook",
                displayName: "Analyze incident",
                method: "POST",
                urlTemplate: gatewayPaths.sentinelWebhook.slice(sentinelPrefix.length),
            },
            { parent: this },
        );
        new apimanagement.ApiPolicy(
            `${name}-sentinel-api-policy`,
            {
                ...common,
                apiId: sentinelApi.name,
                policyId: "policy",
                format: "xml",
                value: renderedPolicy(this.policies, "sentinel-api"),
            },
            policyDeps,
        );

        // Protected Resource Metadata: public by design, answered by the gateway itself.
        const prmApi = new apimanagement.Api(
            `${name}-prm-api`,
            {
                ...common,
                apiId: "protected-resource-metadata",
                displayName: "OAuth Protected Resource Metadata",
                description: "RFC 9728 metadata MCP clients read to find the authorization server.",
                path: gatewayPaths.protectedResourceMetadata.slice(1),
                protocols: ["https"],
                apiType: "http",
                subscriptionRequired: false,
            },
            { parent: this },
        );
        for (const [id, urlTemplate] of [
            ["prm-root", "/"],
            ["prm-mcp", gatewayPaths.mcp],
        ] as const) {
            new apimanagement.ApiOperation(
                `${name}-${id}`,
                {
                    ...common,
                    apiId: prmApi.name,
                    operationId: id,
                    displayName: `Metadata ${urlTemplate}`,
                    method: "GET",
                    urlTemplate,
                },
                { parent: this },
            );
        }
        new apimanagement.ApiPolicy(
            `${name}-prm-api-policy`,
            {
                ...common,
                apiId: prmApi.name,
                policyId: "policy",
                format: "xml",
                value: renderedPolicy(this.policies, "protected-resource-metadata"),
            },
            policyDeps,
        );

        if (args.frontDoor) {
            this.frontDoor = new FrontDoorApis(
                `${name}-front-door`,
                {
                    ...common,
                    gatewayUrl,
                    backendId,
                    limits: args.frontDoor.limits,
                    dependsOn: [...namedValues, backend],
                },
                { parent: this },
            );
            this.policies = { ...this.policies, ...this.frontDoor.policies };
        }

        this.registerOutputs({
            mcpEndpoint: this.mcpEndpoint,
            mcpSseUrl: this.mcpSseUrl,
            sentinelWebhookUrl: this.sentinelWebhookUrl,
            protectedResourceMetadataUrl: this.protectedResourceMetadataUrl,
        });
    }
}
