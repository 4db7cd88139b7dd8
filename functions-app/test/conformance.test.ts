import assert from "node:assert/strict";
import { runConformance, type ScenarioOutcome } from "../scripts/conformance/run";
import { backendPaths } from "../src/contract";
import { conformanceExpectations } from "./conformance-expectations";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";

/** The MCP conformance suite's server scenarios against the real Node host on Azurite. */
describe("MCP conformance suite (@modelcontextprotocol/conformance 0.1.16) against the Node host", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;
    let outcomes: ScenarioOutcome[];
    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
        outcomes = await runConformance(host.url + backendPaths.mcpStreamable);
    });
    after(async () => {
        await stopHost?.();
    });

    it("runs exactly the scenarios the README's table lists", () => {
        assert.deepEqual(outcomes.map((o) => o.scenario).sort(), Object.keys(conformanceExpectations).sort());
    });

    it("passes every applicable scenario", () => {
        const applicable = Object.entries(conformanceExpectations).filter(([, e]) => e.applicable);
        assert.ok(applicable.length >= 4);
        for (const [scenario] of applicable) {
            const outcome = outcomes.find((o) => o.scenario === scenario);
            assert.equal(outcome?.result, "pass", `${scenario}: ${outcome?.message ?? "not run"}`);
        }
    });

    it("gets the recorded result, for the recorded reason, from every scenario that is not applicable", () => {
        for (const outcome of outcomes) {
            const expected = conformanceExpectations[outcome.scenario];
            if (!expected || expected.applicable) continue;
            assert.equal(outcome.result, expected.result, `${outcome.scenario}: ${outcome.message ?? ""}`);
            // The recorded reason must still be why: a missing capability, a fixture tool or no session.
            const why = outcome.message ?? "";
            if (expected.reason.includes("fixture tool") && !expected.reason.includes("logging"))
                assert.match(why, /Unknown tool|not found/, outcome.scenario);
            else if (expected.reason.includes("capability"))
                assert.match(why, /Method not found/, outcome.scenario);
            else assert.match(why, /session ID/, outcome.scenario);
        }
    });
});
