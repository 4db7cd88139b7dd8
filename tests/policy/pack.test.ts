import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PolicyConfigSchema, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evaluate, hasMandatoryViolation } from "../../policypacks/control-plane/evaluate";
import { armNameInput, armTypeOf } from "../../policypacks/control-plane/lib/arm";
import { policyDocumentTypes } from "../../policypacks/control-plane/lib/apim-resources";
import { kqlCarrierTypes } from "../../policypacks/control-plane/lib/kql/check";
import { resolvePolicyConfig } from "../../policypacks/control-plane/lib/policy-config";
import { monitoredTypes, taggableTypes } from "../../policypacks/control-plane/observability";
import { policies } from "../../policypacks/control-plane/policies";
import { agentDataCases } from "./cases/agent-data";
import { contentSafetyCases } from "./cases/content-safety";
import { dataComputeCases } from "./cases/data-compute";
import { frontDoorCases } from "./cases/front-door";
import { gatewayCases } from "./cases/gateway";
import { governanceCases } from "./cases/governance";
import { identityCases } from "./cases/identity";
import { keyVaultCases } from "./cases/key-vault";
import { monitoringQueryCases } from "./cases/monitoring-queries";
import { observabilityCases } from "./cases/observability";
import { tracingCases } from "./cases/tracing";
import { compliantStack } from "./fixtures";

const allCases = [
    ...gatewayCases,
    ...identityCases,
    ...frontDoorCases,
    ...dataComputeCases,
    ...agentDataCases,
    ...observabilityCases,
    ...tracingCases,
    ...monitoringQueryCases,
    ...governanceCases,
    ...keyVaultCases,
    ...contentSafetyCases,
];

/** The SDK class a Pulumi type token names, e.g. `azure-native:storage:StorageAccount`. */
function sdkClassType(token: string): string | undefined {
    const [pkg, mod = "", name = ""] = token.split(":");
    const path = pkg === "azuread" ? "@pulumi/azuread" : `@pulumi/azure-native/${mod}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is named by the token, known only at run time
    const sdk = require(path) as Record<string, { __pulumiType?: string } | undefined>;
    return sdk[name]?.__pulumiType;
}

describe("policy pack: the pack as a whole", () => {
    it("has at least 20 uniquely named, described, mandatory policies", () => {
        assert.ok(policies.length >= 20, `only ${policies.length} policies`);
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length, "duplicate policy names");
        for (const p of policies) {
            assert.match(p.name, /^[a-z0-9-]+$/);
            assert.ok(p.description.length > 20, `${p.name} needs a description`);
            assert.equal(p.enforcementLevel, "mandatory", `${p.name} is not mandatory and says no reason`);
        }
    });

    it("has a compliant and a violating case for every policy", () => {
        for (const p of policies) {
            const cases = allCases.filter((c) => c.policy === p.name);
            assert.ok(
                cases.some((c) => c.message === undefined),
                `${p.name} has no compliant case`,
            );
            assert.ok(
                cases.some((c) => c.message !== undefined),
                `${p.name} has no violating case`,
            );
        }
        for (const c of allCases) {
            assert.ok(
                policies.some((p) => p.name === c.policy),
                `case for unknown policy ${c.policy}`,
            );
        }
    });

    it("passes the compliant fixture with no violation at all", async () => {
        const result = await evaluate(compliantStack());
        assert.deepEqual(result.violations, []);
        assert.equal(hasMandatoryViolation(result), false);
    });

    it("has configuration schemas whose defaults are valid settings", () => {
        const resolved = resolvePolicyConfig(policies);
        const configurable = policies.filter((p) => p.configSchema !== undefined);
        assert.deepEqual(configurable.map((p) => p.name).sort(), [
            "ai-services-private-with-vnet-gateway",
            "aks-private-api-server-in-production",
            "allowed-regions",
            "apim-rate-limit-within-maximum",
            "apim-sku-allowed",
            "app-settings-no-secrets",
            "content-screening-in-production",
            "cosmos-continuous-backup-in-production",
            "data-public-network-disabled-in-production",
            "fic-allowed-issuer",
            "keyvault-network-restricted",
            "required-tags",
        ]);
        for (const p of configurable) {
            const schema = p.configSchema as PolicyConfigSchema;
            assert.ok(!("enforcementLevel" in schema.properties), `${p.name} declares enforcementLevel`);
            for (const key of Object.keys(schema.properties)) {
                assert.notEqual(
                    resolved.get(p.name)?.properties[key],
                    undefined,
                    `${p.name}.${key} has no default`,
                );
            }
        }
    });

    it("names only resource types the provider SDKs define", () => {
        const tokens = [
            ...Object.keys(armTypeOf),
            ...Object.keys(armNameInput),
            ...policyDocumentTypes,
            ...Object.keys(monitoredTypes),
            ...taggableTypes,
            ...Object.values(kqlCarrierTypes),
            "azure-native:monitor:DiagnosticSetting",
            "azure-native:apimanagement:NamedValue",
        ];
        for (const token of new Set(tokens)) {
            assert.equal(sdkClassType(token), token, `${token} is not a resource type of the installed SDKs`);
        }
    });

    it("documents every policy in the pack's README", () => {
        const readme = readFileSync(
            path.resolve(__dirname, "../../policypacks/control-plane/README.md"),
            "utf8",
        );
        const documented = [...readme.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
        assert.deepEqual(
            documented,
            policies.map((p) => p.name),
        );
    });

    it("splits policies into resource and stack policies the runtime recognizes", () => {
        for (const p of policies) {
            const resource = typeof (p as ResourceValidationPolicy).validateResource === "function";
            const stack = typeof (p as StackValidationPolicy).validateStack === "function";
            assert.ok(resource !== stack, `${p.name} must be exactly one kind`);
        }
    });
});
