import * as assert from "node:assert/strict";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { evaluate } from "../../policypacks/control-plane/evaluate";
import { PolicyConfigError } from "../../policypacks/control-plane/lib/policy-config";
import { wrapSecret } from "../../scripts/lib/secret-wire";
import { compliantStack, plus, resource, withChange, withoutField } from "./fixtures";

/** How the engine marks a secret in a property Struct (what the mock runtime records as well). */
const secret = wrapSecret;
/** The engine's sentinel for a string unknown during preview. */
const unknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

describe("policy pack: in-process evaluator", () => {
    it("unwraps secrets the way the analyzer does, so policies see the plain value", async () => {
        const stack = plus(
            compliantStack(),
            resource("azure-native:apimanagement:NamedValue", "nv-conn", {
                serviceName: "apim-agents-dev",
                displayName: "archive",
                value: secret(
                    "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k==;EndpointSuffix=core.windows.net",
                ),
            }),
        );
        const result = await evaluate(stack);
        assert.deepEqual(
            result.violations.map((v) => [v.policy, v.resourceName]),
            [["apim-named-value-secrets", "nv-conn"]],
        );
    });

    it("reports a policy that reads a value unknown during preview as advisory, like the analyzer", async () => {
        const stack = withChange(
            compliantStack(),
            "backend-storage",
            (i) => (i.minimumTlsVersion = unknownString),
        );
        const result = await evaluate(stack);
        const [v] = result.violations;
        assert.equal(result.violations.length, 1);
        assert.ok(v);
        assert.equal(v.policy, "storage-tls12-https-only");
        assert.equal(v.enforcementLevel, "advisory");
        assert.match(
            v.message,
            /can't run policy 'storage-tls12-https-only' .* during preview: string value at .minimumTlsVersion/,
        );
    });

    it("applies enforcement levels from configuration over the policy's own", async () => {
        const stack = withChange(compliantStack(), "backend-storage", (i) => (i.allowSharedKeyAccess = true));
        const advisory = await evaluate(stack, { config: { "storage-no-shared-keys": "advisory" } });
        assert.deepEqual(
            advisory.violations.map((v) => [v.policy, v.enforcementLevel]),
            [["storage-no-shared-keys", "advisory"]],
        );
        const disabled = await evaluate(stack, {
            config: { "storage-no-shared-keys": { enforcementLevel: "disabled" } },
        });
        assert.deepEqual(disabled.violations, []);
        const all = await evaluate(stack, { config: { all: "advisory" } });
        assert.equal(all.violations[0]?.enforcementLevel, "advisory");
        // An entry with settings only keeps the level `all` gives, as the CLI resolves it.
        const allWithSettings = await evaluate(stack, {
            config: { all: "advisory", "storage-no-shared-keys": {} },
        });
        assert.equal(allWithSettings.violations[0]?.enforcementLevel, "advisory");
    });

    it("rejects invalid configuration listing every problem at once", async () => {
        await assert.rejects(
            evaluate(compliantStack(), {
                config: {
                    "no-such-policy": "mandatory",
                    "allowed-regions": { allowedRegions: "westeurope" },
                    "apim-rate-limit-within-maximum": { maxCallsPerPeriod: 0, burst: 10 },
                    "required-tags": { enforcementLevel: "sometimes" as "advisory" },
                },
            }),
            (e: unknown) => {
                assert.ok(e instanceof PolicyConfigError);
                assert.deepEqual(e.problems, [
                    "no-such-policy: no such policy in the pack",
                    "apim-rate-limit-within-maximum.maxCallsPerPeriod: must be at least 1",
                    "apim-rate-limit-within-maximum.burst: the policy has no such setting",
                    'required-tags.enforcementLevel: "sometimes" is not one of advisory, mandatory, remediate, disabled',
                    "allowed-regions.allowedRegions: expected array, got string",
                ]);
                return true;
            },
        );
    });

    it("records why a policy did not apply, using the type filter of validateResourceOfType", async () => {
        const result = await evaluate(compliantStack());
        const storageOnNamedValue = result.notApplicable.find(
            (n) => n.policy === "storage-no-shared-keys" && n.urn?.endsWith("gateway-nv-tenant-id"),
        );
        assert.equal(
            storageOnNamedValue?.reason,
            "Policy only applies to resources of type 'azure-native:storage:StorageAccount'",
        );
        const devCluster = result.notApplicable.find(
            (n) => n.policy === "aks-private-api-server-in-production" && n.urn?.endsWith("::aks-cluster"),
        );
        assert.equal(devCluster?.reason, 'environment "dev" is not production');
    });

    it("fails loudly, naming the policy, when a policy throws", async () => {
        const broken: ResourceValidationPolicy = {
            name: "broken",
            description: "A policy with a bug.",
            enforcementLevel: "mandatory",
            validateResource: () => {
                throw new Error("boom");
            },
        };
        await assert.rejects(
            evaluate(compliantStack(), { policies: [broken] }),
            /Error validating urn:pulumi:dev::.* with policy 'broken': boom/,
        );
    });

    it("links parents and property dependencies for stack policies", async () => {
        const stack = compliantStack().map((r) => withoutField(r, "id"));
        const apim = stack.find((r) => r.name === "gateway-apim")!;
        const linked = stack.map((r) =>
            r.name === "diag-apim"
                ? {
                      ...r,
                      parent: apim.urn,
                      inputs: { ...r.inputs, resourceUri: "resolved-later" },
                      propertyDependencies: { resourceUri: [apim.urn] },
                  }
                : r,
        );
        assert.deepEqual((await evaluate(linked)).violations, []);
        const unlinked = linked.map((r) => withoutField(r, "propertyDependencies"));
        assert.deepEqual(
            (await evaluate(unlinked)).violations.map((v) => v.policy),
            ["diagnostics-to-workspace"],
        );
    });
});
