import * as apimanagement from "@pulumi/azure-native/apimanagement";
import * as pulumi from "@pulumi/pulumi";
import { frontDoorGatewayPaths } from "functions-app/front-door/paths";
import {
    defaultFrontDoorLimits,
    frontDoorOperations,
    renderFrontDoorPolicies,
    type FrontDoorLimits,
} from "./front-door-policies";
import { renderedPolicy } from "./render";

/** Arguments for {@link FrontDoorApis}. */
export interface FrontDoorApisArgs {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    readonly gatewayUrl: pulumi.Input<string>;
    /** APIM backend entity of the tool backend, which serves the front door. */
    readonly backendId: string;
    readonly limits?: FrontDoorLimits | undefined;
    /** Named values and the backend the policies refer to. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The OAuth front door on the gateway (`mcpClientAuth: frontDoor`): the issuer's API at `/oauth`
 * (register, authorize, consent, callback, token) and its RFC 8414 metadata at
 * `/.well-known/oauth-authorization-server/oauth`, both without token validation and forwarded to
 * the tool backend with the gateway's managed identity.
 */
export class FrontDoorApis extends pulumi.ComponentResource {
    public readonly issuer: pulumi.Output<string>;
    public readonly metadataUrl: pulumi.Output<string>;
    /** Rendered policy XML by document name. */
    public readonly policies: Readonly<Record<string, string>>;

    constructor(name: string, args: FrontDoorApisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:gateway:FrontDoorApis", name, {}, opts);
        const common = { resourceGroupName: args.resourceGroupName, serviceName: args.serviceName };
        const gatewayUrl = pulumi.output(args.gatewayUrl);
        this.issuer = pulumi.interpolate`${gatewayUrl}${frontDoorGatewayPaths.issuer}`;
        this.metadataUrl = pulumi.interpolate`${gatewayUrl}${frontDoorGatewayPaths.metadataPrefix}${frontDoorGatewayPaths.issuer}`;
        const operations = frontDoorOperations(args.limits ?? defaultFrontDoorLimits);
        const rendered = renderFrontDoorPolicies(args.backendId, operations);
        this.policies = {
            "front-door-api": rendered.api,
            ...Object.fromEntries(
                Object.entries(rendered.operations).map(([id, xml]) => [`front-door-operation:${id}`, xml]),
            ),
        };
        const policyDeps = { parent: this, dependsOn: args.dependsOn };

        const apis = {
            "front-door": new apimanagement.Api(
                `${name}-api`,
                {
                    ...common,
                    apiId: "front-door",
                    displayName: "OAuth front door for MCP clients",
                    description:
                        "Authorization server MCP clients sign in through: registration, authorization with consent, Entra sign-in, tokens.",
                    path: frontDoorGatewayPaths.issuer.slice(1),
                    protocols: ["https"],
                    apiType: "http",
                    subscriptionRequired: false,
                },
                { parent: this },
            ),
            "front-door-metadata": new apimanagement.Api(
                `${name}-metadata-api`,
                {
                    ...common,
                    apiId: "front-door-metadata",
                    displayName: "OAuth authorization server metadata",
                    description: "RFC 8414 metadata of the front door's issuer.",
                    path: frontDoorGatewayPaths.metadataPrefix.slice(1),
                    protocols: ["https"],
                    apiType: "http",
                    subscriptionRequired: false,
                },
                { parent: this },
            ),
        };
        for (const [apiKey, api] of Object.entries(apis)) {
            new apimanagement.ApiPolicy(
                `${name}-${apiKey}-policy`,
                { ...common, apiId: api.name, policyId: "policy", format: "xml", value: rendered.api },
                policyDeps,
            );
        }
        for (const op of operations) {
            const operation = new apimanagement.ApiOperation(
                `${name}-${op.id}`,
                {
                    ...common,
                    apiId: apis[op.api].name,
                    operationId: op.id,
                    displayName: `${op.method} ${op.urlTemplate}`,
                    method: op.method,
                    urlTemplate: op.urlTemplate,
                },
                { parent: this },
            );
            new apimanagement.ApiOperationPolicy(
                `${name}-${op.id}-policy`,
                {
                    ...common,
                    apiId: apis[op.api].name,
                    operationId: operation.name,
                    policyId: "policy",
                    format: "xml",
                    value: renderedPolicy(rendered.operations, op.id),
                },
                policyDeps,
            );
        }
        this.registerOutputs({ issuer: this.issuer, metadataUrl: this.metadataUrl });
    }
}
