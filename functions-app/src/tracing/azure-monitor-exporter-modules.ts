/**
 * The Azure Monitor trace exporter as the tracing SDK loads it on its first export: in the bundles it
 * ships as `azure-monitor-exporter.js` beside `tracing-sdk.js`, so a traced host neither reads nor
 * compiles its HTTP pipeline and statsbeat code at start (about two thirds of the tracing code).
 */
export { AzureMonitorTraceExporter } from "@azure/monitor-opentelemetry-exporter";
