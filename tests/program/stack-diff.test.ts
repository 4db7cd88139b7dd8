/** The stack comparison a refactoring is judged by: moves count only through aliases. */
import * as assert from "node:assert/strict";
import { describeDifference, diffStacks } from "../../scripts/lib/stack-diff";
import type { RecordedResource } from "../../scripts/lib/synth-types";

const urn = (qualifiedType: string, name: string) =>
    `urn:pulumi:dev::agents-control-plane::${qualifiedType}::${name}`;
const resource = (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<RecordedResource> = {},
): RecordedResource => ({
    type,
    name,
    urn: urn(type, name),
    custom: true,
    inputs,
    ...extra,
});

describe("stack diff", () => {
    const registry = resource("azure-native:containerregistry:Registry", "reg", {
        sku: { name: "Standard" },
    });
    const oldRegistry = {
        ...registry,
        urn: urn("agents:aks:AksCluster$azure-native:containerregistry:Registry", "reg"),
    };
    const endpoint = resource("azure-native:network:PrivateEndpoint", "pe", {});
    const before = {
        resources: [
            oldRegistry,
            resource("azure-native:storage:StorageAccount", "sa", {
                tags: { project: "a" },
                subnets: ["x", "y"],
            }),
            endpoint,
        ],
        outputs: { backend: { kind: "aks", url: "http://10.0.5.10" } },
    };

    it("is identical for the same synthesis", () => {
        assert.equal(describeDifference(diffStacks(before, before)), "identical\n");
    });

    it("reports a move only when the new URN aliases the old one, and every changed input and output path", () => {
        const moved = {
            ...registry,
            urn: urn("agents:aks:ToolRegistry$azure-native:containerregistry:Registry", "reg"),
            aliases: [oldRegistry.urn],
        };
        const changedStorage = resource("azure-native:storage:StorageAccount", "sa", {
            tags: { project: "b" },
            subnets: ["x"],
        });
        // Moved without an alias: Pulumi would delete the old endpoint and create a new one.
        const newEndpoint = {
            ...endpoint,
            urn: urn("agents:storage:ToolStorage$azure-native:network:PrivateEndpoint", "pe"),
        };
        const after = {
            resources: [moved, changedStorage, newEndpoint],
            outputs: { backend: { kind: "aks", url: "http://10.0.5.11" } },
        };
        const d = diffStacks(before, after);
        assert.deepEqual(d.moved, [{ from: oldRegistry.urn, to: moved.urn }]);
        assert.deepEqual(d.added, [newEndpoint.urn]);
        assert.deepEqual(d.removed, [endpoint.urn]);
        assert.deepEqual(d.changed, [{ urn: changedStorage.urn, inputs: ["subnets[1]", "tags.project"] }]);
        assert.deepEqual(d.outputs, ["backend.url"]);
        assert.notEqual(describeDifference(d), "identical\n");
    });
});
