/**
 * Content screening policies: Azure AI services accounts accept only Entra authentication, a
 * production gateway screens tool traffic (its MCP API policy calls Content Safety's Prompt Shields
 * and text analysis), in audit or enforce mode, and where that gateway is in a VNet it reaches the
 * account there, privately, not over the internet.
 */
import * as cognitiveservices from "@pulumi/azure-native/cognitiveservices";
import { ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { ProductionSettings, defaultProduction, environmentOf, productionSchema, settings } from "./config";
import {
    disablePublicAccess,
    gatewayInVnet,
    isProps,
    openPublicAccess,
    privateEndpointsTo,
} from "./lib/network-access";
import { propOf, stringPropOf } from "./lib/stack";

const apimServiceType = "azure-native:apimanagement:ApiManagementService";
const aiServicesAccountType = "azure-native:cognitiveservices:Account";
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

export const aiServicesPrivateWithVnetGateway: StackValidationPolicy = {
    name: "ai-services-private-with-vnet-gateway",
    description:
        "In production, when the gateway is connected to a VNet, Azure AI services accounts (Content Safety) have no " +
        "public network access, deny by default, and are reached through a private endpoint.",
    enforcementLevel: "mandatory",
    configSchema: productionSchema,
    validateStack: (args, report) => {
        const { productionEnvironments } = settings<ProductionSettings>(args, defaultProduction);
        const accounts = args.resources.filter(
            (r) =>
                r.type === aiServicesAccountType &&
                productionEnvironments.includes(environmentOf(r.props, r.urn)),
        );
        if (accounts.length === 0)
            return args.notApplicable("the stack has no production Azure AI services account");
        const gateway = args.resources.find((r) => r.type === apimServiceType && gatewayInVnet(r));
        // A gateway outside any VNet can only reach the account publicly (Entra only).
        if (gateway === undefined) return args.notApplicable("no gateway is connected to a VNet");
        for (const account of accounts) {
            const raw = propOf(account, "properties");
            const properties = isProps(raw) ? raw : {};
            const what = `${environmentOf(account.props, account.urn)} ${stringPropOf(account, "kind") ?? "AI services"} account "${account.name}"`;
            const open = openPublicAccess(properties.publicNetworkAccess);
            if (open !== undefined)
                report(
                    `${disablePublicAccess("properties.publicNetworkAccess", what, open)}: gateway "${gateway.name}" ` +
                        "is in a VNet and calls it through a private endpoint there.",
                    account.urn,
                );
            const acls = properties.networkAcls;
            const defaultAction = isProps(acls) ? acls.defaultAction : undefined;
            const found = typeof defaultAction === "string" ? defaultAction : "no network rules";
            if (defaultAction !== "Deny")
                report(
                    `Set properties.networkAcls.defaultAction: "Deny" on the ${what} (found ${found}), ` +
                        "so no IP or VNet rule opens a path beside the private endpoint.",
                    account.urn,
                );
            if (privateEndpointsTo(args.resources, account, "account").length === 0)
                report(
                    `No private endpoint reaches the ${what}: add one (group "account") in the VNet of gateway "${gateway.name}", ` +
                        "registered in privatelink.cognitiveservices.azure.com linked to that VNet.",
                    account.urn,
                );
        }
    },
};

export const contentSafetyPolicies = [aiServicesLocalAuthDisabled];
export const contentSafetyStackPolicies = [contentScreeningInProduction, aiServicesPrivateWithVnetGateway];
