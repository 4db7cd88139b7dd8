import * as assert from "node:assert/strict";
import type { RecordedResource } from "../../../policypacks/control-plane/evaluate";
import { frontDoorAppTag } from "../../../components/identity/client-sign-in";
import {
    frontDoorOperations,
    renderFrontDoorPolicies,
} from "../../../components/gateway/front-door-policies";
import { PolicyCase } from "../harness";
import { compliantStack, plus, resource, urnOf } from "../fixtures";

const signIn = urnOf("agents:identity:ClientSignIn", "client-sign-in");
const appUrn = urnOf("azuread:index/application:Application", "front-door-app");

/** The front door's app, its service principal and its managed identity credential, as the program declares them. */
function frontDoorIdentity(): RecordedResource[] {
    const child = (r: RecordedResource): RecordedResource => ({ ...r, parent: signIn });
    return [
        { ...resource("agents:identity:ClientSignIn", "client-sign-in", {}), custom: false },
        child(
            resource("azuread:index/application:Application", "front-door-app", {
                displayName: "agents-dev-mcp-front-door",
                signInAudience: "AzureADMyOrg",
                tags: ["environment:dev", frontDoorAppTag],
                web: { redirectUris: ["https://apim-agents-dev.azure-api.net/oauth/callback"] },
            }),
        ),
        {
            ...child(
                resource(
                    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
                    "front-door-fic",
                    {
                        applicationId: "/applications/front-door-object-id",
                        displayName: "tool-backend-managed-identity",
                        issuer: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
                        subject: "2f0bb067-dda4-4465-8c5f-a29762ba1d2f",
                        audiences: ["api://AzureADTokenExchange"],
                    },
                ),
            ),
            propertyDependencies: { applicationId: [appUrn] },
        },
    ];
}

/** The credential as the AKS backend declares it: the cluster's OIDC issuer and the workload's service account. */
const aksWorkload = (fic: RecordedResource): RecordedResource => ({
    ...fic,
    inputs: {
        ...fic.inputs,
        displayName: "tool-backend-aks-workload",
        issuer: "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d/",
        subject: "system:serviceaccount:mcp-tools:mcp-tools",
    },
});

const withIdentity = (...extra: RecordedResource[]) =>
    plus(compliantStack(), ...frontDoorIdentity(), ...extra);

/** The front door's APIM API and operations with the policies the program renders. */
function frontDoorGateway(edit: (xml: string) => string = (x) => x): RecordedResource[] {
    const common = { resourceGroupName: "agents-dev-rg", serviceName: "apim-agents-dev" };
    const operations = frontDoorOperations().filter((op) => op.api === "front-door");
    const rendered = renderFrontDoorPolicies("mcp-backend", operations);
    return [
        resource("azure-native:apimanagement:Api", "front-door-api", {
            ...common,
            apiId: "front-door",
            path: "oauth",
            protocols: ["https"],
            subscriptionRequired: false,
        }),
        resource("azure-native:apimanagement:ApiPolicy", "front-door-api-policy", {
            ...common,
            apiId: "front-door",
            policyId: "policy",
            format: "xml",
            value: rendered.api,
        }),
        ...operations.flatMap((op) => [
            resource("azure-native:apimanagement:ApiOperation", `front-door-${op.id}`, {
                ...common,
                apiId: "front-door",
                operationId: op.id,
                method: op.method,
                urlTemplate: op.urlTemplate,
                displayName: op.id,
            }),
            resource("azure-native:apimanagement:ApiOperationPolicy", `front-door-${op.id}-policy`, {
                ...common,
                apiId: "front-door",
                operationId: op.id,
                policyId: "policy",
                format: "xml",
                value: edit(rendered.operations[op.id] ?? assert.fail(`no policy rendered for ${op.id}`)),
            }),
        ]),
    ];
}

export const frontDoorCases: PolicyCase[] = [
    {
        policy: "front-door-secretless",
        title: "the front door's app with only its managed identity credential",
        resources: () => withIdentity(),
    },
    {
        policy: "front-door-secretless",
        title: "a client secret added to the front door's app",
        resources: () =>
            withIdentity({
                ...resource("azuread:index/applicationPassword:ApplicationPassword", "front-door-secret", {
                    applicationId: "/applications/front-door-object-id",
                    displayName: "quick fix",
                }),
                propertyDependencies: { applicationId: [appUrn] },
            }),
        message:
            /Remove a client secret \(ApplicationPassword\) "front-door-secret" from the front door's application/,
    },
    {
        policy: "front-door-secretless",
        title: "a password block on the front door's app",
        resources: () =>
            withIdentity().map((r) =>
                r.name === "front-door-app"
                    ? { ...r, inputs: { ...r.inputs, password: { displayName: "x" } } }
                    : r,
            ),
        message: /Remove the password block from the front door's application "front-door-app"/,
    },
    {
        policy: "front-door-secretless",
        title: "a certificate declared beside the front door's app",
        resources: () =>
            withIdentity({
                ...resource(
                    "azuread:index/applicationCertificate:ApplicationCertificate",
                    "front-door-cert",
                    {
                        applicationId: "/applications/front-door-object-id",
                        type: "AsymmetricX509Cert",
                        value: "-----BEGIN CERTIFICATE-----",
                    },
                ),
                parent: signIn,
            }),
        message: /Remove a certificate \(ApplicationCertificate\) "front-door-cert"/,
    },
    {
        policy: "front-door-secretless",
        title: "a front door app whose only credential trusts GitHub, not the backend's workload",
        resources: () =>
            withIdentity().map((r) =>
                r.name === "front-door-fic"
                    ? { ...r, inputs: { ...r.inputs, issuer: "https://token.actions.githubusercontent.com" } }
                    : r,
            ),
        message: /has no federated credential from the tool backend's workload identity/,
    },
    {
        policy: "front-door-secretless",
        title: "the front door's app trusting the AKS tool workload's service account",
        resources: () => withIdentity().map((r) => (r.name === "front-door-fic" ? aksWorkload(r) : r)),
    },
    {
        policy: "front-door-secretless",
        title: "a front door app trusting an AKS cluster's issuer for something other than a service account",
        resources: () =>
            withIdentity().map((r) =>
                r.name === "front-door-fic"
                    ? {
                          ...aksWorkload(r),
                          inputs: { ...aksWorkload(r).inputs, subject: "system:node:aks-1" },
                      }
                    : r,
            ),
        message: /has no federated credential from the tool backend's workload identity/,
    },
    {
        policy: "front-door-rate-limited",
        title: "registration and token operations limited per caller IP",
        resources: () => plus(compliantStack(), ...frontDoorGateway()),
    },
    {
        policy: "front-door-rate-limited",
        title: "the token operation without its per-IP limit",
        resources: () =>
            plus(
                compliantStack(),
                ...frontDoorGateway((xml) =>
                    xml.includes("/api/oauth/token")
                        ? xml.replace(/<rate-limit-by-key[^>]*>(<\/rate-limit-by-key>)?/, "")
                        : xml,
                ),
            ),
        message: /operation "oauth-token" \(\/api\/oauth\/token\) is public and has no per-IP rate limit/,
    },
    {
        policy: "apim-api-validates-tokens",
        title: "the front door's public operations, each forwarding to one front door endpoint",
        resources: () => plus(compliantStack(), ...frontDoorGateway()),
    },
    {
        policy: "apim-api-validates-tokens",
        title: "an operation of the front door's API that leaves the front door by a dot-dot path",
        resources: () =>
            plus(
                compliantStack(),
                ...frontDoorGateway((xml) =>
                    xml.replace(
                        'template="/api/oauth/authorize"',
                        'template="/api/oauth/../../runtime/webhooks/mcp"',
                    ),
                ),
            ),
        message: /operation "oauth-authorize": requests reach the backend without token validation/,
    },
];
