/**
 * The AKS backend's spans reach the stack's Application Insights with Entra authentication: the
 * pods' environment (a Secret for the connection string) read by the Node host's own settings
 * reader, the workload identity's publisher role on the component, the connection string secret
 * everywhere in the recorded graph, and the dev (Functions) stack as it was.
 */
import * as assert from "node:assert/strict";
import { readSettings } from "functions-app/node-host/settings";
import { readTracingSettings } from "functions-app/tracing/settings";
import { builtInRoles, stableGuid } from "../../components/azure/ids";
import { parseStackConfig } from "../../components/config/parse";
import { evaluate } from "../../policypacks/control-plane/evaluate";
import { tracingEntraAuth } from "../../policypacks/control-plane/tracing";
import { isWrappedSecret } from "../../scripts/lib/secret-wire";
import { mockSubscriptionId } from "../../scripts/lib/mocks";
import { synthesize, type RecordedResource, type SynthResult } from "../../scripts/lib/synthesize";
import { sharedStacks, sharedSynthesis } from "../support/shared-synthesis";
import { shippedConfig, shippedStack } from "../support/shipped-stacks";
import { plain, roleOf, stackView } from "../support/synth";
import { clusterObjectsType, podEnvironment, workloadObjects } from "../support/workload-objects";
import { dependencyGraph } from "./graph";

type Obj = Record<string, unknown>;

const types = {
    appInsights: "azure-native:applicationinsights:Component",
    identity: "azure-native:managedidentity:UserAssignedIdentity",
    roleAssignment: "azure-native:authorization:RoleAssignment",
    settings: "azure-native:web:WebAppApplicationSettings",
} as const;

/** The id the mock runtime gives an azure-native resource (scripts/lib/mocks.ts). */
function mockId(r: RecordedResource, nameInput: string): string {
    const [, module, kind] = r.type.split(":");
    return `/subscriptions/${mockSubscriptionId}/resourceGroups/${String(r.inputs.resourceGroupName)}/providers/Microsoft.${module}/${kind}/${String(r.inputs[nameInput])}`;
}

/** An output the mock runtime gives a resource (a stable GUID per resource and purpose). */
const mockGuid = (r: RecordedResource, purpose: string) => stableGuid("mock", r.type, r.name, purpose);

/** Where `needle` occurs in `value`, outside secrets (`secret: true`) or inside them (`secret: false`). */
function occurrences(value: unknown, needle: string, inSecrets: boolean, path = ""): string[] {
    if (isWrappedSecret(value))
        return inSecrets ? occurrences(value.value, needle, false, `${path}[secret]`) : [];
    if (typeof value === "string") return value.includes(needle) ? [path] : [];
    if (typeof value !== "object" || value === null) return [];
    return Object.entries(value).flatMap(([key, v]) => occurrences(v, needle, inSecrets, `${path}.${key}`));
}

/** Every path in the recorded resources and the stack outputs where `needle` is readable without decryption. */
function plainTextPaths(result: SynthResult, needle: string): string[] {
    return [
        ...result.resources.flatMap((r) => occurrences(r.inputs, needle, false, r.name)),
        ...occurrences(result.outputs, needle, false, "outputs"),
    ];
}

/** The workload identity's (or the function app's) Monitoring Metrics Publisher grants. */
function publisherGrants(result: SynthResult): RecordedResource[] {
    return stackView(result)
        .ofType(types.roleAssignment)
        .filter((r) => roleOf(r) === builtInRoles.monitoringMetricsPublisher);
}

describe("the AKS backend's spans reach Application Insights", function () {
    // Shared syntheses: paid once per process by whichever file asks first.
    this.timeout(180_000);
    let dev: SynthResult;
    let prod: SynthResult;
    let viaApi: SynthResult;

    before(async () => {
        [dev, prod, viaApi] = await Promise.all([
            sharedSynthesis(sharedStacks.dev),
            sharedSynthesis(sharedStacks.prodFromCi),
            sharedSynthesis(sharedStacks.prodViaKubernetesApi),
        ]);
    });

    it("the pods' environment, read by the Node host's own settings reader, exports to Azure Monitor as the workload identity (both deliveries)", () => {
        for (const [label, stack] of [
            ["run command", prod],
            ["Kubernetes API", viaApi],
        ] as const) {
            const objects = workloadObjects(stack);
            const result = readSettings(podEnvironment(objects));
            assert.ok(result.ok, `${label}: ${result.ok ? "" : result.errors.join("; ")}`);
            const { tracing } = result.settings;
            assert.ok(tracing?.exporter === "azure-monitor", `${label}: ${JSON.stringify(tracing)}`);
            const identity = stackView(stack).one(types.identity, "-workload-identity");
            const clientId = mockGuid(identity, "client");
            assert.equal(tracing.managedIdentityClientId, clientId, label);
            // The identity webhook injects AZURE_CLIENT_ID from this annotation: the exporter's
            // credential and the federated token belong to the same identity.
            const account = objects.find((o) => o.kind === "ServiceAccount")!;
            assert.equal(
                ((account.metadata as Obj).annotations as Obj)["azure.workload.identity/client-id"],
                clientId,
            );
            const component = stackView(stack).one(types.appInsights);
            assert.match(
                tracing.connectionString,
                new RegExp(`^InstrumentationKey=${mockGuid(component, "ikey")};`),
            );
            // The stack's default rate limit, written to the pods: 5 traces a second per pod.
            assert.equal(podEnvironment(objects).TRACING_TRACES_PER_SECOND, "5", label);
            assert.equal(tracing.tracesPerSecond, 5, label);
            assert.equal(tracing.samplePercent, 100, label);
        }
    });

    it("grants the workload identity Monitoring Metrics Publisher on the App Insights component only, before the pods start", () => {
        const { one } = stackView(prod);
        const identity = one(types.identity, "-workload-identity");
        const component = one(types.appInsights);
        const all = publisherGrants(prod);
        const grants = all.filter((g) => g.inputs.principalId === mockGuid(identity, "principal"));
        assert.equal(grants.length, 1, "one publisher grant for the workload identity");
        const [grant] = grants;
        assert.ok(grant);
        assert.equal(grant.inputs.principalType, "ServicePrincipal");
        // The component, not its resource group or subscription; nor any other publisher's.
        for (const g of all) assert.equal(g.inputs.scope, mockId(component, "resourceName"), g.name);
        assert.ok(dependencyGraph(prod.resources).waitsFor(one(clusterObjectsType), grant));
    });

    it("keeps the connection string out of every property that is not secret in the recorded graph (both deliveries, and dev)", () => {
        for (const [label, stack] of [
            ["prod (run command)", prod],
            ["prod (Kubernetes API)", viaApi],
            ["dev", dev],
        ] as const) {
            const ikey = mockGuid(stackView(stack).one(types.appInsights), "ikey");
            assert.deepEqual(plainTextPaths(stack, ikey), [], label);
        }
        // The search looks where the value is: inside the secrets that carry it to the pods.
        const secretPaths = (stack: SynthResult) => {
            const ikey = mockGuid(stackView(stack).one(types.appInsights), "ikey");
            return stack.resources.flatMap((r) => occurrences(r.inputs, ikey, true, r.type));
        };
        assert.ok(secretPaths(prod).some((p) => p.startsWith(`${clusterObjectsType}.objects[secret]`)));
        assert.ok(
            secretPaths(viaApi).some((p) => p.startsWith("kubernetes:core/v1:Secret.stringData[secret]")),
        );
    });

    it("leaves the dev stack (Functions) as it was: no Kubernetes objects, one publisher grant for the app's identity, the same settings", () => {
        const { one, ofType } = stackView(dev);
        assert.deepEqual(
            dev.resources.filter((r) => r.type.startsWith("kubernetes:") || r.type === clusterObjectsType),
            [],
        );
        const grants = publisherGrants(dev);
        // The gateway's and the function app's, as before.
        assert.deepEqual(grants.map((g) => g.name).sort(), [
            "acp-dev-functions-metrics-publisher",
            "acp-dev-gateway-appinsights-publisher",
        ]);
        const identity = ofType(types.identity).find((r) => r.name.endsWith("functions-identity"));
        assert.ok(identity);
        const functionsGrant = grants.find((g) => g.name === "acp-dev-functions-metrics-publisher");
        assert.equal(functionsGrant?.inputs.principalId, mockGuid(identity, "principal"));
        assert.equal(functionsGrant?.inputs.scope, mockId(one(types.appInsights), "resourceName"));
        const settings = plain(one(types.settings).inputs.properties, true) as Record<string, string>;
        const clientId = mockGuid(identity, "client");
        const tracingKeys = Object.keys(settings).filter((k) =>
            /^(TRACING_|APPLICATIONINSIGHTS_|OTEL_)/.test(k),
        );
        assert.deepEqual(tracingKeys.sort(), [
            "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
            "TRACING_EXPORTER",
            "TRACING_TRACES_PER_SECOND",
        ]);
        // The stack's default rate limit, per Functions instance.
        assert.equal(settings.TRACING_TRACES_PER_SECOND, "5");
        assert.equal(
            settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
            `ClientId=${clientId};Authorization=AAD`,
        );
        const tracing = readTracingSettings(settings);
        assert.ok(tracing.settings?.exporter === "azure-monitor");
        assert.equal(tracing.settings.managedIdentityClientId, clientId);
        assert.equal(tracing.settings.tracesPerSecond, 5);
    });
});

describe("toolTracingTracesPerSecond and toolTracingSamplePercent reach the tool service on either backend", function () {
    this.timeout(180_000);
    let dev: SynthResult;
    let prod: SynthResult;

    before(async () => {
        [dev, prod] = await Promise.all([
            // No rate limit on the function app: the share decides.
            synthesize(
                shippedStack("dev", { toolTracingTracesPerSecond: "0", toolTracingSamplePercent: "20" }),
            ),
            synthesize(
                shippedStack("prod", { toolTracingTracesPerSecond: "0.5", toolTracingSamplePercent: "5" }),
            ),
        ]);
    });

    it("the pods and the function app get the limit and the share, as their settings readers read them", () => {
        const env = podEnvironment(workloadObjects(prod));
        assert.equal(env.TRACING_TRACES_PER_SECOND, "0.5");
        const pods = readSettings(env);
        assert.ok(pods.ok, pods.ok ? "" : pods.errors.join("; "));
        assert.equal(pods.settings.tracing?.tracesPerSecond, 0.5);
        assert.equal(pods.settings.tracing?.samplePercent, 5);
        const app = plain(stackView(dev).one(types.settings).inputs.properties, true) as Record<
            string,
            string
        >;
        assert.equal(app.TRACING_TRACES_PER_SECOND, "0");
        assert.equal(readTracingSettings(app).settings?.tracesPerSecond, 0);
        assert.equal(readTracingSettings(app).settings?.samplePercent, 20);
    });

    it("refuses a limit that is not a number of at least 0, naming the key", () => {
        for (const value of ["-1", "fast", "", "Infinity"]) {
            const result = parseStackConfig(
                { ...shippedConfig("dev"), "agents-control-plane:toolTracingTracesPerSecond": value },
                { stack: "dev", today: new Date("2026-12-01T00:00:00Z") },
            );
            assert.deepEqual(result.ok ? [] : result.errors, [
                `agents-control-plane:toolTracingTracesPerSecond: must be a number of at least 0 (got ${JSON.stringify(value)})`,
            ]);
        }
    });

    it("refuses a share outside 0-100, naming the key", () => {
        for (const value of ["101", "-1", "12.5"]) {
            const result = parseStackConfig(
                { ...shippedConfig("dev"), "agents-control-plane:toolTracingSamplePercent": value },
                { stack: "dev", today: new Date("2026-12-01T00:00:00Z") },
            );
            assert.deepEqual(result.ok ? [] : result.errors, [
                `agents-control-plane:toolTracingSamplePercent: must be an integer from 0 to 100 (got ${JSON.stringify(value)})`,
            ]);
        }
    });
});

describe("tracing-entra-auth over the synthesized stacks", function () {
    this.timeout(180_000);
    let dev: SynthResult;
    let prod: SynthResult;
    let viaApi: SynthResult;

    before(async () => {
        [dev, prod, viaApi] = await Promise.all([
            sharedSynthesis(sharedStacks.dev),
            sharedSynthesis(sharedStacks.prodFromCi),
            sharedSynthesis(sharedStacks.prodViaKubernetesApi),
        ]);
    });

    /** What the rule reports for `resources` ([] when compliant); fails if it did not apply. */
    const messages = async (resources: readonly RecordedResource[]): Promise<string[]> => {
        const result = await evaluate(resources, { policies: [tracingEntraAuth] });
        assert.deepEqual(result.notApplicable, [], "the rule applies");
        return result.violations.map((v) => v.message);
    };
    /** A copy of `stack`'s resources with the one `pick` selects edited (inputs cloned, secrets kept wrapped). */
    const weakened = (
        stack: SynthResult,
        pick: (r: RecordedResource) => boolean,
        edit: (inputs: Obj) => void,
    ): RecordedResource[] => {
        const picked = stack.resources.filter(pick);
        assert.equal(picked.length, 1, "one resource to weaken");
        return stack.resources.map((r) => {
            if (!pick(r)) return r;
            const inputs = structuredClone(r.inputs) as Obj;
            edit(inputs);
            return { ...r, inputs };
        });
    };
    const workloadPublisher = (r: RecordedResource) =>
        r.type === types.roleAssignment && r.name.endsWith("-aks-metrics-publisher");
    /** The pod template's environment inside the run command's (secret) object list. */
    const podEnv = (inputs: Obj): Obj[] => {
        const objects = plain(inputs.objects, true) as Obj[];
        const deployment = objects.find((o) => o.kind === "Deployment") as {
            spec: { template: { spec: { containers: { env: Obj[] }[] } } };
        };
        return deployment.spec.template.spec.containers[0]!.env;
    };
    const isClusterObjects = (r: RecordedResource) => r.type === clusterObjectsType;

    it("passes the shipped stacks: dev's function app and prod's pods, by either delivery", async () => {
        for (const stack of [dev, prod, viaApi]) assert.deepEqual(await messages(stack.resources), []);
    });

    it("flags a backend whose identity holds no publisher role on the component", async () => {
        const withoutGrant = (stack: SynthResult, suffix: string) =>
            stack.resources.filter((r) => !(r.type === types.roleAssignment && r.name.endsWith(suffix)));
        for (const [stack, suffix] of [
            [prod, "-aks-metrics-publisher"],
            [viaApi, "-aks-metrics-publisher"],
            [dev, "-functions-metrics-publisher"],
        ] as const) {
            const found = await messages(withoutGrant(stack, suffix));
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(
                found[0]!,
                /holds no Monitoring Metrics Publisher role on the App Insights component; Application Insights drops every span/,
            );
        }
    });

    it("flags the publisher role granted on the resource group instead of the component", async () => {
        const found = await messages(
            weakened(prod, workloadPublisher, (i) => {
                i.scope = String(i.scope).replace(/\/providers\/Microsoft\.applicationinsights\/.*$/i, "");
            }),
        );
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0]!,
            /\(only on \/subscriptions\/[^/]+\/resourceGroups\/[^,)]+: grant it on the component itself/,
        );
    });

    it("flags a connection string set in plain in the pod spec, and an authentication string without AAD", async () => {
        const plainValue = await messages(
            weakened(prod, isClusterObjects, (i) => {
                const variable = podEnv(i).find((e) => e.name === "APPLICATIONINSIGHTS_CONNECTION_STRING")!;
                delete variable.valueFrom;
                variable.value = "InstrumentationKey=00000000-0000-0000-0000-000000000000";
            }),
        );
        assert.deepEqual(plainValue.length, 1, plainValue.join("\n"));
        assert.match(
            plainValue[0]!,
            /sets APPLICATIONINSIGHTS_CONNECTION_STRING as a literal value in the pod spec; put it in a Kubernetes Secret/,
        );
        const keyOnly = await messages(
            weakened(prod, isClusterObjects, (i) => {
                const variable = podEnv(i).find(
                    (e) => e.name === "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
                )!;
                variable.value = "ClientId=00000000-0000-0000-0000-000000000000";
            }),
        );
        assert.equal(keyOnly.length, 1, keyOnly.join("\n"));
        assert.match(
            keyOnly[0]!,
            /the tool service would refuse to start: APPLICATIONINSIGHTS_AUTHENTICATION_STRING: must be Authorization=AAD/,
        );
    });
});
