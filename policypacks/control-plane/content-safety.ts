/**
 * Content screening policies: Azure AI services accounts accept only Entra authentication, and a
 * production gateway screens tool traffic (its MCP API policy calls Content Safety's Prompt Shields
 * and text analysis), in audit or enforce mode.
 */
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ProductionSettings, defaultProduction, environmentOf, productionSchema, settings } from "./config";
import { propOf, stringPropOf } from "./lib/stack";

const apimServiceType = "azure-native:apimanagement:ApiManagementService";
const apiPolicyType = "azure-native:apimanagement:ApiPolicy";

export const aiServicesLocalAuthDisabled: ResourceValidationPolicy = {
    name: "ai-services-local-auth-disabled",
    description:
        "Azure AI services accounts (Content Safety included) accept only Entra tokens: no account keys.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(cognitiveservices.Account, (account, _args, report) => {
        if (account.properties?.disableLocalAuth !== true) {
            report(
                `Set properties.disableLocalAuth: true on the ${account.kind ?? "AI services"} account and grant callers ` +
                    "Cognitive Services User; keys would bypass Entra and the audit trail.",
            );
        }
        if (!account.properties?.customSubDomainName) {
            report(
                "Set properties.customSubDomainName: Entra authentication needs the account's own subdomain.",
            );
        }
    }),
};

/** Whether a policy document calls both Content Safety text APIs the screening uses. */
function screensWithContentSafety(xml: string): boolean {
    return xml.includes("contentsafety/text:shieldPrompt") && xml.includes("contentsafety/text:analyze");
}

export const contentScreeningInProduction: StackValidationPolicy = {
    name: "content-screening-in-production",
    description:
        "A production gateway screens tool traffic with Azure AI Content Safety (contentSafety audit or enforce, not off).",
    enforcementLevel: "mandatory",
    configSchema: productionSchema,
    validateStack: (args, report) => {
        const { productionEnvironments } = settings<ProductionSettings>(args, defaultProduction);
        const gateways = args.resources.filter(
            (r) =>
                r.type === apimServiceType && productionEnvironments.includes(environmentOf(r.props, r.urn)),
        );
        if (gateways.length === 0) return args.notApplicable("the stack has no production gateway");
        const screened = args.resources.some(
            (r) => r.type === apiPolicyType && screensWithContentSafety(stringPropOf(r, "value") ?? ""),
        );
        const account = args.resources.some(
            (r) =>
                r.type === "azure-native:cognitiveservices:Account" && propOf(r, "kind") === "ContentSafety",
        );
        for (const gateway of gateways) {
            if (!screened || !account)
                report(
                    `Production gateway "${gateway.name}" does not screen tool traffic: set contentSafety to enforce ` +
                        "(or audit while findings are reviewed), which adds the Content Safety account and the " +
                        "screening policy.",
                    gateway.urn,
                );
        }
    },
};

export const contentSafetyPolicies = [aiServicesLocalAuthDisabled];
export const contentSafetyStackPolicies = [contentScreeningInProduction];
