import { describeCases } from "./harness";
import { monitoringQueryCases } from "./cases/monitoring-queries";

describe("policy pack: monitoring queries", function () {
    // The first analysis in a process loads Kusto.Language (seconds on a busy machine).
    this.timeout(60_000);
    describeCases(monitoringQueryCases);
});
