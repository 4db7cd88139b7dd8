/**
 * The Kubernetes Secret that carries the Application Insights connection string to the tool pods.
 * The Deployment names it in a `secretKeyRef`, so the connection string appears in no pod spec
 * (readable by anyone who may read Deployments) and in no plain manifest.
 */
import type { ISecret } from "kubernetes-models/v1/Secret";
import { workloadNames } from "./names";
import type { WorkloadParams } from "./params";
import type { Rendered } from "./types";

/** Key of the connection string inside the Secret. */
export const telemetrySecretKey = "applicationinsights-connection-string";

/** Name of the workload's telemetry Secret, beside its Deployment. */
export function telemetrySecretName(params: Pick<WorkloadParams, "name">): string {
    return `${params.name}-telemetry`;
}

/** The Secret's metadata: nothing secret in it, so it can stay plain where the value cannot. */
export function telemetrySecretMetadata(
    params: Pick<WorkloadParams, "namespace" | "name" | "labels">,
): Rendered<ISecret>["metadata"] {
    return {
        name: telemetrySecretName(params),
        namespace: params.namespace,
        labels: workloadNames(params).labels,
    };
}

/** An Application Insights connection string names its component by instrumentation key. */
const connectionStringShape = /(^|;)\s*InstrumentationKey=[0-9a-f-]{36}\s*(;|$)/i;

/**
 * The Secret with `connectionString`. Throws when the value is not an Application Insights
 * connection string; the message never repeats the value.
 */
export function renderTelemetrySecret(
    params: Pick<WorkloadParams, "namespace" | "name" | "labels">,
    connectionString: string,
): Rendered<ISecret> {
    if (!connectionStringShape.test(connectionString) || /[\r\n]/.test(connectionString)) {
        throw new Error(
            `workload ${params.namespace}/${params.name}: the telemetry connection string is not an Application Insights connection string (InstrumentationKey=<guid>;IngestionEndpoint=...)`,
        );
    }
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: telemetrySecretMetadata(params),
        type: "Opaque",
        stringData: { [telemetrySecretKey]: connectionString },
    };
}
