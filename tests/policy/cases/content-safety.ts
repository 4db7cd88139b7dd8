import { PolicyCase } from "../harness";
import { compliantStack, mcpApiPolicy, resource, withChange } from "../fixtures";

const accountId =
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/agents-dev-rg/providers/Microsoft.CognitiveServices/accounts/acpdevcs1a2b3c";
const workspaceId =
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/agents-dev-rg/providers/Microsoft.OperationalInsights/workspaces/log-agents-dev";

/** A screening policy fragment as the gateway renders it: both Content Safety calls. */
const screening = `
        <wait for="all">
            <send-request mode="new" response-variable-name="shieldArguments" timeout="3" ignore-error="true">
                <set-url>{{content-safety-endpoint}}contentsafety/text:shieldPrompt?api-version=2024-09-01</set-url>
            </send-request>
            <send-request mode="new" response-variable-name="analyzeArguments" timeout="3" ignore-error="true">
                <set-url>{{content-safety-endpoint}}contentsafety/text:analyze?api-version=2024-09-01</set-url>
            </send-request>
        </wait>`;

/** The compliant stack with a Content Safety account (local auth off) and its diagnostics. */
function withContentSafety(
    environment = "dev",
    edit: (inputs: Record<string, unknown>) => void = () => undefined,
    screened = true,
) {
    const account = {
        resourceGroupName: "agents-dev-rg",
        accountName: "acpdevcs1a2b3c",
        kind: "ContentSafety",
        sku: { name: "S0" },
        properties: {
            customSubDomainName: "acpdevcs1a2b3c",
            disableLocalAuth: true,
            publicNetworkAccess: "Enabled",
        },
        tags: { environment, project: "agents-control-plane" },
    };
    edit(account);
    const stack = compliantStack().map((r) =>
        r.type === "azure-native:apimanagement:ApiManagementService"
            ? { ...r, inputs: { ...r.inputs, tags: { environment, project: "agents-control-plane" } } }
            : r,
    );
    const policy = screened ? mcpApiPolicy.replace("<inbound>", `<inbound>${screening}`) : mcpApiPolicy;
    return [
        ...withChange(stack, "gateway-mcp-policy", (i) => (i.value = policy)),
        {
            ...resource("azure-native:cognitiveservices:Account", "content-safety-account", account),
            id: accountId,
        },
        resource("azure-native:monitor:DiagnosticSetting", "content-safety-diagnostics", {
            name: "to-log-analytics",
            resourceUri: accountId,
            workspaceId,
            logAnalyticsDestinationType: "Dedicated",
            logs: [{ categoryGroup: "allLogs", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        }),
    ];
}

export const contentSafetyCases: PolicyCase[] = [
    {
        policy: "ai-services-local-auth-disabled",
        title: "a Content Safety account with local auth disabled and its subdomain",
        resources: () => withContentSafety(),
    },
    {
        policy: "ai-services-local-auth-disabled",
        title: "a Content Safety account that accepts keys",
        resources: () =>
            withContentSafety(
                "dev",
                (a) => ((a.properties as Record<string, unknown>).disableLocalAuth = false),
            ),
        message: /Set properties.disableLocalAuth: true on the ContentSafety account/,
    },
    {
        policy: "ai-services-local-auth-disabled",
        title: "a Content Safety account without a custom subdomain",
        resources: () =>
            withContentSafety(
                "dev",
                (a) => delete (a.properties as Record<string, unknown>).customSubDomainName,
            ),
        message: /Set properties.customSubDomainName/,
    },
    {
        policy: "diagnostics-to-workspace",
        title: "a Content Safety account with diagnostics to the workspace",
        resources: () => withContentSafety(),
    },
    {
        policy: "diagnostics-to-workspace",
        title: "a Content Safety account without diagnostics",
        resources: () => withContentSafety().filter((r) => r.name !== "content-safety-diagnostics"),
        message: /AI services account "content-safety-account" has no diagnostic setting/,
    },
    {
        policy: "content-screening-in-production",
        title: "a production gateway that screens tool traffic",
        resources: () => withContentSafety("prod"),
    },
    {
        policy: "content-screening-in-production",
        title: "a production gateway without screening (contentSafety off)",
        resources: () =>
            withContentSafety("prod", undefined, false).filter((r) => !r.name.startsWith("content-safety")),
        message:
            /Production gateway "gateway-apim" does not screen tool traffic: set contentSafety to enforce/,
    },
    {
        policy: "content-screening-in-production",
        title: "a production gateway with the account but no screening policy",
        resources: () => withContentSafety("prod", undefined, false),
        message: /does not screen tool traffic/,
    },
    {
        policy: "content-screening-in-production",
        title: "an unscreened gateway in an environment configured as production",
        resources: () =>
            withContentSafety("dev", undefined, false).filter((r) => !r.name.startsWith("content-safety")),
        config: { "content-screening-in-production": { productionEnvironments: ["dev"] } },
        message: /Production gateway "gateway-apim" does not screen tool traffic/,
    },
];
