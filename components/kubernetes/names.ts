import { projectName } from "../project";
import type { WorkloadParams } from "./params";
import type { ObjectNames } from "./types";

/** Labels, selector and service account name every object of one workload shares. */
export function workloadNames(params: Pick<WorkloadParams, "name" | "labels">): ObjectNames {
    const selector = { "app.kubernetes.io/name": params.name };
    return {
        selector,
        labels: {
            ...params.labels,
            ...selector,
            "app.kubernetes.io/component": "mcp-backend",
            "app.kubernetes.io/part-of": projectName,
            "app.kubernetes.io/managed-by": "pulumi",
        },
        serviceAccount: params.name,
    };
}
