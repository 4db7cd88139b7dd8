/**
 * A small but complete, compliant control plane recorded the way the program registers it: the
 * gateway with its APIs and policies, the Functions and AKS backends, Entra apps with federated
 * credentials, monitoring and diagnostic settings. Cases start from it and change one thing.
 */
import * as assert from "node:assert/strict";
import { projectName as project } from "../../components/project";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import { gatewayAlerts } from "../../components/monitoring/alerts";
import { agentWorkbook } from "../../components/monitoring/workbook";

export const tenantId = "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";
const sub = "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e";
const rg = `${sub}/resourceGroups/agents-dev-rg`;

export function urnOf(type: string, name: string, stack = "dev"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

export const tags = { environment: "dev", project: "agents-control-plane", owner: "platform-team" };

function res(type: string, name: string, inputs: Record<string, unknown>, id?: string): RecordedResource {
    return { type, name, urn: urnOf(type, name), inputs, ...(id === undefined ? {} : { id }) };
}

/** The MCP API's policy, as the gateway renders it (rawxml: expressions unescaped). */
export const mcpApiPolicy = `<policies>
    <inbound>
        <base />
        <validate-azure-ad-token tenant-id="{{tenant-id}}" header-name="Authorization" failed-validation-httpcode="401" output-token-variable-name="jwt">
            <audiences>
                <audience>{{mcp-app-client-id}}</audience>
            </audiences>
            <required-claims>
                <claim name="roles" match="any">
                    <value>Tools.Invoke</value>
                </claim>
            </required-claims>
        </validate-azure-ad-token>
        <rate-limit-by-key calls="{{rate-limit-calls}}" renewal-period="60" counter-key="@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("azp", "unknown"))" retry-after-header-name="Retry-After" />
        <set-header name="X-Caller-App-Id" exists-action="override">
            <value>@(((Jwt)context.Variables["jwt"]).Claims.GetValueOrDefault("azp", ""))</value>
        </set-header>
        <authentication-managed-identity resource="{{backend-audience}}" />
        <set-backend-service backend-id="mcp-backend" />
    </inbound>
    <backend>
        <forward-request buffer-response="false" timeout="240" />
    </backend>
    <outbound>
        <base />
    </outbound>
    <on-error>
        <base />
        <choose>
            <when condition="@(context.Response.StatusCode == 401)">
                <set-header name="WWW-Authenticate" exists-action="override">
                    <value>Bearer resource_metadata="https://apim-agents-dev.azure-api.net/.well-known/oauth-protected-resource"</value>
                </set-header>
            </when>
        </choose>
    </on-error>
</policies>`;

/** The Sentinel webhook API's policy (xml format: expressions escaped). */
export const sentinelApiPolicy = `<policies>
    <inbound>
        <base />
        <validate-azure-ad-token tenant-id="{{tenant-id}}" output-token-variable-name="jwt">
            <audiences><audience>{{mcp-app-client-id}}</audience></audiences>
            <required-claims><claim name="roles" match="any"><value>Incidents.Analyze</value></claim></required-claims>
        </validate-azure-ad-token>
        <rate-limit-by-key calls="30" renewal-period="60" counter-key="@(((Jwt)context.Variables[&quot;jwt&quot;]).Claims.GetValueOrDefault(&quot;appid&quot;, &quot;&quot;))" />
        <set-header name="Authorization" exists-action="delete" />
        <set-backend-service backend-id="mcp-backend" />
    </inbound>
    <backend><forward-request /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>`;

/** The metadata endpoint answers itself: no backend, so no token is needed. */
export const metadataOperationPolicy = `<policies>
    <inbound>
        <return-response>
            <set-status code="200" reason="OK" />
            <set-header name="Content-Type" exists-action="override"><value>application/json</value></set-header>
            <set-body>{"resource":"https://apim-agents-dev.azure-api.net/mcp","authorization_servers":["https://login.microsoftonline.com/${tenantId}/v2.0"]}</set-body>
        </return-response>
    </inbound>
    <backend><base /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>`;

const apimId = `${rg}/providers/Microsoft.ApiManagement/service/apim-agents-dev`;
const workspaceId = `${rg}/providers/Microsoft.OperationalInsights/workspaces/log-agents-dev`;
const storageId = `${rg}/providers/Microsoft.Storage/storageAccounts/stagentsdev01`;
const functionAppId = `${rg}/providers/Microsoft.Web/sites/func-agents-dev`;
const clusterId = `${rg}/providers/Microsoft.ContainerService/managedClusters/aks-agents-dev`;
const uamiPrincipal = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d";

const gateway = (): RecordedResource[] => [
    res(
        "azure-native:apimanagement:ApiManagementService",
        "gateway-apim",
        {
            resourceGroupName: "agents-dev-rg",
            serviceName: "apim-agents-dev",
            location: "westeurope",
            publisherEmail: "platform@example.com",
            publisherName: "Platform",
            sku: { name: "BasicV2", capacity: 1 },
            identity: { type: "SystemAssigned" },
            tags,
        },
        apimId,
    ),
    ...[
        ["tenant-id", tenantId, false],
        ["mcp-app-client-id", "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a", false],
        ["backend-audience", "api://func-agents-dev", false],
        ["rate-limit-calls", "120", false],
    ].map(([displayName, value, secret]) =>
        res("azure-native:apimanagement:NamedValue", `gateway-nv-${displayName}`, {
            resourceGroupName: "agents-dev-rg",
            serviceName: "apim-agents-dev",
            namedValueId: displayName,
            displayName,
            value,
            secret,
        }),
    ),
    res("azure-native:apimanagement:Backend", "gateway-backend", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        backendId: "mcp-backend",
        protocol: "http",
        url: "https://func-agents-dev.azurewebsites.net/runtime/webhooks/mcp",
    }),
    res("azure-native:apimanagement:Api", "gateway-mcp-api", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        apiId: "mcp",
        path: "mcp",
        displayName: "MCP",
        protocols: ["https"],
        subscriptionRequired: false,
        serviceUrl: "https://func-agents-dev.azurewebsites.net/runtime/webhooks/mcp",
    }),
    ...["mcp-post", "mcp-get", "mcp-delete", "sse", "message", "prm"].map((op) =>
        res("azure-native:apimanagement:ApiOperation", `gateway-mcp-op-${op}`, {
            resourceGroupName: "agents-dev-rg",
            serviceName: "apim-agents-dev",
            apiId: "mcp",
            operationId: op,
            method: op === "mcp-get" || op === "sse" || op === "prm" ? "GET" : "POST",
            urlTemplate: op === "prm" ? "/.well-known/oauth-protected-resource" : `/${op}`,
            displayName: op,
        }),
    ),
    res("azure-native:apimanagement:ApiPolicy", "gateway-mcp-policy", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        apiId: "mcp",
        policyId: "policy",
        format: "rawxml",
        value: mcpApiPolicy,
    }),
    res("azure-native:apimanagement:ApiOperationPolicy", "gateway-mcp-prm-policy", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        apiId: "mcp",
        operationId: "prm",
        policyId: "policy",
        format: "rawxml",
        value: metadataOperationPolicy,
    }),
    res("azure-native:apimanagement:Api", "gateway-sentinel-api", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        apiId: "sentinel",
        path: "sentinel",
        protocols: ["https"],
        subscriptionRequired: false,
        serviceUrl: "https://func-agents-dev.azurewebsites.net/api",
    }),
    res("azure-native:apimanagement:ApiOperation", "gateway-sentinel-op-webhook", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        apiId: "sentinel",
        operationId: "webhook",
        method: "POST",
        urlTemplate: "/ai-agent/webhook",
        displayName: "Sentinel webhook",
    }),
    res("azure-native:apimanagement:ApiPolicy", "gateway-sentinel-policy", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        apiId: "sentinel",
        format: "xml",
        value: sentinelApiPolicy,
    }),
    res("azure-native:apimanagement:Diagnostic", "gateway-diagnostic", {
        resourceGroupName: "agents-dev-rg",
        serviceName: "apim-agents-dev",
        diagnosticId: "applicationinsights",
        loggerId: `${apimId}/loggers/appinsights`,
        sampling: { samplingType: "fixed", percentage: 100 },
        frontend: { request: { body: { bytes: 1024 } }, response: { body: { bytes: 0 } } },
        backend: { request: { body: { bytes: 1024 } }, response: { body: { bytes: 0 } } },
        metrics: true,
    }),
];

const authFailures =
    gatewayAlerts({ latencyThresholdMs: 3000 })[0] ?? assert.fail("the program defines no alerts");

const monitoring = (): RecordedResource[] => [
    res(
        "azure-native:operationalinsights:Workspace",
        "monitoring-logs",
        {
            resourceGroupName: "agents-dev-rg",
            workspaceName: "log-agents-dev",
            location: "westeurope",
            retentionInDays: 30,
            tags,
        },
        workspaceId,
    ),
    res("azure-native:applicationinsights:Component", "monitoring-appinsights", {
        resourceGroupName: "agents-dev-rg",
        resourceName: "appi-agents-dev",
        kind: "web",
        applicationType: "web",
        location: "westeurope",
        workspaceResourceId: workspaceId,
        disableLocalAuth: true,
        tags,
    }),
    // The program's own queries: an alert rule and the dashboard.
    res("azure-native:monitor:ScheduledQueryRule", "monitoring-auth-failures", {
        resourceGroupName: "agents-dev-rg",
        ruleName: "agents-dev-auth-failures",
        location: "westeurope",
        kind: "LogAlert",
        scopes: [workspaceId],
        evaluationFrequency: "PT5M",
        windowSize: "PT15M",
        criteria: {
            allOf: [{ query: authFailures.query, metricMeasureColumn: authFailures.metricMeasureColumn }],
        },
        tags,
    }),
    res("azure-native:applicationinsights:Workbook", "monitoring-dashboard", {
        resourceGroupName: "agents-dev-rg",
        resourceName: "0d4c7c1e-5f3a-5b2e-9c8d-7a6b5c4d3e2f",
        location: "westeurope",
        kind: "shared",
        category: "workbook",
        sourceId: workspaceId,
        serializedData: agentWorkbook({
            title: "agents-dev: agents and tools",
            agentsByAppId: { "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e": "research-agent" },
            metricName: "mcp-call-duration-ms",
        }),
        tags,
    }),
    ...[
        ["apim", apimId],
        ["func", functionAppId],
        ["storage-blob", `${storageId}/blobServices/default`],
        ["aks", clusterId],
    ].map(([name, resourceUri]) =>
        res("azure-native:monitor:DiagnosticSetting", `diag-${name}`, {
            name: `to-workspace`,
            resourceUri,
            workspaceId,
            logAnalyticsDestinationType: "Dedicated",
            logs: [{ categoryGroup: "allLogs", enabled: true }],
            metrics: [{ category: "AllMetrics", enabled: true }],
        }),
    ),
];

const functions = (): RecordedResource[] => [
    res(
        "azure-native:storage:StorageAccount",
        "backend-storage",
        {
            resourceGroupName: "agents-dev-rg",
            accountName: "stagentsdev01",
            location: "westeurope",
            kind: "StorageV2",
            sku: { name: "Standard_LRS" },
            allowSharedKeyAccess: false,
            allowBlobPublicAccess: false,
            minimumTlsVersion: "TLS1_2",
            enableHttpsTrafficOnly: true,
            defaultToOAuthAuthentication: true,
            tags,
        },
        storageId,
    ),
    res("azure-native:storage:BlobContainer", "backend-snippets", {
        resourceGroupName: "agents-dev-rg",
        accountName: "stagentsdev01",
        containerName: "snippets",
        publicAccess: "None",
    }),
    res("azure-native:managedidentity:UserAssignedIdentity", "backend-identity", {
        resourceGroupName: "agents-dev-rg",
        resourceName: "id-agents-dev",
        location: "westeurope",
        tags,
    }),
    res("azure-native:authorization:RoleAssignment", "backend-blob-owner", {
        principalId: uamiPrincipal,
        principalType: "ServicePrincipal",
        roleDefinitionId: `${sub}/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b`,
        scope: storageId,
    }),
    res(
        "azure-native:web:WebApp",
        "backend-func",
        {
            resourceGroupName: "agents-dev-rg",
            name: "func-agents-dev",
            location: "westeurope",
            kind: "functionapp,linux",
            httpsOnly: true,
            identity: {
                type: "UserAssigned",
                userAssignedIdentities: [
                    `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-agents-dev`,
                ],
            },
            functionAppConfig: {
                runtime: { name: "node", version: "20" },
                scaleAndConcurrency: { instanceMemoryMB: 2048, maximumInstanceCount: 40 },
            },
            tags,
        },
        functionAppId,
    ),
    res("azure-native:web:WebAppApplicationSettings", "backend-settings", {
        resourceGroupName: "agents-dev-rg",
        name: "func-agents-dev",
        properties: {
            AzureWebJobsStorage__accountName: "stagentsdev01",
            AzureWebJobsStorage__credential: "managedidentity",
            AzureWebJobsStorage__clientId: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
            APPLICATIONINSIGHTS_CONNECTION_STRING:
                "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
            APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
                "ClientId=c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f;Authorization=AAD",
            SNIPPETS_STORAGE_ACCOUNT_URL: "https://stagentsdev01.blob.core.windows.net",
            AUTH_ISSUER: `https://login.microsoftonline.com/${tenantId}/v2.0`,
        },
    }),
];

const cluster = (): RecordedResource[] => [
    res(
        "azure-native:containerservice:ManagedCluster",
        "aks-cluster",
        {
            resourceGroupName: "agents-dev-rg",
            resourceName: "aks-agents-dev",
            location: "westeurope",
            dnsPrefix: "aks-agents-dev",
            enableRBAC: true,
            aadProfile: { managed: true, enableAzureRBAC: true, tenantID: tenantId },
            disableLocalAccounts: true,
            oidcIssuerProfile: { enabled: true },
            securityProfile: { workloadIdentity: { enabled: true } },
            networkProfile: { networkPlugin: "azure", networkPolicy: "cilium", networkDataplane: "cilium" },
            apiServerAccessProfile: { enablePrivateCluster: true },
            identity: { type: "SystemAssigned" },
            tags,
        },
        clusterId,
    ),
    res("azure-native:containerregistry:Registry", "aks-registry", {
        resourceGroupName: "agents-dev-rg",
        registryName: "acragentsdev",
        location: "westeurope",
        sku: { name: "Standard" },
        adminUserEnabled: false,
        tags,
    }),
    res("kubernetes:core/v1:Service", "aks-workload-service", {
        apiVersion: "v1",
        kind: "Service",
        metadata: {
            name: "mcp-tools",
            namespace: "mcp-tools",
            annotations: { "service.beta.kubernetes.io/azure-load-balancer-internal": "true" },
        },
        spec: { type: "LoadBalancer", ports: [{ port: 80, targetPort: "http" }] },
    }),
    res("azure-native:managedidentity:FederatedIdentityCredential", "aks-workload-fic", {
        resourceGroupName: "agents-dev-rg",
        resourceName: "id-agents-dev",
        issuer: `https://westeurope.oic.prod-aks.azure.com/${tenantId}/8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d/`,
        subject: "system:serviceaccount:mcp-tools:mcp-tools",
        audiences: ["api://AzureADTokenExchange"],
    }),
];

/** Federated credentials of the example agents, one per platform. */
export const agentCredentials: ReadonlyArray<{ agent: string; issuer: string; subject: string }> = [
    { agent: "gcp-agent", issuer: "https://accounts.google.com", subject: "112233445566778899001" },
    {
        agent: "aws-agent",
        issuer: "https://a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d.tokens.sts.global.api.aws",
        subject: "arn:aws:iam::123456789012:role/agents-caller",
    },
    {
        agent: "databricks-agent",
        issuer: `https://login.microsoftonline.com/${tenantId}/v2.0`,
        subject: "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f",
    },
    {
        agent: "github-deployer",
        issuer: "https://token.actions.githubusercontent.com",
        subject: "repo:contoso/agents-control-plane:environment:dev",
    },
];

const identity = (): RecordedResource[] => [
    res("azuread:index/application:Application", "identity-mcp-app", {
        displayName: "agents-control-plane-mcp-dev",
        identifierUris: ["api://agents-control-plane-dev"],
        signInAudience: "AzureADMyOrg",
        api: {
            requestedAccessTokenVersion: 2,
            oauth2PermissionScopes: [
                {
                    id: "0a1b2c3d-0000-4000-8000-000000000001",
                    value: "MCP.Access",
                    enabled: true,
                    type: "User",
                },
            ],
        },
        appRoles: [
            {
                id: "0a1b2c3d-0000-4000-8000-000000000002",
                value: "Tools.Invoke",
                allowedMemberTypes: ["Application"],
                displayName: "Invoke tools",
                description: "Invoke tools",
                enabled: true,
            },
        ],
        requiredResourceAccesses: [
            {
                resourceAppId: "00000003-0000-0000-c000-000000000000",
                resourceAccesses: [{ id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", type: "Scope" }],
            },
        ],
    }),
    res("azuread:index/servicePrincipal:ServicePrincipal", "identity-mcp-sp", {
        clientId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
    }),
    ...agentCredentials.flatMap(({ agent, issuer, subject }) => [
        res("azuread:index/application:Application", `identity-${agent}-app`, {
            displayName: `agent-${agent}-dev`,
        }),
        res(
            "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            `identity-${agent}-fic`,
            {
                applicationId: `/applications/${agent}-object-id`,
                displayName: `${agent}-federation`,
                issuer,
                subject,
                audiences: ["api://AzureADTokenExchange"],
            },
        ),
        res("azuread:index/appRoleAssignment:AppRoleAssignment", `identity-${agent}-tools-invoke`, {
            appRoleId: "0a1b2c3d-0000-4000-8000-000000000002",
            principalObjectId: `${agent}-sp-object-id`,
            resourceObjectId: "mcp-sp-object-id",
        }),
    ]),
    res("azuread:index/application:Application", "identity-salesforce-agent-app", {
        displayName: "agent-salesforce-agent-dev",
    }),
    res("azuread:index/applicationCertificate:ApplicationCertificate", "identity-salesforce-agent-cert", {
        applicationId: "/applications/salesforce-object-id",
        type: "AsymmetricX509Cert",
        encoding: "pem",
        value: "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----",
    }),
];

/** The whole compliant stack (fresh objects on every call). */
export function compliantStack(): RecordedResource[] {
    return [
        res(
            "azure-native:resources:ResourceGroup",
            "rg",
            { resourceGroupName: "agents-dev-rg", location: "westeurope", tags },
            rg,
        ),
        ...monitoring(),
        ...gateway(),
        ...functions(),
        ...cluster(),
        ...identity(),
    ];
}

/** A copy of `stack` with the named resource's inputs changed by `change`. */
export function withChange(
    stack: readonly RecordedResource[],
    name: string,
    change: (inputs: Record<string, unknown>) => void,
): RecordedResource[] {
    let found = false;
    const out = stack.map((r) => {
        if (r.name !== name) {
            return r;
        }
        found = true;
        const inputs = structuredClone(r.inputs) as Record<string, unknown>;
        change(inputs);
        return { ...r, inputs };
    });
    if (!found) {
        throw new Error(`no resource named ${name} in the fixture`);
    }
    return out;
}

/** A copy of `stack` without the named resources. */
export function without(stack: readonly RecordedResource[], ...names: string[]): RecordedResource[] {
    for (const n of names) {
        if (!stack.some((r) => r.name === n)) {
            throw new Error(`no resource named ${n} in the fixture`);
        }
    }
    return stack.filter((r) => !names.includes(r.name));
}

/** `resource` as recorded without its optional field `key` (no id known, no dependencies recorded). */
export function withoutField(
    resource: RecordedResource,
    key: "id" | "propertyDependencies",
): RecordedResource {
    const copy: { -readonly [K in keyof RecordedResource]: RecordedResource[K] } = { ...resource };
    delete copy[key];
    return copy;
}

/** A copy of `stack` with extra resources. */
export function plus(stack: readonly RecordedResource[], ...extra: RecordedResource[]): RecordedResource[] {
    return [...stack, ...extra];
}

export function resource(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    stack = "dev",
): RecordedResource {
    return { type, name, urn: urnOf(type, name, stack), inputs };
}
