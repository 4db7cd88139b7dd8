import * as assert from "node:assert/strict";
import { XMLValidator } from "fast-xml-parser";
import { allAppRoles, backendPaths, gatewayPaths, toolNames } from "functions-app/contract";
import { tools } from "functions-app/catalog";
import { readTracingSettings } from "functions-app/tracing/settings";
import { functionsKeyHeader, functionsKeyNamedValue } from "../../components/gateway/mcp-apis";
import { contentSafetyEndpointNamedValue, gatewayNamedValues } from "../../components/gateway/policies";
import { namedValueReferences } from "../../components/gateway/render";
import { mockMcpExtensionKey, mockTenantId } from "../../scripts/lib/mocks";
import {
    SynthError,
    synthesize,
    type RecordedResource,
    type SynthResult,
} from "../../scripts/lib/synthesize";
import { runOffline } from "../../policypacks/control-plane/offline";
import { renderPlan } from "../../scripts/lib/plan";
import { devAgents } from "./fixtures";
import { shippedStack } from "../support/shipped-stacks";
import { plain, stackView } from "../support/synth";

type Obj = Record<string, unknown>;

describe("dev stack synthesized under mocks", function () {
    this.timeout(60_000);
    let dev: SynthResult & { durationMs: number };
    const ofType = (type: string): RecordedResource[] => stackView(dev).ofType(type);
    const one = (type: string): RecordedResource => stackView(dev).one(type);
    const inputs = (r: RecordedResource): Obj => r.inputs;

    before(async () => {
        dev = await synthesize(shippedStack("dev"));
    });

    it("the plan and the policy report give the same count: resources, and the components apart", async () => {
        const plan = renderPlan("dev", dev, 0);
        let report = "";
        await runOffline(
            { stack: "dev", configOverrides: {}, json: false },
            () => Promise.resolve(dev),
            (t) => (report += t),
            () => undefined,
        );
        const components = dev.resources.filter((r) => !r.custom).length;
        const figure = `${dev.resources.length - components} resources in ${components} components`;
        assert.ok(components > 0);
        assert.ok(plan.includes(`\n${figure} (synthesized offline`), plan.slice(0, 200));
        assert.ok(report.startsWith(`Stack dev: ${figure} checked,`), report);
    });

    it("builds every component and resource type", () => {
        const types = new Set(dev.resources.map((r) => r.type));
        for (const t of [
            "agents:controlplane:ControlPlane",
            "agents:identity:Identity",
            "agents:identity:AgentIdentity",
            "agents:monitoring:Monitoring",
            "agents:gateway:Gateway",
            "agents:gateway:McpApis",
            "agents:functions:FunctionsBackend",
            "azure-native:resources:ResourceGroup",
            "azure-native:apimanagement:ApiManagementService",
            "azure-native:apimanagement:Logger",
            "azure-native:apimanagement:Diagnostic",
            "azure-native:apimanagement:NamedValue",
            "azure-native:apimanagement:Backend",
            "azure-native:apimanagement:Api",
            "azure-native:apimanagement:ApiOperation",
            "azure-native:apimanagement:ApiPolicy",
            "azure-native:apimanagement:ApiOperationPolicy",
            "azure-native:storage:StorageAccount",
            "azure-native:storage:BlobContainer",
            "azure-native:managedidentity:UserAssignedIdentity",
            "azure-native:authorization:RoleAssignment",
            "azure-native:web:AppServicePlan",
            "azure-native:web:WebApp",
            "azure-native:web:WebAppApplicationSettings",
            "azure-native:web:WebAppAuthSettingsV2",
            "azure-native:operationalinsights:Workspace",
            "azure-native:applicationinsights:Component",
            "azure-native:applicationinsights:Workbook",
            "azure-native:monitor:ActionGroup",
            "azure-native:monitor:ScheduledQueryRule",
            "azure-native:monitor:DiagnosticSetting",
            "azuread:index/application:Application",
            "azuread:index/servicePrincipal:ServicePrincipal",
            "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            "azuread:index/applicationCertificate:ApplicationCertificate",
            "azuread:index/appRoleAssignment:AppRoleAssignment",
            "pulumi-nodejs:dynamic/agents-functions:OneDeployPackage",
            "pulumi-nodejs:dynamic/agents-functions:McpExtensionKey",
        ]) {
            assert.ok(types.has(t), `missing ${t}`);
        }
        for (const r of dev.resources.filter((x) => x.type !== "agents:controlplane:ControlPlane")) {
            assert.ok(r.parent, `${r.name} has a parent component`);
        }
    });

    it("tags every taggable Azure resource with environment and project", () => {
        const taggable = dev.resources.filter(
            (r) => r.type.startsWith("azure-native:") && "tags" in r.inputs,
        );
        assert.ok(taggable.length >= 10);
        for (const r of taggable) {
            const tags = r.inputs.tags as Obj;
            assert.equal(tags.environment, "dev", r.name);
            assert.equal(tags.project, "agents-control-plane", r.name);
            assert.equal(tags.owner, "platform-team", r.name);
        }
    });

    it("keeps storage keyless, TLS 1.2 only and private", () => {
        const sa = inputs(one("azure-native:storage:StorageAccount"));
        assert.equal(sa.allowSharedKeyAccess, false);
        assert.equal(sa.minimumTlsVersion, "TLS1_2");
        assert.equal(sa.allowBlobPublicAccess, false);
        assert.equal(sa.enableHttpsTrafficOnly, true);
        assert.equal(sa.defaultToOAuthAuthentication, true);
        const containers = ofType("azure-native:storage:BlobContainer").map((c) => inputs(c));
        assert.deepEqual(containers.map((c) => c.containerName).sort(), ["app-package", "snippets"]);
        for (const c of containers) assert.equal(c.publicAccess, "None");
    });

    it("grants the function identity only blob owner, queue contributor and metrics publisher", () => {
        const uami = one("azure-native:managedidentity:UserAssignedIdentity");
        const backendAssignments = ofType("azure-native:authorization:RoleAssignment").filter(
            (r) => r.parent === uami.parent,
        );
        const roles = backendAssignments
            .map((r) => String(inputs(r).roleDefinitionId).split("/").pop())
            .sort();
        assert.deepEqual(roles, [
            "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
            "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
            "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
        ]);
        const account = one("azure-native:storage:StorageAccount");
        for (const r of backendAssignments) {
            assert.equal(inputs(r).principalType, "ServicePrincipal");
            const scope = String(inputs(r).scope);
            assert.ok(
                scope.endsWith(`/${String(inputs(account).accountName)}`) || scope.includes("/Component/"),
                scope,
            );
        }
    });

    it("runs the function app on Flex Consumption with functionAppConfig and no siteConfig", () => {
        const plan = inputs(one("azure-native:web:AppServicePlan"));
        assert.deepEqual(plan.sku, { name: "FC1", tier: "FlexConsumption" });
        const app = inputs(one("azure-native:web:WebApp"));
        assert.equal(app.kind, "functionapp,linux");
        assert.equal(app.httpsOnly, true);
        assert.equal(app.siteConfig, undefined);
        assert.equal((app.identity as Obj).type, "UserAssigned");
        const fac = app.functionAppConfig as {
            deployment: { storage: Obj };
            runtime: Obj;
            scaleAndConcurrency: Obj;
        };
        assert.equal(fac.deployment.storage.type, "blobContainer");
        assert.match(
            String(fac.deployment.storage.value),
            /^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\/app-package$/,
        );
        assert.equal((fac.deployment.storage.authentication as Obj).type, "UserAssignedIdentity");
        assert.deepEqual(fac.runtime, { name: "node", version: "22" });
        assert.deepEqual(fac.scaleAndConcurrency, { instanceMemoryMB: 2048, maximumInstanceCount: 40 });
    });

    it("configures identity-based storage and Entra-authenticated telemetry, and nothing Flex rejects", () => {
        const settings = plain(
            inputs(one("azure-native:web:WebAppApplicationSettings")).properties,
            true,
        ) as Obj;
        const uami = inputs(one("azure-native:managedidentity:UserAssignedIdentity"));
        assert.equal(settings.AzureWebJobsStorage__credential, "managedidentity");
        assert.match(String(settings.AzureWebJobsStorage__accountName), /^[a-z0-9]{3,24}$/);
        assert.match(String(settings.AzureWebJobsStorage__clientId), /^[0-9a-f-]{36}$/);
        assert.equal(settings.AzureWebJobsStorage__clientId, settings.AZURE_CLIENT_ID);
        assert.equal(
            settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
            `ClientId=${String(settings.AZURE_CLIENT_ID)};Authorization=AAD`,
        );
        assert.match(
            String(settings.SNIPPETS_STORAGE_ACCOUNT_URL),
            /^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net$/,
        );
        assert.equal(settings.SNIPPETS_CONTAINER, "snippets");
        // The tool service reads these settings as Azure Monitor export with the app's identity.
        const tracing = readTracingSettings(settings as Record<string, string>);
        assert.deepEqual(tracing.errors, []);
        assert.ok(tracing.settings?.exporter === "azure-monitor", JSON.stringify(tracing.settings));
        assert.equal(tracing.settings.managedIdentityClientId, settings.AZURE_CLIENT_ID);
        assert.ok(uami.resourceName);
        for (const banned of [
            "AzureWebJobsStorage",
            "WEBSITE_RUN_FROM_PACKAGE",
            "FUNCTIONS_WORKER_RUNTIME",
            "FUNCTIONS_EXTENSION_VERSION",
            "WEBSITE_CONTENTSHARE",
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
            "SCM_DO_BUILD_DURING_DEPLOYMENT",
            "ENABLE_ORYX_BUILD",
        ]) {
            assert.equal(settings[banned], undefined, banned);
        }
        for (const value of Object.values(settings))
            assert.doesNotMatch(String(value), /AccountKey=|SharedAccessSignature|sig=/);
    });

    it("admits only the gateway's identity to the backend, with a token for the backend audience", () => {
        const auth = inputs(one("azure-native:web:WebAppAuthSettingsV2"));
        assert.deepEqual(auth.globalValidation, {
            requireAuthentication: true,
            unauthenticatedClientAction: "Return401",
        });
        const aad = (
            auth.identityProviders as { azureActiveDirectory: { registration: Obj; validation: Obj } }
        ).azureActiveDirectory;
        const backendApp = ofType("azuread:index/application:Application").find((a) =>
            a.name.endsWith("-backend-app"),
        );
        assert.ok(backendApp);
        const backendClientId = aad.registration.clientId as string;
        assert.match(backendClientId, /^[0-9a-f-]{36}$/);
        assert.equal(aad.registration.openIdIssuer, `https://login.microsoftonline.com/${mockTenantId}/v2.0`);
        assert.deepEqual(aad.validation.allowedAudiences, [backendClientId, `api://${backendClientId}`]);
        const apim = one("azure-native:apimanagement:ApiManagementService");
        const allowed = ((aad.validation.defaultAuthorizationPolicy as Obj).allowedPrincipals as Obj)
            .identities as string[];
        assert.equal(allowed.length, 1);
        // The gateway's principal is granted the backend role, and that assignment targets the backend SP.
        const grant = ofType("azuread:index/appRoleAssignment:AppRoleAssignment").find((r) =>
            r.name.endsWith("-backend-grant"),
        );
        assert.ok(grant);
        assert.equal(inputs(grant).principalObjectId, allowed[0]);
        assert.ok(apim);
        // Basic-auth publishing is off: deployments use Entra tokens only.
        assert.equal(inputs(one("azure-native:web:WebAppFtpAllowed")).allow, false);
        assert.equal(inputs(one("azure-native:web:WebAppScmAllowed")).allow, false);
    });

    it("deploys the bundled package with OneDeploy keyed on its sha256", () => {
        const d = inputs(one("pulumi-nodejs:dynamic/agents-functions:OneDeployPackage"));
        assert.match(String(d.sha256), /^[0-9a-f]{64}$/);
        assert.equal(d.sha256, (dev.outputs.backend as Obj).packageSha256);
        assert.match(String(d.scmHost), /\.scm\.azurewebsites\.net$/);
        assert.equal(plain(d.token, true), "mock-arm-access-token");
    });

    it("reads the MCP extension's system key after OneDeploy into the vault, where the gateway reads it", () => {
        const read = inputs(one("pulumi-nodejs:dynamic/agents-functions:McpExtensionKey"));
        const app = one("azure-native:web:WebApp");
        const deployment = inputs(one("pulumi-nodejs:dynamic/agents-functions:OneDeployPackage"));
        // The read is keyed on the app and follows the deployed package (the host creates the key on start).
        assert.ok(
            String(read.siteId).endsWith(`/providers/Microsoft.web/WebApp/${String(inputs(app).name)}`),
        );
        assert.equal(read.deployedSha256, deployment.sha256);
        assert.equal(read.armEndpoint, "https://management.azure.com");
        assert.equal(plain(read.token, true), "mock-arm-access-token");
        // The key lives only in a vault secret; its named value refers to it, no other named value is secret.
        const secret = one("azure-native:keyvault:Secret");
        assert.equal(inputs(secret).secretName, functionsKeyNamedValue);
        assert.equal((plain(inputs(secret).properties, true) as Obj).value, mockMcpExtensionKey);
        const named = ofType("azure-native:apimanagement:NamedValue").map(inputs);
        const keyValue = named.find((n) => n.namedValueId === functionsKeyNamedValue);
        assert.ok(keyValue, "a named value for the key");
        assert.equal(keyValue.secret, true);
        assert.equal(keyValue.displayName, functionsKeyNamedValue);
        assert.equal(keyValue.value, undefined);
        assert.deepEqual(keyValue.keyVault, {
            secretIdentifier: `https://${String(inputs(one("azure-native:keyvault:Vault")).vaultName)}.vault.azure.net/secrets/${functionsKeyNamedValue}`,
        });
        for (const other of named.filter((n) => n !== keyValue)) {
            assert.equal(other.secret, false, String(other.namedValueId));
            assert.notEqual(plain(other.value), mockMcpExtensionKey);
        }
        // The Functions backend presents it as x-functions-key from the named value, never as a literal.
        const backend = inputs(one("azure-native:apimanagement:Backend"));
        assert.deepEqual(backend.credentials, {
            header: { [functionsKeyHeader]: [`{{${functionsKeyNamedValue}}}`] },
        });
        const holders = dev.resources.filter((r) => JSON.stringify(r.inputs).includes(mockMcpExtensionKey));
        assert.deepEqual(
            holders.map((r) => r.type),
            ["azure-native:keyvault:Secret"],
        );
        // The key is not a stack output.
        assert.doesNotMatch(JSON.stringify(dev.outputs), new RegExp(mockMcpExtensionKey));
    });

    it("gives APIM a managed identity, telemetry without bodies and logs to Log Analytics", () => {
        const apim = inputs(one("azure-native:apimanagement:ApiManagementService"));
        assert.deepEqual(apim.identity, { type: "SystemAssigned" });
        assert.deepEqual(apim.sku, { name: "BasicV2", capacity: 1 });
        assert.equal(
            (apim.customProperties as Obj)[
                "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Protocols.Tls11"
            ],
            "False",
        );
        const logger = inputs(
            ofType("azure-native:apimanagement:Logger").find((l) => inputs(l).loggerId === "appinsights")!,
        );
        assert.equal(logger.loggerType, "applicationInsights");
        assert.equal((plain(logger.credentials) as Obj).identityClientId, "SystemAssigned");
        for (const d of ofType("azure-native:apimanagement:Diagnostic").map(inputs)) {
            for (const side of ["frontend", "backend"]) {
                const s = d[side] as { request: { body: Obj }; response: { body: Obj } };
                assert.equal(s.response.body.bytes, 0, `${String(d.diagnosticId)} ${side} response body`);
                assert.equal(s.request.body.bytes, 0, `${String(d.diagnosticId)} ${side} request body`);
            }
        }
        const ai = inputs(
            ofType("azure-native:apimanagement:Diagnostic").find(
                (d) => inputs(d).diagnosticId === "applicationinsights",
            )!,
        );
        assert.equal(ai.metrics, true);
        assert.deepEqual(ai.sampling, { samplingType: "fixed", percentage: 100 });
        // W3C: APIM reads the caller's traceparent and sends the backend one under its own span.
        assert.equal(ai.httpCorrelationProtocol, "W3C");
    });

    it("sends diagnostics from APIM, the function app and storage to the workspace", () => {
        const settings = ofType("azure-native:monitor:DiagnosticSetting").map(inputs);
        const uris = settings.map((s) => String(s.resourceUri));
        for (const suffix of [
            "ApiManagementService/",
            "WebApp/",
            "/blobServices/default",
            "/queueServices/default",
        ]) {
            assert.ok(
                uris.some((u) => u.includes(suffix)),
                `diagnostic setting for ${suffix}`,
            );
        }
        for (const s of settings) {
            assert.match(String(s.workspaceId), /Workspace\/acp-dev-logs$/);
            assert.equal(s.logAnalyticsDestinationType, "Dedicated");
        }
        const apimSetting = settings.find((s) => String(s.resourceUri).includes("ApiManagementService/"))!;
        assert.deepEqual(apimSetting.logs, [{ categoryGroup: "allLogs", enabled: true }]);
    });

    it("creates the workspace, App Insights without local auth, the action group, alerts and the workbook", () => {
        const ws = inputs(one("azure-native:operationalinsights:Workspace"));
        assert.equal(ws.retentionInDays, 30);
        const ai = inputs(one("azure-native:applicationinsights:Component"));
        assert.equal(ai.disableLocalAuth, true);
        assert.match(String(ai.workspaceResourceId), /Workspace\/acp-dev-logs$/);
        const ag = inputs(one("azure-native:monitor:ActionGroup"));
        assert.equal(ag.enabled, true);
        assert.ok(String(ag.groupShortName).length <= 12);
        assert.deepEqual(
            (ag.emailReceivers as Obj[]).map((r) => r.emailAddress),
            ["platform-oncall@contoso.com"],
        );
        const alerts = ofType("azure-native:monitor:ScheduledQueryRule").map(inputs);
        assert.deepEqual(alerts.map((a) => String(a.ruleName).replace("acp-dev-", "")).sort(), [
            "auth-failures",
            "backend-errors",
            "latency-p95",
            "throttling",
        ]);
        for (const a of alerts) {
            const [c] = (a.criteria as { allOf: Obj[] }).allOf;
            assert.ok(c);
            assert.equal(c.operator, "GreaterThan");
            assert.match(String(c.query), /ApiManagementGatewayLogs/);
            assert.equal(((a.actions as Obj).actionGroups as string[]).length, 1);
        }
        const criterionOf = (rule: string): Obj => {
            const alert = alerts.find((a) => a.ruleName === `acp-dev-${rule}`);
            const [criterion] = (alert?.criteria as { allOf: Obj[] } | undefined)?.allOf ?? [];
            assert.ok(criterion, `the ${rule} alert has a criterion`);
            return criterion;
        };
        assert.match(String(criterionOf("auth-failures").query), /401, 403/);
        assert.match(String(criterionOf("throttling").query), /429/);
        assert.equal(criterionOf("latency-p95").threshold, 3000);
        const wb = inputs(one("azure-native:applicationinsights:Workbook"));
        assert.match(
            String(wb.resourceName),
            /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        );
        const data = JSON.parse(String(wb.serializedData)) as { items: { content: { query?: string } }[] };
        const queries = data.items.map((i) => i.content.query ?? "").join("\n");
        assert.match(queries, /by agent, tool/);
        assert.match(queries, /percentile\(TotalTime, 95\)/);
        // The dashboard shows agent names, mapped from the caller app ids.
        for (const a of devAgents()) assert.ok(queries.includes(`"${String(a.name)}"`), String(a.name));
    });

    it("creates the MCP app with v2 tokens, the contract's roles and scope, and an app id URI", () => {
        const mcp = ofType("azuread:index/application:Application").find((a) => a.name.endsWith("-mcp-app"))!;
        const app = inputs(mcp);
        assert.equal((app.api as Obj).requestedAccessTokenVersion, 2);
        const scopes = (app.api as { oauth2PermissionScopes: Obj[] }).oauth2PermissionScopes;
        assert.deepEqual(
            scopes.map((s) => s.value),
            ["MCP.Access"],
        );
        const roles = app.appRoles as Obj[];
        assert.deepEqual(roles.map((r) => r.value).sort(), [...allAppRoles].sort());
        const uri = inputs(one("azuread:index/applicationIdentifierUri:ApplicationIdentifierUri"));
        assert.equal(uri.identifierUri, dev.outputs.mcpAppIdUri);
        assert.match(String(uri.identifierUri), /^api:\/\/[0-9a-f-]{36}$/);
        const sp = ofType("azuread:index/servicePrincipal:ServicePrincipal").find((s) =>
            s.name.endsWith("-mcp-sp"),
        )!;
        assert.equal(inputs(sp).appRoleAssignmentRequired, true);
    });

    it("maps each agent's platform to federated credentials with the exact issuer, subject and audience", () => {
        const fics = ofType(
            "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
        );
        const byAgent = (agent: string) =>
            fics
                .filter((f) => f.parent?.endsWith(`::acp-dev-identity-agent-${agent}`))
                .map((f) => {
                    const i = inputs(f);
                    return { issuer: i.issuer, subject: i.subject, audiences: i.audiences };
                });
        const aud = ["api://AzureADTokenExchange"];
        assert.deepEqual(byAgent("gcp-research"), [
            { issuer: "https://accounts.google.com", subject: "113456789012345678901", audiences: aud },
        ]);
        assert.deepEqual(byAgent("aws-support"), [
            {
                issuer: "https://3f2a9c1e-7b4d-4e8f-a1c2-5d6e7f8a9b0c.tokens.sts.global.api.aws",
                subject: "arn:aws:iam::123456789012:role/bedrock-support-agent",
                audiences: aud,
            },
        ]);
        assert.deepEqual(byAgent("databricks-etl"), [
            {
                issuer: `https://login.microsoftonline.com/${mockTenantId}/v2.0`,
                subject: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                audiences: aud,
            },
        ]);
        assert.deepEqual(byAgent("aks-incident-bot"), [
            {
                issuer: "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f/",
                subject: "system:serviceaccount:agents:incident-bot",
                audiences: aud,
            },
        ]);
        assert.deepEqual(byAgent("github-deployer"), [
            {
                issuer: "https://token.actions.githubusercontent.com",
                subject: "repo:contoso/agents-control-plane:environment:dev",
                audiences: aud,
            },
            {
                issuer: "https://token.actions.githubusercontent.com",
                subject: "repo:contoso/agents-control-plane:ref:refs/heads/main",
                audiences: aud,
            },
        ]);
        assert.deepEqual(byAgent("salesforce-service"), []);
        for (const f of fics)
            assert.equal(String(inputs(f).applicationId).startsWith("/applications/"), true);
    });

    it("gives Salesforce a certificate credential, stored as a secret, and never a password", () => {
        const cert = inputs(one("azuread:index/applicationCertificate:ApplicationCertificate"));
        assert.equal(cert.type, "AsymmetricX509Cert");
        assert.equal(cert.encoding, "pem");
        assert.match(String(plain(cert.value, true)), /^-----BEGIN CERTIFICATE-----/);
        assert.ok(
            one("azuread:index/applicationCertificate:ApplicationCertificate").parent?.endsWith(
                "agent-salesforce-service",
            ),
        );
        assert.equal(ofType("azuread:index/applicationPassword:ApplicationPassword").length, 0);
    });

    it("assigns each agent exactly the MCP app roles it was given", () => {
        const mcpApp = inputs(
            ofType("azuread:index/application:Application").find((a) => a.name.endsWith("-mcp-app"))!,
        );
        const roleIdToValue = new Map(
            (mcpApp.appRoles as Obj[]).map((r) => [r.id as string, r.value as string]),
        );
        const assignments = ofType("azuread:index/appRoleAssignment:AppRoleAssignment");
        const agentSps = ofType("azuread:index/servicePrincipal:ServicePrincipal").filter((s) =>
            s.name.includes("-agent-"),
        );
        for (const agent of devAgents()) {
            const component = `acp-dev-identity-agent-${String(agent.name)}`;
            const granted = assignments
                .filter((a) => a.parent?.endsWith(`::${component}`))
                .map((a) => roleIdToValue.get(String(inputs(a).appRoleId)))
                .sort();
            assert.deepEqual(granted, [...(agent.roles as string[])].sort(), component);
            assert.ok(agentSps.some((s) => s.parent?.endsWith(`::${component}`)));
            const exported = (dev.outputs.agents as Record<string, Obj>)[String(agent.name)];
            assert.ok(exported, `the agents output names ${String(agent.name)}`);
            assert.deepEqual([...(exported.roles as string[])].sort(), [...(agent.roles as string[])].sort());
        }
        // The Sentinel playbook identity gets the incident role only.
        const sentinel = assignments.find((a) => a.name.endsWith("-sentinel-caller-1"))!;
        assert.equal(roleIdToValue.get(String(inputs(sentinel).appRoleId)), "Incidents.Analyze");
        assert.equal(inputs(sentinel).principalObjectId, "6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d");
    });

    it("exposes the MCP API (Streamable HTTP, SSE, message), the Sentinel API and the metadata endpoint", () => {
        const apis = ofType("azure-native:apimanagement:Api").map(inputs);
        assert.deepEqual(apis.map((a) => a.path).sort(), [
            ".well-known/oauth-protected-resource",
            "mcp",
            "sentinel",
        ]);
        for (const a of apis) {
            assert.deepEqual(a.protocols, ["https"]);
            assert.equal(a.subscriptionRequired, false);
        }
        const ops = ofType("azure-native:apimanagement:ApiOperation").map(inputs);
        const mcpOps = ops
            .filter((o) => o.apiId === "mcp")
            .map((o) => `${String(o.method)} ${String(o.urlTemplate)}`);
        assert.deepEqual(mcpOps.sort(), ["DELETE /", "GET /", "GET /sse", "POST /", "POST /message"]);
        assert.ok(
            ops.some(
                (o) => o.apiId === "sentinel" && o.method === "POST" && o.urlTemplate === "/ai-agent/webhook",
            ),
        );
        const backend = inputs(one("azure-native:apimanagement:Backend"));
        assert.match(String(backend.url), /^https:\/\/acp-dev-tools-[0-9a-f]{6}\.azurewebsites\.net$/);
        const rewrites = ofType("azure-native:apimanagement:ApiOperationPolicy").map((p) =>
            String(inputs(p).value),
        );
        for (const path of [backendPaths.mcpStreamable, backendPaths.mcpSse, backendPaths.mcpMessage]) {
            assert.ok(
                rewrites.some((x) => x.includes(`template="${path}"`)),
                path,
            );
        }
    });

    it("deploys policies that are well-formed and reference only named values the program defines", () => {
        const defined = new Set(
            ofType("azure-native:apimanagement:NamedValue").map((n) => String(inputs(n).displayName)),
        );
        assert.deepEqual(
            [...defined].sort(),
            // Dev screens tool traffic (contentSafety: audit), so the Content Safety endpoint is one.
            [
                ...Object.values(gatewayNamedValues),
                functionsKeyNamedValue,
                contentSafetyEndpointNamedValue,
            ].sort(),
        );
        for (const nv of ofType("azure-native:apimanagement:NamedValue").map(inputs)) {
            assert.equal(nv.displayName, nv.namedValueId);
            const keyVault = nv.keyVault as { secretIdentifier?: string } | undefined;
            assert.ok(
                String(plain(nv.value ?? keyVault?.secretIdentifier)).length > 0,
                String(nv.displayName),
            );
        }
        const policies = [
            ...ofType("azure-native:apimanagement:ApiPolicy"),
            ...ofType("azure-native:apimanagement:ApiOperationPolicy"),
        ];
        assert.equal(policies.length, 8);
        for (const p of policies) {
            const xml = String(inputs(p).value);
            assert.equal(inputs(p).format, "xml");
            assert.equal(XMLValidator.validate(xml), true, p.name);
            assert.doesNotMatch(xml, /\$\(/, `${p.name} has a leftover render marker`);
            for (const ref of namedValueReferences(xml))
                assert.ok(defined.has(ref), `${p.name}: {{${ref}}} undefined`);
        }
        const mcpPolicy = String(
            inputs(policies.find((p) => inputs(p).apiId === "mcp" && p.type.endsWith(":ApiPolicy"))!).value,
        );
        assert.match(mcpPolicy, /<validate-azure-ad-token /);
        assert.match(mcpPolicy, /<rate-limit-by-key calls="120" renewal-period="60"/);
        assert.match(mcpPolicy, /buffer-response="false"/);
        assert.match(mcpPolicy, /<authentication-managed-identity resource="\{\{backend-audience\}\}" \/>/);
        for (const tool of Object.values(toolNames)) assert.ok(mcpPolicy.includes(`${tool}=`), tool);
    });

    it("gives the gateway's role table and the MCP app's roles every catalog tool, with the role it states", () => {
        const mcpPolicy = String(
            inputs(ofType("azure-native:apimanagement:ApiPolicy").find((p) => inputs(p).apiId === "mcp")!)
                .value,
        );
        // Tables the policy splits on ';': the role table is the one that maps names to app roles.
        const roleTables = new Set(
            [...mcpPolicy.matchAll(/&quot;([^&]*)&quot;\.Split\(';'\)/g)]
                .flatMap((m) => m[1] ?? [])
                .filter((table) =>
                    table.split(";").every((entry) => allAppRoles.some((role) => entry.endsWith(`=${role}`))),
                ),
        );
        const [roleTable] = roleTables;
        assert.ok(
            roleTable !== undefined && roleTables.size === 1,
            "one role table, the same wherever the policy reads it",
        );
        assert.deepEqual(
            roleTable.split(";").map((entry) => entry.split("=")),
            tools.map((t) => [t.name, t.role]),
        );
        const mcpApp = ofType("azuread:index/application:Application").find((a) =>
            a.name.endsWith("-mcp-app"),
        )!;
        const appRoleValues = (inputs(mcpApp).appRoles as Obj[]).map((r) => r.value);
        for (const tool of tools) assert.ok(appRoleValues.includes(tool.role), `${tool.name}: ${tool.role}`);
    });

    it("exports the outputs the README lists for agent owners (endpoints, metadata, per-agent connection facts)", () => {
        const o = dev.outputs;
        const gw = String(o.gatewayUrl);
        assert.match(gw, /^https:\/\/acp-dev-apim-[0-9a-f]{6}\.azure-api\.net$/);
        assert.equal(o.mcpEndpoint, `${gw}${gatewayPaths.mcp}`);
        assert.equal(o.mcpSseUrl, `${gw}${gatewayPaths.mcpSse}`);
        assert.equal(o.sentinelWebhookUrl, `${gw}${gatewayPaths.sentinelWebhook}`);
        assert.equal(o.protectedResourceMetadataUrl, `${gw}${gatewayPaths.protectedResourceMetadata}/mcp`);
        assert.equal(o.tenantId, mockTenantId);
        assert.match(String(o.mcpAppClientId), /^[0-9a-f-]{36}$/);
        assert.equal(o.mcpAppIdUri, `api://${String(o.mcpAppClientId)}`);
        const agents = o.agents as Record<string, Obj>;
        assert.deepEqual(
            Object.keys(agents).sort(),
            devAgents()
                .map((a) => String(a.name))
                .sort(),
        );
        for (const [name, a] of Object.entries(agents)) {
            assert.equal(a.tenantId, mockTenantId, name);
            assert.match(String(a.clientId), /^[0-9a-f-]{36}$/, name);
            assert.equal(a.scope, `${String(o.mcpAppIdUri)}/.default`, name);
            assert.ok(Array.isArray(a.roles) && a.roles.length > 0, name);
            assert.equal(a.credential, name === "salesforce-service" ? "certificate" : "federated", name);
            for (const f of a.federation as Obj[])
                assert.deepEqual(Object.keys(f).sort(), ["audience", "issuer", "subject"]);
        }
        const m = o.monitoring as Obj;
        for (const k of [
            "workspaceId",
            "workspaceName",
            "appInsightsId",
            "appInsightsName",
            "actionGroupId",
            "workbookId",
        ]) {
            assert.ok(typeof m[k] === "string" && m[k].length > 0, k);
        }
        assert.equal((m.alertRuleIds as string[]).length, 4);
    });
});

describe("synthesis of other configurations", function () {
    this.timeout(60_000);

    it("synthesizes the prod stack with its own SKU, capacity and limits", async () => {
        const prod = await synthesize(shippedStack("prod"));
        const apim = prod.resources.find(
            (r) => r.type === "azure-native:apimanagement:ApiManagementService",
        )!;
        assert.deepEqual(apim.inputs.sku, { name: "StandardV2", capacity: 2 });
        const mcpPolicy = prod.resources.find(
            (r) => r.type === "azure-native:apimanagement:ApiPolicy" && r.inputs.apiId === "mcp",
        )!;
        assert.match(String(mcpPolicy.inputs.value), /calls="300"/);
        assert.equal(Object.keys(prod.outputs.agents as Obj).length, 3);
        // AKS backend: no Functions key is read, stored or presented.
        assert.equal((prod.outputs.backend as Obj).kind, "aks");
        assert.equal(
            prod.resources.filter((r) => r.type === "pulumi-nodejs:dynamic/agents-functions:McpExtensionKey")
                .length,
            0,
        );
        const named = prod.resources.filter((r) => r.type === "azure-native:apimanagement:NamedValue");
        assert.ok(named.length > 0);
        assert.ok(
            named.every((n) => n.inputs.namedValueId !== functionsKeyNamedValue && n.inputs.secret === false),
        );
        const backend = prod.resources.find((r) => r.type === "azure-native:apimanagement:Backend")!;
        assert.equal(backend.inputs.credentials, undefined);
    });

    it("gives the gateway a certificate identity granted read on the one secret before the service exists", async () => {
        const vaultId =
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/certs/providers/Microsoft.KeyVault/vaults/contoso-certs";
        const stack = await synthesize(
            shippedStack("dev", {
                customDomainHostName: "mcp.contoso.com",
                customDomainCertificateSecretId: "https://contoso-certs.vault.azure.net/secrets/mcp-tls",
                customDomainKeyVaultId: vaultId,
            }),
        );
        const identity = stack.resources.find((r) => r.name.endsWith("-gateway-certificate-reader"));
        assert.equal(identity?.type, "azure-native:managedidentity:UserAssignedIdentity");
        const grant = stack.resources.find((r) => r.name.endsWith("-gateway-certificate-read"))!;
        assert.equal(grant.inputs.scope, `${vaultId}/secrets/mcp-tls`);
        assert.match(String(grant.inputs.roleDefinitionId), /4633458b-17de-408a-b874-0445c86b69e6$/);
        const apim = stack.resources.find(
            (r) => r.type === "azure-native:apimanagement:ApiManagementService",
        )!;
        const id = apim.inputs.identity as { type: string; userAssignedIdentities: Record<string, unknown> };
        assert.equal(id.type, "SystemAssigned, UserAssigned");
        assert.equal(Object.keys(id.userAssignedIdentities).length, 1);
        const [hostname] = apim.inputs.hostnameConfigurations as Record<string, unknown>[];
        assert.ok(hostname);
        assert.equal(hostname.hostName, "mcp.contoso.com");
        assert.equal(hostname.certificateSource, "KeyVault");
        assert.equal(typeof hostname.identityClientId, "string");
        assert.equal(stack.outputs.mcpEndpoint, "https://mcp.contoso.com/mcp");
        assert.equal(stack.outputs.mcpAppIdUri, "https://mcp.contoso.com/mcp");
    });

    it("rejects a bad configuration with every problem at once and registers no resource", async () => {
        const agents = devAgents();
        agents[0] = {
            ...agents[0],
            gcp: { serviceAccountUniqueId: "research@proj.iam.gserviceaccount.com" },
        };
        agents[2] = { ...agents[2], name: "gcp-research" };
        agents[3] = { ...agents[3], salesforce: {} };
        const error = await synthesize(
            shippedStack("dev", { backend: "aks", apimSku: "Consumption", agents: JSON.stringify(agents) }),
        ).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(error instanceof SynthError, String(error));
        assert.match(error.message, /^Invalid stack configuration \(5 problems\):/);
        for (const expected of [
            "agents-control-plane:aksAuthorizedIpRanges: is required when aksPrivateCluster is false",
            "agents-control-plane:apimSku: Consumption is not supported",
            "agents-control-plane:agents[0].gcp.serviceAccountUniqueId: must be the 21-digit numeric unique id",
            'agents-control-plane:agents[2].name: duplicate agent name "gcp-research"',
            "agents-control-plane:agents[3].salesforce.certificate: is required",
        ]) {
            assert.ok(error.message.includes(expected), `missing: ${expected}\n${error.message}`);
        }
        assert.deepEqual(error.resources, []);
    });
});
