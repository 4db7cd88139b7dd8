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

const vnetId =
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/agents-dev-rg/providers/Microsoft.Network/virtualNetworks/agents-prod-vnet";

/**
 * A production stack whose gateway is integrated with a VNet (StandardV2, outbound integration),
 * with the Content Safety account private (public access off, deny by default) and, unless left
 * out, its private endpoint in that VNet.
 */
function withPrivateContentSafety(
    edit: (properties: Record<string, unknown>) => void = () => undefined,
    endpointGroups: readonly string[] | "no endpoint" = ["account"],
) {
    const stack = withContentSafety("prod", (a) => {
        const properties = a.properties as Record<string, unknown>;
        properties.publicNetworkAccess = "Disabled";
        properties.networkAcls = { defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] };
        edit(properties);
    }).map((r) =>
        r.type === "azure-native:apimanagement:ApiManagementService"
            ? {
                  ...r,
                  inputs: {
                      ...r.inputs,
                      sku: { name: "StandardV2", capacity: 1 },
                      virtualNetworkType: "External",
                      virtualNetworkConfiguration: { subnetResourceId: `${vnetId}/subnets/apim` },
                  },
              }
            : r,
    );
    if (endpointGroups === "no endpoint") return stack;
    return [
        ...stack,
        resource("azure-native:network:PrivateEndpoint", "content-safety-pe", {
            resourceGroupName: "agents-dev-rg",
            privateEndpointName: "agents-prod-content-safety-pe",
            subnet: { id: `${vnetId}/subnets/private-endpoints` },
            privateLinkServiceConnections: [
                {
                    name: "agents-prod-content-safety-pe",
                    privateLinkServiceId: accountId,
                    groupIds: [...endpointGroups],
                },
            ],
            tags: { environment: "prod", project: "agents-control-plane" },
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
    {
        policy: "ai-services-private-with-vnet-gateway",
        title: "a private production account with its endpoint, behind a VNet-integrated gateway",
        resources: () => withPrivateContentSafety(),
    },
    {
        policy: "ai-services-private-with-vnet-gateway",
        title: "a production account left public behind a VNet-integrated gateway",
        resources: () => withPrivateContentSafety((p) => (p.publicNetworkAccess = "Enabled")),
        message:
            /^Set properties.publicNetworkAccess: "Disabled" on the prod ContentSafety account "content-safety-account" \(found Enabled\): gateway "gateway-apim" is in a VNet/,
    },
    {
        policy: "ai-services-private-with-vnet-gateway",
        title: "a production account whose public access is left to Azure's default",
        resources: () => withPrivateContentSafety((p) => delete p.publicNetworkAccess),
        message: /publicNetworkAccess: "Disabled" .* \(found Enabled\)/,
    },
    {
        policy: "ai-services-private-with-vnet-gateway",
        title: "a production account whose firewall allows by default",
        resources: () => withPrivateContentSafety((p) => delete p.networkAcls),
        message: /Set properties.networkAcls.defaultAction: "Deny" .* \(found no network rules\)/,
    },
    {
        policy: "ai-services-private-with-vnet-gateway",
        title: "a private production account with no private endpoint",
        resources: () => withPrivateContentSafety(undefined, "no endpoint"),
        message:
            /^No private endpoint reaches the prod ContentSafety account "content-safety-account": add one \(group "account"\) in the VNet of gateway "gateway-apim"/,
    },
    {
        policy: "ai-services-private-with-vnet-gateway",
        title: "a private production account whose only endpoint serves another group",
        resources: () => withPrivateContentSafety(undefined, ["blob"]),
        message: /^No private endpoint reaches the prod ContentSafety account/,
    },
];
