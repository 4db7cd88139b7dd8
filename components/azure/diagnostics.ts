import * as monitor from "@pulumi/azure-native/monitor";
import * as pulumi from "@pulumi/pulumi";

/**
 * Sends a resource's logs (every category) and metrics to the stack's workspace, into
 * resource-specific tables (`Dedicated`), e.g. ApiManagementGatewayLogs.
 */
export function sendDiagnostics(
    name: string,
    args: {
        resourceUri: pulumi.Input<string>;
        workspaceId: pulumi.Input<string>;
        logs?: boolean;
        metrics?: boolean;
    },
    opts: pulumi.CustomResourceOptions,
): monitor.DiagnosticSetting {
    return new monitor.DiagnosticSetting(
        name,
        {
            name: "to-log-analytics",
            resourceUri: args.resourceUri,
            workspaceId: args.workspaceId,
            logAnalyticsDestinationType: "Dedicated",
            logs: args.logs === false ? [] : [{ categoryGroup: "allLogs", enabled: true }],
            metrics: args.metrics === false ? [] : [{ category: "AllMetrics", enabled: true }],
        },
        opts,
    );
}
