import { PolicyCase } from "../harness";
import { compliantStack, withChange, without, withoutField } from "../fixtures";

const change = (name: string, edit: (inputs: Record<string, unknown>) => void) =>
    withChange(compliantStack(), name, edit);

/** The stack as a recording without resource ids: references are matched by ARM type and name. */
const withoutIds = () => compliantStack().map((r) => withoutField(r, "id"));

export const observabilityCases: PolicyCase[] = [
    {
        policy: "diagnostics-to-workspace",
        title: "settings on APIM, the function app, blob storage and AKS",
        resources: compliantStack,
    },
    {
        policy: "diagnostics-to-workspace",
        title: "references matched by ARM name when ids are unknown",
        resources: withoutIds,
    },
    {
        policy: "diagnostics-to-workspace",
        title: "a storage account without a diagnostic setting",
        resources: () => without(compliantStack(), "diag-storage-blob"),
        message:
            /Storage account "backend-storage" has no diagnostic setting; add a monitor.DiagnosticSetting .* \(for storage, on the blob service\)/,
    },
    {
        policy: "diagnostics-to-workspace",
        title: "an APIM diagnostic setting that sends to a storage account instead",
        resources: () =>
            change("diag-apim", (i) => {
                delete i.workspaceId;
                i.storageAccountId =
                    "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/archive";
            }),
        message:
            /APIM service "gateway-apim" has a diagnostic setting that sends nothing to the Log Analytics workspace/,
    },
    {
        policy: "diagnostics-to-workspace",
        title: "a setting with every category disabled",
        resources: () =>
            change("diag-aks", (i) => {
                i.logs = [{ categoryGroup: "allLogs", enabled: false }];
                i.metrics = [];
            }),
        message: /AKS cluster "aks-cluster" has a diagnostic setting that sends nothing/,
    },
    {
        policy: "diagnostics-to-workspace",
        title: "a function app without a setting, ids unknown",
        resources: () => without(withoutIds(), "diag-func"),
        message: /Function app "backend-func" has no diagnostic setting/,
    },

    { policy: "appinsights-local-auth-disabled", title: "Entra-only ingestion", resources: compliantStack },
    {
        policy: "appinsights-local-auth-disabled",
        title: "instrumentation-key ingestion",
        resources: () => change("monitoring-appinsights", (i) => (i.disableLocalAuth = false)),
        message: /Set disableLocalAuth: true and give senders the Monitoring Metrics Publisher role/,
    },

    {
        policy: "appinsights-workspace-based",
        title: "a workspace-based component",
        resources: compliantStack,
    },
    {
        policy: "appinsights-workspace-based",
        title: "a classic component",
        resources: () => change("monitoring-appinsights", (i) => delete i.workspaceResourceId),
        message: /Set workspaceResourceId to the Log Analytics workspace's id/,
    },

    {
        policy: "required-tags",
        title: "environment and project on every tracked resource",
        resources: compliantStack,
    },
    {
        policy: "required-tags",
        title: "a storage account without the project tag",
        resources: () => change("backend-storage", (i) => (i.tags = { environment: "dev" })),
        message: /StorageAccount "backend-storage" is missing tag\(s\) project/,
    },
    {
        policy: "required-tags",
        title: "a cost-center tag a team requires",
        resources: compliantStack,
        config: { "required-tags": { requiredTags: ["environment", "cost-center"] } },
        message: /ApiManagementService "gateway-apim" is missing tag\(s\) cost-center/,
    },
];
