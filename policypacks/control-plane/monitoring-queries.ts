/**
 * Monitoring queries that can work: every KQL query an alert rule, workbook or saved search
 * carries is parsed and analyzed by Kusto.Language against the documented columns of the tables
 * it reads. A misspelled column or a type error would otherwise surface only as an alert that
 * never fires (the rules skip Azure's own validation, since their tables appear with the first
 * traffic) or as an empty dashboard.
 */
import { ResourceValidationPolicy } from "@pulumi/policy";
import { checkCarriedQueries } from "./lib/kql/check";
import { workspaceSchema } from "./lib/kql/tables";

export const monitoringQueriesAnalyze: ResourceValidationPolicy = {
    name: "monitoring-queries-analyze",
    description:
        "Alert rule, workbook and saved search queries parse and name only documented tables and columns of the workspace, with matching types.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const findings = checkCarriedQueries(args.type, args.props, workspaceSchema);
        if (findings === undefined) return args.notApplicable("the resource carries no KQL");
        for (const f of findings) {
            report(`Fix the query at ${f.where}: ${f.message}.`);
        }
    },
};

export const monitoringQueryPolicies: ResourceValidationPolicy[] = [monitoringQueriesAnalyze];
