/**
 * The prod stack as CI deploys it (run by a service principal), synthesized once and checked for
 * what Azure rejects on a first `pulumi up`. Role assignments: every one states its principal type,
 * the deployer's grants the configured one, and the policy pack refuses the stack when one
 * assignment leaves the type out or two disagree about one principal (UnmatchedPrincipalType).
 * API Management: no Consumption-only client-certificate flag, and the Azure Monitor logger the
 * resource-log diagnostic names exists.
 */
import * as assert from "node:assert/strict";
import { stableGuid } from "../../components/azure/ids";
import { evaluate, type RecordedResource } from "../../policypacks/control-plane/evaluate";
import { mockDeployerObjectId } from "../../scripts/lib/mocks";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { sharedStacks, sharedSynthesis } from "../support/shared-synthesis";

const roleAssignment = "azure-native:authorization:RoleAssignment";

/** The stack with one assignment's inputs changed. */
function withAssignment(
    resources: readonly RecordedResource[],
    nameSuffix: string,
    change: (inputs: Record<string, unknown>) => void,
): RecordedResource[] {
    const target = resources.find((r) => r.type === roleAssignment && r.name.endsWith(nameSuffix));
    assert.ok(target, `no role assignment named *${nameSuffix}`);
    return resources.map((r) => {
        if (r !== target) return r;
        const inputs = structuredClone(r.inputs) as Record<string, unknown>;
        change(inputs);
        return { ...r, inputs };
    });
}

async function principalTypeViolations(resources: readonly RecordedResource[]): Promise<string[]> {
    const result = await evaluate(resources);
    assert.ok(!result.notApplicable.some((n) => n.policy === "rbac-principal-type"), "policy did not apply");
    return result.violations
        .filter((v) => v.policy === "rbac-principal-type")
        .map((v) => `${v.enforcementLevel} ${v.resourceName ?? ""}: ${v.message}`);
}

describe("prod stack deployed from CI, synthesized", function () {
    this.timeout(60_000);
    let prod: SynthResult;
    const assignments = (): RecordedResource[] => prod.resources.filter((r) => r.type === roleAssignment);

    before(async () => {
        prod = await sharedSynthesis(sharedStacks.prodFromCi);
    });

    it("sends API Management no enableClientCertificate and creates the logger its resource logs use", () => {
        const service = prod.resources.find(
            (r) => r.type === "azure-native:apimanagement:ApiManagementService",
        )!;
        assert.equal((service.inputs.sku as { name: string }).name, "StandardV2");
        assert.ok(!("enableClientCertificate" in service.inputs));
        const logger = prod.resources.find(
            (r) => r.type === "azure-native:apimanagement:Logger" && r.inputs.loggerId === "azuremonitor",
        );
        assert.equal(logger?.inputs.loggerType, "azureMonitor");
        const diagnostic = prod.resources.find(
            (r) =>
                r.type === "azure-native:apimanagement:Diagnostic" &&
                r.inputs.diagnosticId === "azuremonitor",
        )!;
        assert.match(String(diagnostic.inputs.loggerId), /\/Logger\/azuremonitor$/);
        assert.ok(prod.resources.indexOf(logger) < prod.resources.indexOf(diagnostic));
    });

    it("states ServicePrincipal on the deployer's grants: cluster admin, registry push, knowledge index, vault secrets", () => {
        const deployer = assignments().filter((r) => r.inputs.principalId === mockDeployerObjectId);
        assert.deepEqual(deployer.map((r) => r.name.replace(/^acp-prod-(aks-|knowledge-)?/, "")).sort(), [
            "deployer-acr-push",
            "deployer-cluster-admin",
            "deployer-index-data-contributor",
            "deployer-service-contributor",
            "secrets-writer",
        ]);
        for (const r of deployer) assert.equal(r.inputs.principalType, "ServicePrincipal", r.name);
    });

    it("states ServicePrincipal on every grant to a managed identity", () => {
        const identities = prod.resources
            .filter((r) => r.type === "azure-native:managedidentity:UserAssignedIdentity")
            .map((r) => stableGuid("mock", r.type, r.name, "principal"));
        const cluster = prod.resources.find(
            (r) => r.type === "azure-native:containerservice:ManagedCluster",
        )!;
        const apim = prod.resources.find(
            (r) => r.type === "azure-native:apimanagement:ApiManagementService",
        )!;
        identities.push(
            stableGuid("mock", cluster.type, cluster.name, "kubelet-object"),
            stableGuid("mock", apim.type, apim.name, "principal"),
        );
        const granted = assignments().filter((r) => identities.includes(String(r.inputs.principalId)));
        const deployerGrants = assignments().filter((r) => r.inputs.principalId === mockDeployerObjectId);
        assert.equal(
            granted.length,
            assignments().length - deployerGrants.length,
            "every grant but the deployer's is to an identity",
        );
        for (const r of granted) assert.equal(r.inputs.principalType, "ServicePrincipal", r.name);
    });

    it("passes the pack's principal-type policy", async () => {
        assert.deepEqual(await principalTypeViolations(prod.resources), []);
    });

    it("fails the pack when an assignment leaves its principal type out", async () => {
        const stack = withAssignment(prod.resources, "-queue-contributor", (i) => delete i.principalType);
        assert.deepEqual(await principalTypeViolations(stack), [
            'mandatory acp-prod-aks-queue-contributor: Role assignment "acp-prod-aks-queue-contributor" does not state principalType; set the principal\'s type (ServicePrincipal for managed identities and apps, User for people). Left out, the provider sends "User" and Azure rejects any other principal (UnmatchedPrincipalType).',
        ]);
    });

    it("fails the pack when the registry push states the SDK's default User for the same deployer", async () => {
        const stack = withAssignment(prod.resources, "-deployer-acr-push", (i) => (i.principalType = "User"));
        const found = await principalTypeViolations(stack);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0] ?? "",
            new RegExp(
                `^mandatory acp-prod-aks-deployer-acr-push: Principal ${mockDeployerObjectId} is assigned as ServicePrincipal \\("acp-prod-aks-deployer-cluster-admin", "acp-prod-knowledge-deployer-index-data-contributor", "acp-prod-knowledge-deployer-service-contributor", "acp-prod-secrets-writer"\\) and as User \\("acp-prod-aks-deployer-acr-push"\\); .*UnmatchedPrincipalType`,
            ),
        );
    });
});
