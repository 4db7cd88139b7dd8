/**
 * Every KQL query the shipped stacks deploy (alert rules, the dashboard's queries, any saved
 * search) analyzed by Kusto.Language against the documented columns of the workspace tables, as
 * the pack does on `pulumi preview`; a query that names a column the table lacks fails here,
 * naming the resource and the query.
 */
import * as assert from "node:assert/strict";
import { carriedQueries, checkCarriedQueries } from "../../policypacks/control-plane/lib/kql/check";
import { workspaceSchema } from "../../policypacks/control-plane/lib/kql/tables";
import { synthesize, type RecordedResource, type SynthResult } from "../../scripts/lib/synthesize";
import { shippedStack } from "../support/shipped-stacks";

/** One line per problem: the resource, where in it, what is wrong, then the query. */
function queryFailures(resources: readonly RecordedResource[]): string[] {
    return resources.flatMap((r) =>
        (checkCarriedQueries(r.type, r.inputs, workspaceSchema) ?? []).map(
            (f) => `${r.type} "${r.name}" ${f.where}: ${f.message}\n${f.query.replace(/^/gm, "    ")}`,
        ),
    );
}

function queriesByResource(resources: readonly RecordedResource[]): Record<string, number> {
    return Object.fromEntries(
        resources.flatMap((r) => {
            const queries = carriedQueries(r.type, r.inputs);
            return queries === undefined ? [] : [[r.name, queries.length]];
        }),
    );
}

describe("monitoring queries of the shipped stacks, analyzed", function () {
    this.timeout(120_000);
    const stacks: Record<string, SynthResult> = {};
    const synthesized = (name: string): SynthResult =>
        stacks[name] ?? assert.fail(`${name} was not synthesized`);

    before(async () => {
        const [dev, prod] = await Promise.all([
            synthesize(shippedStack("dev")),
            synthesize(shippedStack("prod")),
        ]);
        Object.assign(stacks, { dev, prod });
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: finds the four alert queries and the dashboard's five queries`, () => {
            assert.deepEqual(queriesByResource(synthesized(stack).resources), {
                [`acp-${stack}-monitoring-auth-failures`]: 1,
                [`acp-${stack}-monitoring-throttling`]: 1,
                [`acp-${stack}-monitoring-backend-errors`]: 1,
                [`acp-${stack}-monitoring-latency-p95`]: 1,
                [`acp-${stack}-monitoring-dashboard`]: 5,
            });
        });

        it(`${stack}: every query parses and names only documented tables and columns`, () => {
            const failures = queryFailures(synthesized(stack).resources);
            assert.deepEqual(failures, [], failures.join("\n\n"));
        });
    }

    it("reports a misspelled column with the resource, where, the position and the query", () => {
        const broken = synthesized("dev").resources.map((r) =>
            r.name === "acp-dev-monitoring-auth-failures"
                ? {
                      ...r,
                      inputs: JSON.parse(
                          JSON.stringify(r.inputs).replace("ResponseCode", "ResponseCod"),
                      ) as Record<string, unknown>,
                  }
                : r,
        );
        assert.deepEqual(queryFailures(broken), [
            'azure-native:monitor:ScheduledQueryRule "acp-dev-monitoring-auth-failures" criteria.allOf[0].query: ' +
                "line 2, column 9 at `ResponseCod`: The name 'ResponseCod' does not refer to any known column, " +
                "table, variable or function. (Error KS142)\n" +
                "    ApiManagementGatewayLogs\n" +
                "    | where ResponseCod in (401, 403)\n" +
                "    | summarize failures = count()",
        ]);
    });
});
