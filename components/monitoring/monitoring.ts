import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as pulumi from "@pulumi/pulumi";
import { stableGuid } from "../azure/ids";
import { projectName } from "../project";
import { gatewayAlerts } from "./alerts";
import { agentWorkbook } from "./workbook";

/** Arguments for {@link Monitoring}. */
export interface MonitoringArgs {
    /** Resource group that holds the workspace, App Insights, alerts and dashboard. */
    readonly resourceGroupName: pulumi.Input<string>;
    /** Azure region of the workspace, App Insights and alert rules (the action group is global). */
    readonly location: pulumi.Input<string>;
    /** Base for resource names, e.g. `acp-dev`. */
    readonly baseName: string;
    /** Days of log retention (30 to 730). */
    readonly retentionInDays: number;
    /** Receivers the action group notifies. */
    readonly alertEmails: readonly string[];
    /** Webhooks the action group calls; treated as secrets. */
    readonly alertWebhookUrls: readonly string[];
    /** p95 latency threshold for the latency alert. */
    readonly latencyThresholdMs: number;
    /** Custom metric the gateway emits per call (agent, tool, status dimensions). */
    readonly callMetricName: string;
    /** Caller app id -> agent name, shown on the dashboard. */
    readonly agentsByAppId: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Tags put on every monitoring resource. */
    readonly tags: Record<string, string>;
}

/** Log Analytics, App Insights, alert rules and the per-agent dashboard for one control plane. */
export class Monitoring extends pulumi.ComponentResource {
    /** Workspace every diagnostic setting in the stack sends to. */
    public readonly workspaceId: pulumi.Output<string>;
    public readonly workspaceName: pulumi.Output<string>;
    public readonly appInsightsId: pulumi.Output<string>;
    public readonly appInsightsName: pulumi.Output<string>;
    /** Not a credential (local auth is off; ingestion needs an Entra token), but kept secret anyway. */
    public readonly appInsightsConnectionString: pulumi.Output<string>;
    public readonly actionGroupId: pulumi.Output<string>;
    public readonly alertRuleIds: pulumi.Output<string>[];
    public readonly workbookId: pulumi.Output<string>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:monitoring:Monitoring", name, {}, opts);
        const common = { resourceGroupName: args.resourceGroupName, tags: args.tags };

        const workspace = new operationalinsights.Workspace(
            `${name}-logs`,
            {
                ...common,
                location: args.location,
                workspaceName: `${args.baseName}-logs`,
                sku: { name: "PerGB2018" },
                retentionInDays: args.retentionInDays,
                features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
                publicNetworkAccessForIngestion: "Enabled",
                publicNetworkAccessForQuery: "Enabled",
            },
            { parent: this },
        );

        const appInsights = new applicationinsights.Component(
            `${name}-appinsights`,
            {
                ...common,
                location: args.location,
                resourceName: `${args.baseName}-appinsights`,
                kind: "web",
                applicationType: "web",
                workspaceResourceId: workspace.id,
                ingestionMode: "LogAnalytics",
                // Telemetry must come with an Entra token (managed identities), not the key alone.
                disableLocalAuth: true,
                retentionInDays: args.retentionInDays,
            },
            { parent: this },
        );

        const actionGroup = new monitor.ActionGroup(
            `${name}-alerts`,
            {
                ...common,
                location: "global",
                actionGroupName: `${args.baseName}-alerts`,
                groupShortName: args.baseName.replace(/[^A-Za-z0-9]/g, "").slice(0, 12),
                enabled: true,
                emailReceivers: args.alertEmails.map((address, i) => ({
                    name: `email-${i + 1}`,
                    emailAddress: address,
                    useCommonAlertSchema: true,
                })),
                webhookReceivers: args.alertWebhookUrls.map((url, i) => ({
                    name: `webhook-${i + 1}`,
                    serviceUri: pulumi.secret(url),
                    useCommonAlertSchema: true,
                })),
            },
            { parent: this },
        );

        this.alertRuleIds = gatewayAlerts({ latencyThresholdMs: args.latencyThresholdMs }).map(
            (alert) =>
                new monitor.ScheduledQueryRule(
                    `${name}-${alert.id}`,
                    {
                        ...common,
                        location: args.location,
                        ruleName: `${args.baseName}-${alert.id}`,
                        displayName: alert.displayName,
                        description: alert.description,
                        kind: "LogAlert",
                        enabled: true,
                        severity: alert.severity,
                        scopes: [workspace.id],
                        evaluationFrequency: "PT5M",
                        windowSize: "PT15M",
                        criteria: {
                            allOf: [
                                {
                                    query: alert.query,
                                    timeAggregation: "Maximum",
                                    metricMeasureColumn: alert.metricMeasureColumn,
                                    // The API takes the word; the SDK enum would send "gt".
                                    operator: "GreaterThan",
                                    threshold: alert.threshold,
                                    failingPeriods: {
                                        numberOfEvaluationPeriods: 1,
                                        minFailingPeriodsToAlert: 1,
                                    },
                                },
                            ],
                        },
                        // The APIM table appears only once the gateway has logged something.
                        skipQueryValidation: true,
                        autoMitigate: true,
                        actions: { actionGroups: [actionGroup.id] },
                    },
                    { parent: this },
                ).id,
        );

        const workbook = new applicationinsights.Workbook(
            `${name}-dashboard`,
            {
                ...common,
                location: args.location,
                // Must be a GUID, and stable, or every run would create a new workbook.
                resourceName: stableGuid(projectName, args.baseName, "agent-dashboard"),
                kind: "shared",
                category: "workbook",
                displayName: `${args.baseName}: agents and tools`,
                sourceId: workspace.id,
                serializedData: pulumi.output(args.agentsByAppId).apply((agentsByAppId) =>
                    agentWorkbook({
                        title: `${args.baseName}: agents and tools`,
                        agentsByAppId,
                        metricName: args.callMetricName,
                    }),
                ),
            },
            { parent: this },
        );

        this.workspaceId = workspace.id;
        this.workspaceName = workspace.name;
        this.appInsightsId = appInsights.id;
        this.appInsightsName = appInsights.name;
        this.appInsightsConnectionString = pulumi.secret(appInsights.connectionString);
        this.actionGroupId = actionGroup.id;
        this.workbookId = workbook.id;
        this.registerOutputs({
            workspaceId: this.workspaceId,
            appInsightsId: this.appInsightsId,
            actionGroupId: this.actionGroupId,
            workbookId: this.workbookId,
        });
    }
}
