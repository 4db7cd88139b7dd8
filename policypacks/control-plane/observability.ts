/**
 * Observability policies: every gateway, function app, storage account and cluster sends its
 * logs to the Log Analytics workspace; App Insights accepts only Entra-authenticated telemetry
 * and lives in a workspace; taggable resources carry the tags cost and ownership reports need.
 */
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import {
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
    validateResourceOfType,
} from "@pulumi/policy";
import { TagSettings, defaultTags, settings, tagSchema } from "./config";
import { armTypeMatches, parseArmId } from "./lib/arm";
import { propOf, refersTo, stringPropOf } from "./lib/stack";

const diagnosticSettingType = "azure-native:monitor:DiagnosticSetting";
const workspaceType = "azure-native:operationalinsights:Workspace";

/** Resources that must send diagnostics, with the words used in messages. */
export const monitoredTypes: Readonly<Record<string, string>> = {
    "azure-native:apimanagement:ApiManagementService": "APIM service",
    "azure-native:web:WebApp": "Function app",
    "azure-native:storage:StorageAccount": "Storage account",
    "azure-native:containerservice:ManagedCluster": "AKS cluster",
    "azure-native:cosmosdb:DatabaseAccount": "Cosmos DB account",
    "azure-native:search:Service": "AI Search service",
    "azure-native:cognitiveservices:Account": "AI services account",
};

function mustSendDiagnostics(r: PolicyResource): boolean {
    if (r.type === "azure-native:web:WebApp") {
        return /functionapp/i.test(stringPropOf(r, "kind") ?? "");
    }
    return monitoredTypes[r.type] !== undefined;
}

function anyEnabled(value: unknown): boolean {
    return (
        Array.isArray(value) &&
        value.some((v: unknown) => (v as { enabled?: unknown } | null)?.enabled === true)
    );
}

/** Whether a diagnostic setting sends something to a Log Analytics workspace. */
export function sendsToWorkspace(setting: PolicyResource, workspaces: readonly PolicyResource[]): boolean {
    const workspaceId = stringPropOf(setting, "workspaceId");
    const known = workspaces.some((w) => refersTo(setting, "workspaceId", w));
    const shaped = armTypeMatches(parseArmId(workspaceId ?? "")?.topLevelType ?? "", workspaceType);
    const enabled = anyEnabled(propOf(setting, "logs")) || anyEnabled(propOf(setting, "metrics"));
    return (known || shaped) && enabled;
}

export const diagnosticsToWorkspace: StackValidationPolicy = {
    name: "diagnostics-to-workspace",
    description:
        "Every APIM service, function app, storage account, AKS cluster, Cosmos DB account, AI Search service and AI services account sends diagnostics to the Log Analytics workspace.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const targets = args.resources.filter(mustSendDiagnostics);
        if (targets.length === 0) {
            return args.notApplicable("the stack has no monitored resources");
        }
        const settingsList = args.resources.filter((r) => r.type === diagnosticSettingType);
        const workspaces = args.resources.filter((r) => r.type === workspaceType);
        for (const target of targets) {
            const what = `${monitoredTypes[target.type]} "${target.name}"`;
            const attached = settingsList.filter((s) => refersTo(s, "resourceUri", target));
            const storageHint =
                target.type === "azure-native:storage:StorageAccount"
                    ? " (for storage, on the blob service)"
                    : "";
            if (attached.length === 0) {
                report(
                    `${what} has no diagnostic setting; add a monitor.DiagnosticSetting with resourceUri set to its id${storageHint}, ` +
                        'workspaceId set to the Log Analytics workspace and logs: [{ categoryGroup: "allLogs", enabled: true }].',
                    target.urn,
                );
            } else if (!attached.some((s) => sendsToWorkspace(s, workspaces))) {
                report(
                    `${what} has a diagnostic setting that sends nothing to the Log Analytics workspace; set workspaceId ` +
                        "to the workspace's id and enable at least one log category group or metric.",
                    target.urn,
                );
            }
        }
    },
};

export const appInsightsLocalAuthDisabled: ResourceValidationPolicy = {
    name: "appinsights-local-auth-disabled",
    description:
        "App Insights accepts only Entra-authenticated telemetry (no ingestion with the instrumentation key alone).",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(applicationinsights.Component, (ai, _args, report) => {
        if (ai.disableLocalAuth !== true) {
            report(
                "Set disableLocalAuth: true and give senders the Monitoring Metrics Publisher role " +
                    "(APPLICATIONINSIGHTS_AUTHENTICATION_STRING=ClientId=<identity>;Authorization=AAD).",
            );
        }
    }),
};

export const appInsightsWorkspaceBased: ResourceValidationPolicy = {
    name: "appinsights-workspace-based",
    description:
        "App Insights is workspace-based, so gateway, backend and alert queries share one workspace.",
    enforcementLevel: "mandatory",
    validateResource: validateResourceOfType(applicationinsights.Component, (ai, _args, report) => {
        if (ai.workspaceResourceId === undefined || ai.workspaceResourceId === "") {
            report("Set workspaceResourceId to the Log Analytics workspace's id.");
        }
    }),
};

/** Tracked Azure resource types (they accept tags even when they inherit their location). */
export const taggableTypes: ReadonlySet<string> = new Set([
    "azure-native:resources:ResourceGroup",
    "azure-native:apimanagement:ApiManagementService",
    "azure-native:storage:StorageAccount",
    "azure-native:web:AppServicePlan",
    "azure-native:web:WebApp",
    "azure-native:operationalinsights:Workspace",
    "azure-native:applicationinsights:Component",
    "azure-native:applicationinsights:Workbook",
    "azure-native:monitor:ActionGroup",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:monitor:MetricAlert",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:containerregistry:Registry",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:PrivateEndpoint",
    "azure-native:privatedns:PrivateZone",
]);

function isTaggable(r: PolicyResource): boolean {
    return (
        taggableTypes.has(r.type) ||
        (r.type.startsWith("azure-native:") && typeof propOf(r, "location") === "string")
    );
}

export const requiredTags: StackValidationPolicy = {
    name: "required-tags",
    description:
        "Taggable Azure resources carry the required tags, so cost, ownership and environment are visible.",
    enforcementLevel: "mandatory",
    configSchema: tagSchema,
    validateStack: (args, report) => {
        const { requiredTags: required } = settings<TagSettings>(args, defaultTags);
        const taggable = args.resources.filter(isTaggable);
        if (taggable.length === 0 || required.length === 0) {
            return args.notApplicable("nothing to tag");
        }
        for (const r of taggable) {
            const raw = propOf(r, "tags");
            const tags =
                raw !== null && typeof raw === "object" && !Array.isArray(raw)
                    ? (raw as Record<string, unknown>)
                    : {};
            const missing = required.filter((t) => typeof tags[t] !== "string" || tags[t] === "");
            if (missing.length > 0) {
                report(
                    `${r.type.split(":").pop()} "${r.name}" is missing tag(s) ${missing.join(", ")}; pass them in its tags ` +
                        "(stack transforms do not apply them everywhere).",
                    r.urn,
                );
            }
        }
    },
};

export const observabilityResourcePolicies: ResourceValidationPolicy[] = [
    appInsightsLocalAuthDisabled,
    appInsightsWorkspaceBased,
];
export const observabilityStackPolicies: StackValidationPolicy[] = [diagnosticsToWorkspace, requiredTags];
