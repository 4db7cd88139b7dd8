import type { RecordedResource } from "../../../policypacks/control-plane/evaluate";
import { PolicyCase } from "../harness";
import { compliantStack, plus, resource, withChange } from "../fixtures";

const policy = "tracing-entra-auth";
const rg = "/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/resourceGroups/agents-dev-rg";
const componentId = `${rg}/providers/Microsoft.Insights/components/appi-agents-dev`;
const publisherRole = `/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/providers/Microsoft.Authorization/roleDefinitions/3913510d-42f4-4e42-8a64-420c390055eb`;
/** The client id the fixture's function app settings name (APPLICATIONINSIGHTS_AUTHENTICATION_STRING). */
const clientId = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f";
const connectionString =
    "InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";

/**
 * The fixture with its function app exporting spans, as the engine gives a stack policy outputs:
 * the identity's client and principal ids are known, no property dependencies are recorded.
 */
function tracingStack(scope = componentId): RecordedResource[] {
    const stack = compliantStack();
    const principalId = stack.find((r) => r.name === "backend-blob-owner")?.inputs.principalId;
    const withOutputs = withChange(
        withChange(stack, "backend-identity", (i) => Object.assign(i, { clientId, principalId })),
        "backend-settings",
        (i) => ((i.properties as Record<string, unknown>).TRACING_EXPORTER = "azure-monitor"),
    );
    return plus(
        withOutputs,
        resource("azure-native:authorization:RoleAssignment", "backend-metrics-publisher", {
            principalId,
            principalType: "ServicePrincipal",
            roleDefinitionId: publisherRole,
            scope,
        }),
    );
}

/** A tool Deployment applied through the Kubernetes provider with `env` on its container. */
function deployment(env: Record<string, unknown>[]): RecordedResource {
    return resource("kubernetes:apps/v1:Deployment", "aks-workload-deployment", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "mcp-tools", namespace: "mcp-tools" },
        spec: { template: { spec: { containers: [{ name: "mcp-host", image: "x", env }] } } },
    });
}

const podTracing = [
    { name: "TRACING_EXPORTER", value: "azure-monitor" },
    { name: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", value: `ClientId=${clientId};Authorization=AAD` },
];

export const tracingCases: PolicyCase[] = [
    {
        policy,
        title: "a function app publishing as its identity, which holds the publisher role on the component",
        resources: () => tracingStack(),
    },
    {
        policy,
        title: "pods publishing as that identity, the connection string from a Secret",
        resources: () =>
            plus(
                tracingStack(),
                deployment([
                    ...podTracing,
                    {
                        name: "APPLICATIONINSIGHTS_CONNECTION_STRING",
                        valueFrom: {
                            secretKeyRef: { name: "mcp-tools-telemetry", key: "connection-string" },
                        },
                    },
                ]),
            ),
    },
    {
        policy,
        title: "an identity without the publisher role",
        resources: () => tracingStack().filter((r) => r.name !== "backend-metrics-publisher"),
        message:
            /function app "func-agents-dev" publishes spans as "backend-identity", which holds no Monitoring Metrics Publisher role on the App Insights component; Application Insights drops every span/,
    },
    {
        policy,
        title: "the publisher role on the resource group",
        resources: () => tracingStack(rg),
        message:
            /\(only on \/subscriptions\/.*\/resourceGroups\/agents-dev-rg: grant it on the component itself/,
    },
    {
        policy,
        title: "instrumentation-key ingestion (no Authorization=AAD)",
        resources: () =>
            withChange(tracingStack(), "backend-settings", (i) => {
                (i.properties as Record<string, unknown>).APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "";
            }),
        message:
            /the tool service would refuse to start: APPLICATIONINSIGHTS_AUTHENTICATION_STRING: must be Authorization=AAD/,
    },
    {
        policy,
        title: "Entra authentication that names no identity",
        resources: () =>
            withChange(tracingStack(), "backend-settings", (i) => {
                (i.properties as Record<string, unknown>).APPLICATIONINSIGHTS_AUTHENTICATION_STRING =
                    "Authorization=AAD";
            }),
        message: /names no identity; add ClientId=<the user-assigned identity's client id>/,
    },
    {
        policy,
        title: "a client id that is no identity of the stack",
        resources: () =>
            withChange(tracingStack(), "backend-settings", (i) => {
                (i.properties as Record<string, unknown>).APPLICATIONINSIGHTS_AUTHENTICATION_STRING =
                    "ClientId=99999999-9999-4999-8999-999999999999;Authorization=AAD";
            }),
        message:
            /publishes as client id 99999999-9999-4999-8999-999999999999, which is no user-assigned identity of this stack/,
    },
    {
        policy,
        title: "pods with the connection string as a literal value",
        resources: () =>
            plus(
                tracingStack(),
                deployment([
                    ...podTracing,
                    { name: "APPLICATIONINSIGHTS_CONNECTION_STRING", value: connectionString },
                ]),
            ),
        message:
            /container "mcp-host" of Deployment mcp-tools\/mcp-tools sets APPLICATIONINSIGHTS_CONNECTION_STRING as a literal value in the pod spec/,
    },
];
