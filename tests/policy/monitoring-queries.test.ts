import * as assert from "node:assert/strict";
import { describeCases } from "./harness";
import { monitoringQueryCases } from "./cases/monitoring-queries";
import { analyzeKql } from "../../policypacks/control-plane/lib/kql/analyze";
import { workspaceSchema } from "../../policypacks/control-plane/lib/kql/tables";

describe("policy pack: monitoring queries", function () {
    // The first analysis in a process loads Kusto.Language (seconds on a busy machine).
    this.timeout(60_000);
    describeCases(monitoringQueryCases);

    it("leaves no Kusto, Bridge or System global behind in the process that analyzed", () => {
        assert.equal(analyzeKql("ApiManagementGatewayLogs | take 1", workspaceSchema).length, 0);
        const globals = globalThis as Record<string, unknown>;
        assert.deepEqual(
            ["Kusto", "Bridge", "System"].filter((name) => globals[name] !== undefined),
            [],
        );
    });
});
