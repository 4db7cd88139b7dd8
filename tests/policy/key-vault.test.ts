/**
 * The Key Vault policies over the program's own synthesized stacks: each passes the dev (Functions)
 * and prod (AKS) stacks as shipped, and flags the same stack with one weakening applied to the
 * recorded graph, the way a change to the program would produce it.
 */
import * as assert from "node:assert/strict";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { synthesizedOnce } from "../support/synthesized-once";
import { vaultStacks } from "../support/vault-stacks";
import { keyVaultCases } from "./cases/key-vault";
import { applied, describeCases, runPolicy } from "./harness";

type Obj = Record<string, unknown>;
const vaultType = "azure-native:keyvault:Vault";
const namedValueType = "azure-native:apimanagement:NamedValue";

/** A copy of `stack` with `edit` applied to the inputs of every resource `pick` selects (at least one). */
function weakened(
    stack: readonly RecordedResource[],
    pick: (r: RecordedResource) => boolean,
    edit: (inputs: Obj) => void,
): RecordedResource[] {
    let count = 0;
    const out = stack.map((r) => {
        if (!pick(r)) return r;
        count++;
        const inputs = structuredClone(r.inputs) as Obj;
        edit(inputs);
        return { ...r, inputs };
    });
    assert.ok(count > 0, "the weakening applies to something");
    return out;
}

const isVault = (r: RecordedResource) => r.type === vaultType;
const vaultProps = (edit: (p: Obj) => void) => (inputs: Obj) => edit(inputs.properties as Obj);
const isSecretNamedValue = (r: RecordedResource) => r.type === namedValueType && r.inputs.secret === true;

interface Weakening {
    readonly policy: string;
    readonly title: string;
    readonly stack: "dev" | "prod";
    readonly apply: (resources: readonly RecordedResource[]) => RecordedResource[];
    readonly message: RegExp;
}

const weakenings: Weakening[] = [
    {
        policy: "keyvault-rbac-authorization",
        title: "a vault on access policies",
        stack: "dev",
        apply: (s) =>
            weakened(
                s,
                isVault,
                vaultProps((p) => (p.enableRbacAuthorization = false)),
            ),
        message: /Set properties\.enableRbacAuthorization: true/,
    },
    {
        policy: "keyvault-rbac-authorization",
        title: "an RBAC vault that still lists an access policy",
        stack: "prod",
        apply: (s) =>
            weakened(
                s,
                isVault,
                vaultProps(
                    (p) =>
                        (p.accessPolicies = [
                            { objectId: "x", tenantId: "y", permissions: { secrets: ["get"] } },
                        ]),
                ),
            ),
        message: /Remove properties\.accessPolicies/,
    },
    {
        policy: "keyvault-soft-delete-purge-protection",
        title: "a vault without purge protection",
        stack: "dev",
        apply: (s) =>
            weakened(
                s,
                isVault,
                vaultProps((p) => delete p.enablePurgeProtection),
            ),
        message: /Set properties\.enablePurgeProtection: true/,
    },
    {
        policy: "keyvault-soft-delete-purge-protection",
        title: "a vault with soft delete off",
        stack: "prod",
        apply: (s) =>
            weakened(
                s,
                isVault,
                vaultProps((p) => (p.enableSoftDelete = false)),
            ),
        message: /Leave soft delete on/,
    },
    {
        policy: "keyvault-network-restricted",
        title: "a production vault open to the public network",
        stack: "prod",
        apply: (s) =>
            weakened(
                s,
                isVault,
                vaultProps((p) => (p.publicNetworkAccess = "Enabled")),
            ),
        message: /Set properties\.publicNetworkAccess: "Disabled" for the prod vault/,
    },
    {
        policy: "keyvault-network-restricted",
        title: "a dev vault whose firewall allows by default",
        stack: "dev",
        apply: (s) =>
            weakened(
                s,
                isVault,
                vaultProps((p) => delete p.networkAcls),
            ),
        message: /Set properties\.networkAcls\.defaultAction: "Deny" .*found no network rules/,
    },
    {
        policy: "keyvault-diagnostics",
        title: "a vault whose diagnostic setting is gone",
        stack: "prod",
        apply: (s) =>
            s.filter(
                (r) =>
                    !(
                        r.type === "azure-native:monitor:DiagnosticSetting" &&
                        /\/Vault\//.test(String(r.inputs.resourceUri))
                    ),
            ),
        message: /Key Vault ".*-vault" sends no audit logs to the Log Analytics workspace/,
    },
    {
        policy: "apim-secret-named-value-key-vault",
        title: "the Functions key stored in APIM again",
        stack: "dev",
        apply: (s) =>
            weakened(s, isSecretNamedValue, (i) => {
                delete i.keyVault;
                i.value = "inline-system-key";
            }),
        message: /Secret named value "mcp-extension-key" holds its value in APIM/,
    },
    {
        policy: "apim-secret-named-value-key-vault",
        title: "a reference pinned to one secret version",
        stack: "dev",
        apply: (s) =>
            weakened(s, isSecretNamedValue, (i) => {
                const kv = i.keyVault as Obj;
                kv.secretIdentifier = `${String(kv.secretIdentifier)}/0123456789abcdef0123456789abcdef`;
            }),
        message: /refers to one version of its secret; use the versionless URI/,
    },
];

describe("policy pack: Key Vault", () => describeCases(keyVaultCases));

describe("policy pack: Key Vault, over the synthesized stacks", function () {
    this.timeout(60_000);
    const stacks: Partial<Record<"dev" | "prod", SynthResult>> = {};
    before(async () => {
        [stacks.dev, stacks.prod] = await Promise.all([
            synthesizedOnce(vaultStacks.dev),
            synthesizedOnce(vaultStacks.prod),
        ]);
    });
    const resourcesOf = (stack: "dev" | "prod"): RecordedResource[] => {
        const s = stacks[stack];
        assert.ok(s, `${stack} synthesized`);
        return s.resources;
    };

    for (const policy of new Set(weakenings.map((w) => w.policy))) {
        for (const stack of ["dev", "prod"] as const) {
            it(`${policy} passes the ${stack} stack as the program builds it`, async () => {
                const resources = resourcesOf(stack);
                const result = await runPolicy(policy, resources);
                assert.deepEqual(
                    result.violations.map((v) => v.message),
                    [],
                );
                const appliesHere = !(policy === "apim-secret-named-value-key-vault" && stack === "prod");
                // AKS has no Functions key: no named value is secret there, so that policy has nothing to check.
                assert.equal(applied(result, policy, resources), appliesHere);
            });
        }
    }

    for (const w of weakenings) {
        it(`${w.policy} flags the ${w.stack} stack with ${w.title}`, async () => {
            const result = await runPolicy(w.policy, w.apply(resourcesOf(w.stack)));
            assert.ok(
                result.violations.some((v) => w.message.test(v.message)),
                `expected ${w.message}, got:\n${result.violations.map((v) => v.message).join("\n")}`,
            );
            for (const v of result.violations) {
                assert.equal(v.policy, w.policy);
                assert.equal(v.enforcementLevel, "mandatory");
            }
        });
    }
});
