import * as assert from "node:assert/strict";
import { builtInRoles, stableGuid } from "../../components/azure/ids";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { dependencyGraph } from "./graph";
import { sharedStacks, sharedSynthesis } from "../support/shared-synthesis";
import { roleOf } from "../support/synth";

const roles = {
    blobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
    queueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
    monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
};

describe("first deploy of the Functions backend, synthesized under mocks", function () {
    this.timeout(60_000);
    let dev: SynthResult;
    before(async () => {
        dev = await sharedSynthesis(sharedStacks.dev);
    });

    it("deploys the package only after every role of the app's identity has had time to take effect", () => {
        const graph = dependencyGraph(dev.resources);
        const ofType = (suffix: string) => dev.resources.filter((r) => r.type.endsWith(suffix));
        const [deployment] = ofType(":OneDeployPackage");
        assert.ok(deployment, "the OneDeploy resource");
        const identity = ofType("managedidentity:UserAssignedIdentity").find((r) =>
            r.name.endsWith("-functions-identity"),
        )!;
        const principal = stableGuid("mock", identity.type, identity.name, "principal");
        // The knowledge index's reader grant is the tools', not the host's: deploying does not wait for it.
        const grants = ofType("authorization:RoleAssignment").filter(
            (r) => r.inputs.principalId === principal && roleOf(r) !== builtInRoles.searchIndexDataReader,
        );
        // Host storage and the package, the MCP backplane queues, and telemetry.
        assert.deepEqual(
            grants.map(roleOf).sort(),
            [roles.blobDataOwner, roles.queueDataContributor, roles.monitoringMetricsPublisher].sort(),
        );

        const waits = graph.dependenciesOf(deployment).filter((r) => r.type.endsWith(":RolePropagation"));
        assert.equal(waits.length, 1, "one propagation wait before OneDeploy");
        const [wait] = waits;
        assert.ok(wait);
        for (const grant of grants) assert.ok(graph.waitsFor(wait, grant), `the wait follows ${grant.name}`);
        assert.equal((wait.inputs.assignmentIds as string[]).length, grants.length);
        assert.ok(Number(wait.inputs.seconds) >= 120, `waits ${String(wait.inputs.seconds)} s`);
    });
});
