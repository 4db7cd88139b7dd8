/**
 * The OTLP/HTTP trace exporter as the tracing SDK loads it on its first export: in the bundles it
 * ships as `otlp-exporter.js` beside `tracing-sdk.js`.
 */
export { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
