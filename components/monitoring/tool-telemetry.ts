/**
 * How a tool backend publishes the tool service's spans to the stack's Application Insights. The
 * component accepts Entra-authenticated telemetry only (`disableLocalAuth`), so the backend's
 * identity holds Monitoring Metrics Publisher on that component and the service names the
 * identity in its authentication string. Both backends use this; only how the settings reach the
 * service (app settings, or the pod's environment and a Kubernetes Secret) differs.
 */
import type * as authorization from "@pulumi/azure-native/authorization";
import * as pulumi from "@pulumi/pulumi";
import {
    defaultSamplePercent,
    entraAuthenticationString,
    tracingSettingNames,
} from "functions-app/tracing/settings";
import type { RoleGranter } from "../azure/role-assignment";
import type { ToolBackendContext } from "../tool-backend";

/** The stack's Application Insights, as a tool backend publishes to it. */
export interface ToolTelemetry {
    /** Resource id of the component: the publisher role's scope. */
    readonly appInsightsId: pulumi.Input<string>;
    /** Its connection string (secret in the program and in state). */
    readonly connectionString: pulumi.Input<string>;
    /** How much of its traffic the tool service traces. */
    readonly sampling: ToolTracingSampling;
}

/** How much of its traffic the tool service traces (`toolTracingTracesPerSecond`, `toolTracingSamplePercent`). */
export interface ToolTracingSampling {
    /** Traces per second per replica, about; 0: {@link samplePercent} decides. */
    readonly tracesPerSecond: number;
    /** With no traces per second: share (0-100) of new traces recorded. */
    readonly samplePercent: number;
}

/** The stack's Application Insights and its tracing settings, as either backend is given them. */
export function toolTelemetryOf({ monitoring, config }: ToolBackendContext): ToolTelemetry {
    return {
        appInsightsId: monitoring.appInsightsId,
        connectionString: monitoring.appInsightsConnectionString,
        sampling: {
            tracesPerSecond: config.monitoring.toolTracingTracesPerSecond,
            samplePercent: config.monitoring.toolTracingSamplePercent,
        },
    };
}

/**
 * Monitoring Metrics Publisher on the component itself: the least the exporter needs, and no
 * other component or resource of the group.
 */
export function grantTelemetryPublisher(
    grant: RoleGranter,
    appInsightsId: pulumi.Input<string>,
): authorization.RoleAssignment {
    return grant(
        "metrics-publisher",
        appInsightsId,
        "monitoringMetricsPublisher",
        "Telemetry with Entra auth",
    );
}

/**
 * The tool service's settings for Azure Monitor export with the identity `identityClientId`,
 * except the connection string, which each backend carries its own way. None of them is a secret.
 */
export function azureMonitorTracingSettings(
    identityClientId: pulumi.Input<string>,
    { tracesPerSecond, samplePercent }: ToolTracingSampling,
): Record<string, pulumi.Input<string>> {
    if (!Number.isFinite(tracesPerSecond) || tracesPerSecond < 0)
        throw new Error(`tracing traces per second must be a number of at least 0, got ${tracesPerSecond}`);
    if (!Number.isInteger(samplePercent) || samplePercent < 0 || samplePercent > 100)
        throw new Error(`tracing sample percent must be an integer from 0 to 100, got ${samplePercent}`);
    return {
        [tracingSettingNames.exporter]: "azure-monitor",
        [tracingSettingNames.authentication]: pulumi
            .output(identityClientId)
            .apply(entraAuthenticationString),
        // Always written, 0 included: the stack's default (5) is not the service's own (0), and
        // what a backend deploys should not hang on the service's default.
        [tracingSettingNames.tracesPerSecond]: String(tracesPerSecond),
        // The service's own default is left unset, so stacks that keep it see no setting change.
        ...(samplePercent === defaultSamplePercent
            ? {}
            : { [tracingSettingNames.samplePercent]: String(samplePercent) }),
    };
}
