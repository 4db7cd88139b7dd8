/** Where the tool service's spans go, read from its environment (both hosts read the same variables). */
export type TracingSettings =
    | (CommonTracingSettings & { readonly exporter: "console" })
    | (CommonTracingSettings & { readonly exporter: "otlp"; readonly endpoint: string })
    | (CommonTracingSettings & {
          readonly exporter: "azure-monitor";
          readonly connectionString: string;
          /** The user-assigned identity that publishes; absent: the system-assigned one. */
          readonly managedIdentityClientId?: string;
      });

interface CommonTracingSettings {
    /**
     * Traces recorded per second, about (0: no limit, {@link samplePercent} decides). Above
     * 0 a rate limit decides for new traces and for those a caller sent sampled alike.
     */
    readonly tracesPerSecond: number;
    /**
     * With no {@link tracesPerSecond}: share of new traces recorded (0-100, rounded down to 100/N);
     * a caller's sampled flag decides for its own traces.
     */
    readonly samplePercent: number;
    /** `service.name`, which Application Insights shows as the cloud role name. */
    readonly serviceName: string;
    /** How ended spans are batched for export. */
    readonly batch: BatchLimits;
}

/** The OpenTelemetry batch span processor's limits, with the specification's defaults and variables. */
export interface BatchLimits {
    /** Spans waiting at most; more are dropped (OTEL_BSP_MAX_QUEUE_SIZE). */
    readonly maxQueueSize: number;
    /** Spans per export at most (OTEL_BSP_MAX_EXPORT_BATCH_SIZE). */
    readonly maxExportBatchSize: number;
    /** How long a partial batch waits, ms (OTEL_BSP_SCHEDULE_DELAY). */
    readonly scheduledDelayMs: number;
    /** How long an export may take before it is given up on, ms (OTEL_BSP_EXPORT_TIMEOUT). */
    readonly exportTimeoutMs: number;
}

export const defaultBatchLimits: BatchLimits = {
    maxQueueSize: 2048,
    maxExportBatchSize: 512,
    scheduledDelayMs: 5000,
    exportTimeoutMs: 30_000,
};

const batchLimitVariables: Readonly<Record<keyof BatchLimits, { name: string; least: number }>> = {
    maxQueueSize: { name: "OTEL_BSP_MAX_QUEUE_SIZE", least: 1 },
    maxExportBatchSize: { name: "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", least: 1 },
    scheduledDelayMs: { name: "OTEL_BSP_SCHEDULE_DELAY", least: 0 },
    exportTimeoutMs: { name: "OTEL_BSP_EXPORT_TIMEOUT", least: 1 },
};

export const tracingExporters = ["off", "console", "otlp", "azure-monitor"] as const;

/** The OTLP/HTTP collector's default trace endpoint (the OpenTelemetry specification's default). */
export const defaultOtlpEndpoint = "http://localhost:4318/v1/traces";

export const defaultServiceName = "agents-control-plane-tools";

/** Share of new traces recorded when TRACING_SAMPLE_PERCENT is not set: all of them. */
export const defaultSamplePercent = 100;

/**
 * Traces per second when TRACING_TRACES_PER_SECOND is not set: none, so the share decides, as
 * before the rate limit existed. A host run by hand or by a test records every trace; the stack
 * writes its own limit (`toolTracingTracesPerSecond`, 5 by default) to both backends.
 */
export const defaultTracesPerSecond = 0;

/** The variables the settings are read from: the deployment writes the same names. */
export const tracingSettingNames = {
    exporter: "TRACING_EXPORTER",
    samplePercent: "TRACING_SAMPLE_PERCENT",
    tracesPerSecond: "TRACING_TRACES_PER_SECOND",
    serviceName: "OTEL_SERVICE_NAME",
    otlpEndpoint: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    connectionString: "APPLICATIONINSIGHTS_CONNECTION_STRING",
    authentication: "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
} as const;

/** The authentication string that publishes with the Entra token of the identity `clientId`. */
export function entraAuthenticationString(clientId: string): string {
    return `ClientId=${clientId};Authorization=AAD`;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The tracing settings (undefined: tracing off, the default) and every problem, each naming its
 * variable. Azure Monitor export requires Entra authentication (`Authorization=AAD` in
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING): the control plane's Application Insights refuses
 * instrumentation-key ingestion, so a key-only setup would drop every span without a word.
 */
export function readTracingSettings(env: Env): { settings?: TracingSettings; errors: string[] } {
    const names = tracingSettingNames;
    const errors: string[] = [];
    const text = (name: string): string | undefined => env[name]?.trim() || undefined;
    const exporter = (text(names.exporter) ?? "off").toLowerCase();
    if (!(tracingExporters as readonly string[]).includes(exporter)) {
        return {
            errors: [`${names.exporter}: must be one of ${tracingExporters.join(", ")}, got ${exporter}`],
        };
    }
    if (exporter === "off") return { errors };

    const percentText = text(names.samplePercent);
    const samplePercent = percentText === undefined ? defaultSamplePercent : Number(percentText);
    if (!Number.isFinite(samplePercent) || samplePercent < 0 || samplePercent > 100) {
        errors.push(`${names.samplePercent}: must be a number from 0 to 100, got ${percentText}`);
    }
    const rateText = text(names.tracesPerSecond);
    const tracesPerSecond = rateText === undefined ? defaultTracesPerSecond : Number(rateText);
    if (!Number.isFinite(tracesPerSecond) || tracesPerSecond < 0) {
        errors.push(
            `${names.tracesPerSecond}: must be a number of at least 0 (0: ${names.samplePercent} decides), got ${rateText}`,
        );
    }
    const common = {
        tracesPerSecond,
        samplePercent,
        serviceName: text(names.serviceName) ?? defaultServiceName,
        batch: readBatchLimits(text, errors),
    };

    let settings: TracingSettings | undefined;
    if (exporter === "console") settings = { ...common, exporter };
    else if (exporter === "otlp") {
        const endpoint = text(names.otlpEndpoint) ?? defaultOtlpEndpoint;
        try {
            const { protocol } = new URL(endpoint);
            if (protocol !== "http:" && protocol !== "https:") throw new Error(protocol);
            settings = { ...common, exporter, endpoint };
        } catch {
            errors.push(`${names.otlpEndpoint}: must be an http or https URL, got ${endpoint}`);
        }
    } else {
        const connectionString = text(names.connectionString);
        if (!connectionString) {
            errors.push(`${names.connectionString}: required when ${names.exporter}=azure-monitor`);
        }
        const auth = parseAuthenticationString(text(names.authentication));
        if (!auth) {
            errors.push(
                `${names.authentication}: must be Authorization=AAD[;ClientId=<identity client id>] ` +
                    "(spans are published with Entra authentication, never the instrumentation key)",
            );
        }
        if (connectionString && auth) {
            settings = {
                ...common,
                exporter: "azure-monitor",
                connectionString,
                ...(auth.clientId !== undefined ? { managedIdentityClientId: auth.clientId } : {}),
            };
        }
    }
    return errors.length > 0 || !settings ? { errors } : { settings, errors };
}

/** The batch limits, each from its variable when set (a whole number) and its default otherwise. */
function readBatchLimits(text: (name: string) => string | undefined, errors: string[]): BatchLimits {
    const limits: Record<keyof BatchLimits, number> = { ...defaultBatchLimits };
    for (const key of Object.keys(batchLimitVariables) as (keyof BatchLimits)[]) {
        const { name, least } = batchLimitVariables[key];
        const raw = text(name);
        if (raw === undefined) continue;
        const value = Number(raw);
        if (!Number.isSafeInteger(value) || value < least)
            errors.push(`${name}: must be a whole number of at least ${least}, got ${raw}`);
        else limits[key] = value;
    }
    if (limits.maxExportBatchSize > limits.maxQueueSize)
        errors.push(
            `${batchLimitVariables.maxExportBatchSize.name}: must not exceed ` +
                `${batchLimitVariables.maxQueueSize.name} (${limits.maxQueueSize}), got ${limits.maxExportBatchSize}`,
        );
    return limits;
}

/** `Authorization=AAD;ClientId=<id>` in any order and case of keys; undefined unless it says AAD. */
function parseAuthenticationString(value: string | undefined): { clientId?: string } | undefined {
    if (value === undefined) return undefined;
    const pairs = new Map<string, string>();
    for (const part of value.split(";")) {
        const eq = part.indexOf("=");
        if (eq > 0) pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    if (pairs.get("authorization")?.toUpperCase() !== "AAD") return undefined;
    const clientId = pairs.get("clientid");
    return clientId ? { clientId } : {};
}
