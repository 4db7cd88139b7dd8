/**
 * Gateway policies that one APIM resource answers on its own: well-formed policy documents,
 * per-caller rate-limit keys, no caller token or inline credential passed on, secret named
 * values, HTTPS, SKU and identity of the service, and diagnostics that keep streams streaming.
 */
import * as apim from "@pulumi/azure-native/apimanagement";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ApimSkuSettings, apimSkuSchema, defaultApimSkus, environmentOf, settings } from "./config";
import { readsAppIdClaim, readsAuthorizationHeader, variablesSet, withVariables } from "./lib/apim-pipeline";
import { frontDoorEndpointOf, isPerIpRateLimit } from "./lib/front-door-routes";
import { checkPolicyExpressions } from "../../local-gateway/src/expressions/check";
import { policyDocumentOf } from "./lib/apim-resources";
import { isPrivateHost } from "./lib/arm";
import { looksLikeSecretName, looksLikeSecretValue } from "./lib/secrets";
import { XmlElement, descendants } from "./lib/xml";

export const apimPolicyWellFormed: ResourceValidationPolicy = {
    name: "apim-policy-well-formed",
    description: "APIM policies are inline, well-formed policy documents the pack can read.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const doc = policyDocumentOf(args);
        if (doc === undefined) {
            return args.notApplicable("not an APIM policy resource");
        }
        if (!doc.ok) {
            report(`Fix the policy document: ${doc.error}.`);
        }
    },
};

export const apimPolicyExpressionsAllowed: ResourceValidationPolicy = {
    name: "apim-policy-expressions-allowed",
    description:
        "Every APIM policy expression parses as C# and uses only the .NET types and members APIM allows in expressions.",
    enforcementLevel: "mandatory",
    validateResource: async (args, report) => {
        const doc = policyDocumentOf(args);
        if (doc === undefined) return args.notApplicable("not an APIM policy resource");
        // A document that is not well-formed is apim-policy-well-formed's finding.
        if (!doc.ok) return;
        const problems = await checkPolicyExpressions(args.name, String(args.props.value));
        for (const p of problems) report(`Fix the policy expression on line ${p.line}: ${p.message}.`);
    },
};

/** Every element of a parsed policy document, or none when the resource is not a readable policy. */
function policyElements(args: Parameters<typeof policyDocumentOf>[0]): XmlElement[] | undefined {
    const doc = policyDocumentOf(args);
    if (doc === undefined) {
        return undefined;
    }
    return doc.ok ? descendants(doc.document.root) : [];
}

export const apimRateLimitKeyedOnAppId: ResourceValidationPolicy = {
    name: "apim-rate-limit-keyed-on-app-id",
    description: "Per-caller rate limits count calls by the caller's application id (azp/appid claim).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const elements = policyElements(args);
        if (elements === undefined) {
            return args.notApplicable("not an APIM policy resource");
        }
        const variables = variablesSet(elements);
        // The front door's callers have no token yet: its endpoints are limited per IP address.
        const frontDoor = elements.some(
            (e) => e.name === "rewrite-uri" && frontDoorEndpointOf(e.attributes.template) !== undefined,
        );
        for (const limit of elements.filter((e) => e.name === "rate-limit-by-key")) {
            if (frontDoor && isPerIpRateLimit(limit)) continue;
            const key = limit.attributes["counter-key"] ?? "";
            const resolved = withVariables(key, variables);
            if (readsAuthorizationHeader(resolved) && !/AsJwt\s*\(/.test(resolved)) {
                report(
                    "rate-limit-by-key is keyed on the raw Authorization header, which changes with every token " +
                        'refresh; key it on the validated token\'s app id, e.g. counter-key="@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("azp", ""))".',
                );
            } else if (!readsAppIdClaim(resolved)) {
                report(
                    `rate-limit-by-key counter-key "${key}" does not identify the calling application; ` +
                        'key it on the token\'s "azp" (v2) or "appid" (v1) claim.',
                );
            }
        }
    },
};

/** Elements that send a value somewhere: a header, a query parameter or a body. */
const valueSetters = new Set(["set-header", "set-query-parameter", "set-body"]);

function setterExpressions(e: XmlElement): string[] {
    const values = e.children.filter((c) => c.name === "value").map((c) => c.text);
    return e.name === "set-body" ? [e.text] : values;
}

export const apimNoCallerTokenForwarding: ResourceValidationPolicy = {
    name: "apim-no-caller-token-forwarding",
    description: "No APIM policy passes the caller's bearer token on to a backend or another service.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const elements = policyElements(args);
        if (elements === undefined) {
            return args.notApplicable("not an APIM policy resource");
        }
        const variables = variablesSet(elements);
        for (const e of elements.filter((x) => valueSetters.has(x.name))) {
            const copies = setterExpressions(e)
                .map((v) => withVariables(v, variables))
                .some((v) => readsAuthorizationHeader(v) && !/AsJwt\s*\(/.test(v));
            if (copies) {
                const target = e.attributes.name ?? "the body";
                report(
                    `<${e.name}> copies the caller's Authorization header into ${target}; the backend must be ` +
                        "called with the gateway's own credential (authentication-managed-identity), never the caller's token.",
                );
            }
            const action = e.attributes["exists-action"];
            if (
                e.name === "set-header" &&
                /^authorization$/i.test(e.attributes.name ?? "") &&
                (action === "skip" || action === "append")
            ) {
                report(
                    `<set-header name="Authorization" exists-action="${action}"> keeps the caller's token on the ` +
                        'forwarded request; use exists-action="delete" or authenticate with authentication-managed-identity.',
                );
            }
        }
    },
};

/** Headers and query parameters that carry a backend credential. */
const credentialCarriers =
    /^(x-functions-key|code|api-key|x-api-key|ocp-apim-subscription-key|subscription-key)$/i;

function isLiteral(value: string): boolean {
    return !value.startsWith("@") && !/^\{\{[^}]+\}\}$/.test(value.trim());
}

export const apimNoInlineSecrets: ResourceValidationPolicy = {
    name: "apim-no-inline-secrets",
    description:
        "APIM policies hold no credentials; they reference secret named values or use managed identity.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const elements = policyElements(args);
        if (elements === undefined) {
            return args.notApplicable("not an APIM policy resource");
        }
        for (const e of elements.filter((x) => x.name === "set-header" || x.name === "set-query-parameter")) {
            const name = e.attributes.name ?? "";
            for (const value of setterExpressions(e).filter((v) => v !== "" && isLiteral(v))) {
                if (credentialCarriers.test(name) || looksLikeSecretValue(value)) {
                    report(
                        `<${e.name} name="${name}"> carries a literal credential; store it in a secret named value ` +
                            "and reference it as {{name}}, or better, call the backend with authentication-managed-identity.",
                    );
                }
            }
        }
    },
};

export const apimNamedValueSecrets: ResourceValidationPolicy = {
    name: "apim-named-value-secrets",
    description: "Named values that hold credentials are secret (or Key Vault references).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(apim.NamedValue, (nv, _args, report) => {
        if (nv.secret === true || nv.keyVault?.secretIdentifier !== undefined) {
            return;
        }
        const name = nv.displayName ?? nv.namedValueId ?? "";
        const byName = looksLikeSecretName(name) || looksLikeSecretName(nv.namedValueId ?? "");
        if (byName || looksLikeSecretValue(nv.value ?? "")) {
            report(
                `Named value "${name}" looks like a credential; set secret: true (or keyVault.secretIdentifier) ` +
                    "so APIM encrypts it and hides it from readers of the configuration.",
            );
        }
    }),
};

export const apimHttpsOnly: ResourceValidationPolicy = {
    name: "apim-https-only",
    description:
        "APIs accept HTTPS only and reach backends over HTTPS (plain HTTP is allowed only to private " +
        "addresses on the gateway's VNet, where TLS would end at an internal load balancer anyway).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const api = args.asType(apim.Api);
        const backend = args.asType(apim.Backend);
        if (api !== undefined) {
            const protocols = (api.protocols ?? []).map((p) => p.toLowerCase());
            if (protocols.length === 0 || protocols.some((p) => p !== "https" && p !== "wss")) {
                report(
                    `Set protocols: ["https"] on API "${api.path}" (found ${JSON.stringify(api.protocols ?? [])}).`,
                );
            }
            checkBackendUrl(api.serviceUrl, `API "${api.path}" serviceUrl`, report);
        } else if (backend !== undefined) {
            checkBackendUrl(backend.url, "Backend url", report);
        } else {
            return args.notApplicable("not an APIM API or backend");
        }
    },
};

function checkBackendUrl(url: string | undefined, what: string, report: (m: string) => void): void {
    if (url !== undefined && url !== "" && !url.toLowerCase().startsWith("https://") && !isPrivateHost(url)) {
        report(
            `${what} ${url} is not HTTPS; use an https:// URL so the gateway-to-backend hop is encrypted.`,
        );
    }
}

export const apimSkuAllowed: ResourceValidationPolicy = {
    name: "apim-sku-allowed",
    description: "The APIM SKU is one the environment allows (SLA, VNet support and cost differ by tier).",
    enforcementLevel: "mandatory",
    configSchema: apimSkuSchema,
    validateResource: validateResourceOfType(apim.ApiManagementService, (svc, args, report) => {
        const { allowedSkus } = settings<ApimSkuSettings>(args, defaultApimSkus);
        const env = environmentOf(svc, args.urn);
        const allowed = allowedSkus[env] ?? allowedSkus["*"] ?? [];
        const sku = svc.sku?.name ?? "(unset)";
        if (!allowed.includes(sku)) {
            report(
                `APIM SKU ${sku} is not allowed in environment "${env}"; use one of ${allowed.join(", ")} ` +
                    "(or change allowedSkus in the policy configuration).",
            );
        }
    }),
};

export const apimManagedIdentity: ResourceValidationPolicy = {
    name: "apim-managed-identity",
    description: "The gateway has a managed identity, so it reaches backends and Key Vault without secrets.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(apim.ApiManagementService, (svc, _args, report) => {
        const type = svc.identity?.type ?? "None";
        if (!/assigned/i.test(type)) {
            report(
                'Give the APIM service a managed identity: identity: { type: "SystemAssigned" } (or UserAssigned).',
            );
        }
    }),
};

export const apimDiagnosticsNoResponseBody: ResourceValidationPolicy = {
    name: "apim-diagnostics-no-response-body",
    description:
        "APIM diagnostics log no response bodies: logging them makes the gateway buffer responses, which breaks SSE streaming.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const diag = args.asType(apim.Diagnostic) ?? args.asType(apim.ApiDiagnostic);
        if (diag === undefined) {
            return args.notApplicable("not an APIM diagnostic");
        }
        for (const side of ["frontend", "backend"] as const) {
            const bytes = diag[side]?.response?.body?.bytes ?? 0;
            if (bytes > 0) {
                report(
                    `Set ${side}.response.body.bytes to 0 (found ${bytes}); response payloads must not be logged.`,
                );
            }
        }
    },
};

export const gatewayResourcePolicies: ResourceValidationPolicy[] = [
    apimPolicyWellFormed,
    apimPolicyExpressionsAllowed,
    apimRateLimitKeyedOnAppId,
    apimNoCallerTokenForwarding,
    apimNoInlineSecrets,
    apimNamedValueSecrets,
    apimHttpsOnly,
    apimSkuAllowed,
    apimManagedIdentity,
    apimDiagnosticsNoResponseBody,
];
