/**
 * Gateway policies that need the whole stack: what each API operation actually enforces once
 * operation, API and global policies are combined (token validation, per-caller rate limit,
 * the caller's token kept from the backend), and rate limits within the configured maximum.
 */
import { StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { RateLimitSettings, defaultRateLimit, rateLimitSchema, settings } from "./config";
import { ApiModel, OperationModel, gatewayApis, parsePolicies } from "./lib/apim-model";
import {
    rateLimitIndex,
    reachesBackend,
    replacesCallerAuthorization,
    tokenValidationIndex,
} from "./lib/apim-pipeline";
import { frontDoorRoute } from "./lib/front-door-routes";
import { stringPropOf } from "./lib/stack";
import { descendants } from "./lib/xml";

type Report = (message: string, urn?: string) => void;

/**
 * Runs `check` on every operation that can reach a backend; APIs that answer on their own are
 * exempt, and so are the OAuth front door's operations when `publicFrontDoor` says they may be
 * reached without a token (front-door-secretless and front-door-rate-limited check those).
 */
function forEachForwardedOperation(
    args: StackValidationArgs,
    check: (api: ApiModel, op: OperationModel) => string | undefined,
    report: Report,
    publicFrontDoor = false,
): void {
    const apis = gatewayApis(args.resources);
    if (apis.length === 0) {
        return args.notApplicable("the stack has no APIM APIs");
    }
    for (const api of apis) {
        for (const op of api.operations.filter(
            (o) => reachesBackend(o.chain) && !(publicFrontDoor && frontDoorRoute(o.chain) !== undefined),
        )) {
            const problem = check(api, op);
            if (problem !== undefined) {
                const unreadable =
                    op.unreadable.length === 0 ? "" : ` (unreadable policy: ${op.unreadable.join("; ")})`;
                report(`API ${api.label} operation "${op.name}": ${problem}${unreadable}`, api.resource.urn);
            }
        }
    }
}

const addValidation =
    'add <validate-azure-ad-token tenant-id="..."> with <audiences> (or <validate-jwt> with openid-config and ' +
    "audiences) to the API's inbound policy, outside any <choose>.";

export const apimApiValidatesTokens: StackValidationPolicy = {
    name: "apim-api-validates-tokens",
    description:
        "Every API operation that reaches a backend validates the caller's Entra token (issuer and audience).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
        forEachForwardedOperation(
            args,
            (_api, op) =>
                tokenValidationIndex(op.chain) === -1
                    ? `requests reach the backend without token validation; ${addValidation}`
                    : undefined,
            report,
            true,
        ),
};

export const apimSubscriptionlessNeedsTokens: StackValidationPolicy = {
    name: "apim-subscriptionless-requires-token-validation",
    description: "An API that needs no subscription key is open to the internet unless it validates tokens.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
        forEachForwardedOperation(
            args,
            (api, op) =>
                !api.subscriptionRequired && tokenValidationIndex(op.chain) === -1
                    ? `subscriptionRequired is false and nothing validates the caller; ${addValidation} ` +
                      "Alternatively set subscriptionRequired: true."
                    : undefined,
            report,
            true,
        ),
};

export const apimApiRateLimitedPerCaller: StackValidationPolicy = {
    name: "apim-api-rate-limited-per-caller",
    description:
        "Every API operation that reaches a backend applies a per-caller rate limit after validating the token.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
        forEachForwardedOperation(
            args,
            (_api, op) => {
                const limit = rateLimitIndex(op.chain);
                if (limit === -1) {
                    return (
                        'no per-caller rate limit; add <rate-limit-by-key calls="..." renewal-period="..." ' +
                        'counter-key="<caller app id>"> to the API\'s inbound policy, outside any <choose>.'
                    );
                }
                const validation = tokenValidationIndex(op.chain);
                if (validation !== -1 && limit < validation) {
                    return (
                        "rate-limit-by-key runs before token validation, so forged tokens spend other agents' quota; " +
                        "move it after the validation."
                    );
                }
                return undefined;
            },
            report,
            true,
        ),
};

export const apimBackendGetsGatewayCredential: StackValidationPolicy = {
    name: "apim-backend-gets-gateway-credential",
    description:
        "The caller's Authorization header never reaches the backend: the gateway replaces or removes it.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
        forEachForwardedOperation(
            args,
            (_api, op) =>
                replacesCallerAuthorization(op.chain)
                    ? undefined
                    : "APIM forwards the caller's Authorization header to the backend by default; add " +
                      '<authentication-managed-identity resource="<backend app id>" /> (or <set-header name="Authorization" ' +
                      'exists-action="delete" />) to the inbound policy.',
            report,
        ),
};

/** A numeric policy attribute: a literal, or a `{{named value}}` whose value the stack sets. */
function numericAttribute(
    raw: string | undefined,
    namedValues: ReadonlyMap<string, string>,
): number | undefined {
    if (raw === undefined) {
        return undefined;
    }
    const name = /^\{\{([^}]+)\}\}$/.exec(raw.trim())?.[1];
    const text = name === undefined ? raw : namedValues.get(name);
    return text !== undefined && /^\d+$/.test(text.trim()) ? Number(text) : undefined;
}

export const apimRateLimitWithinMaximum: StackValidationPolicy = {
    name: "apim-rate-limit-within-maximum",
    description: "Rate limits allow no more calls per period than the configured maximum.",
    enforcementLevel: "mandatory",
    configSchema: rateLimitSchema,
    validateStack: (args, report) => {
        const { maxCallsPerPeriod, periodSeconds } = settings<RateLimitSettings>(args, defaultRateLimit);
        const namedValues = new Map<string, string>();
        for (const nv of args.resources.filter((r) => r.type === "azure-native:apimanagement:NamedValue")) {
            const value = stringPropOf(nv, "value");
            if (value !== undefined) {
                namedValues.set(stringPropOf(nv, "displayName") ?? nv.name, value);
            }
        }
        const policies = parsePolicies(args.resources);
        if (policies.length === 0) {
            return args.notApplicable("the stack has no APIM policies");
        }
        for (const { resource, document } of policies) {
            const limits = document === undefined ? [] : descendants(document.root);
            for (const limit of limits.filter(
                (e) => e.name === "rate-limit-by-key" || e.name === "rate-limit",
            )) {
                const calls = numericAttribute(limit.attributes.calls, namedValues);
                const renewal = numericAttribute(limit.attributes["renewal-period"], namedValues);
                if (calls === undefined || renewal === undefined || renewal === 0) {
                    report(
                        `<${limit.name}> in ${resource.name} has calls="${limit.attributes.calls ?? ""}" renewal-period="` +
                            `${limit.attributes["renewal-period"] ?? ""}"; use whole numbers (or named values holding them) so the limit can be checked.`,
                        resource.urn,
                    );
                    continue;
                }
                const perPeriod = (calls * periodSeconds) / renewal;
                if (perPeriod > maxCallsPerPeriod) {
                    report(
                        `<${limit.name}> in ${resource.name} allows ${calls} calls per ${renewal}s (${Math.round(perPeriod)} per ` +
                            `${periodSeconds}s); lower it to at most ${maxCallsPerPeriod} per ${periodSeconds}s or raise maxCallsPerPeriod in the policy configuration.`,
                        resource.urn,
                    );
                }
            }
        }
    },
};

export const gatewayStackPolicies: StackValidationPolicy[] = [
    apimApiValidatesTokens,
    apimSubscriptionlessNeedsTokens,
    apimApiRateLimitedPerCaller,
    apimBackendGetsGatewayCredential,
    apimRateLimitWithinMaximum,
];
