/**
 * The OAuth front door's app registration (tagged `mcp-front-door`) signs users in on the gateway's
 * behalf, so a secret on it would be a standing credential for every user's sign-in. It must hold
 * no password and no certificate, and must authenticate with the tool backend's workload identity
 * through a federated credential (audience api://AzureADTokenExchange): a managed identity (issuer:
 * an Entra tenant's v2 endpoint) or an AKS workload's service account (issuer: the cluster's OIDC
 * issuer, subject `system:serviceaccount:<namespace>:<name>`).
 */
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { frontDoorAppTag } from "../../components/identity/client-sign-in";
import { frontDoorBackendPrefix, frontDoorEndpoints } from "functions-app/front-door/paths";
import { gatewayApis } from "./lib/apim-model";
import { reachesBackend, unconditionalInbound } from "./lib/apim-pipeline";
import { frontDoorRoute, isPerIpRateLimit } from "./lib/front-door-routes";
import { propOf, refersTo, stringPropOf } from "./lib/stack";
import { tokenExchangeAudience } from "../../components/azure/entra";

const applicationType = "azuread:index/application:Application";
const secretTypes: Readonly<Record<string, string>> = {
    "azuread:index/applicationPassword:ApplicationPassword": "a client secret (ApplicationPassword)",
    "azuread:index/applicationCertificate:ApplicationCertificate": "a certificate (ApplicationCertificate)",
};
const federatedCredentialType =
    "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential";
const guid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const managedIdentityIssuer = new RegExp(`^https://login\\.microsoftonline\\.com/${guid}/v2\\.0$`, "i");
/** AKS OIDC issuer: `https://<region>.oic.prod-aks.azure.com/<tenant>/<cluster guid>/`. */
const aksIssuer = new RegExp(`^https://[a-z0-9]+\\.oic\\.prod-aks\\.azure\\.com/${guid}/${guid}/$`, "i");
const serviceAccountSubject =
    /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** A workload identity the front door can run as: a managed identity, or an AKS service account. */
function isWorkloadCredential(credential: PolicyResource): boolean {
    const issuer = stringPropOf(credential, "issuer") ?? "";
    const subject = stringPropOf(credential, "subject") ?? "";
    const audiences = propOf(credential, "audiences") as unknown[] | undefined;
    return (
        audiences?.includes(tokenExchangeAudience) === true &&
        (managedIdentityIssuer.test(issuer) ||
            (aksIssuer.test(issuer) && serviceAccountSubject.test(subject)))
    );
}

/** A credential of `app`: its applicationId refers to it, or it was declared beside it (same parent component). */
function belongsTo(credential: PolicyResource, app: PolicyResource): boolean {
    return (
        refersTo(credential, "applicationId", app) ||
        (app.parent !== undefined && credential.parent?.urn === app.parent.urn)
    );
}

export const frontDoorSecretless: StackValidationPolicy = {
    name: "front-door-secretless",
    description:
        "The MCP OAuth front door's app registration has no password or certificate and authenticates with the tool backend's workload identity (federated credential).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const apps = args.resources.filter((r) => {
            const tags = propOf(r, "tags");
            return r.type === applicationType && Array.isArray(tags) && tags.includes(frontDoorAppTag);
        });
        if (apps.length === 0) return args.notApplicable("the stack has no OAuth front door app");
        for (const app of apps) {
            if (propOf(app, "password") !== undefined)
                report(
                    `Remove the password block from the front door's application "${app.name}"; it authenticates with the tool backend's workload identity through a federated credential.`,
                    app.urn,
                );
            for (const credential of args.resources) {
                const what = secretTypes[credential.type];
                if (what !== undefined && belongsTo(credential, app))
                    report(
                        `Remove ${what} "${credential.name}" from the front door's application "${app.name}"; its only credential is the tool backend's workload identity (federated credential).`,
                        credential.urn,
                    );
            }
            const federated = args.resources.filter(
                (r) => r.type === federatedCredentialType && belongsTo(r, app) && isWorkloadCredential(r),
            );
            if (federated.length === 0)
                report(
                    `The front door's application "${app.name}" has no federated credential from the tool backend's workload identity (audience ${tokenExchangeAudience}; issuer https://login.microsoftonline.com/<tenant>/v2.0 for a managed identity, or the AKS cluster's OIDC issuer with subject system:serviceaccount:<namespace>:<name>); without one it could only sign in with a secret.`,
                    app.urn,
                );
        }
    },
};

/** Front door endpoints an anonymous caller could flood: registrations fill storage, token requests call Entra. */
const limitedEndpoints: ReadonlySet<string> = new Set([
    frontDoorBackendPrefix + frontDoorEndpoints.register.path,
    frontDoorBackendPrefix + frontDoorEndpoints.token.path,
]);

export const frontDoorRateLimited: StackValidationPolicy = {
    name: "front-door-rate-limited",
    description:
        "The OAuth front door's registration and token operations, reachable without a token, are rate-limited per caller IP address.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const routed = gatewayApis(args.resources).flatMap((api) =>
            api.operations
                .filter((op) => reachesBackend(op.chain))
                .map((op) => ({ api, op, route: frontDoorRoute(op.chain) }))
                .filter((o) => o.route !== undefined && limitedEndpoints.has(o.route)),
        );
        if (routed.length === 0) return args.notApplicable("the stack has no OAuth front door operations");
        for (const { api, op, route } of routed) {
            if (!unconditionalInbound(op.chain).some(isPerIpRateLimit))
                report(
                    `API ${api.label} operation "${op.name}" (${route}) is public and has no per-IP rate limit; add <rate-limit-by-key counter-key="@(context.Request.IpAddress)" ...> to its inbound policy, outside any <choose>.`,
                    api.resource.urn,
                );
        }
    },
};
