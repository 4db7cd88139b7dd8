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
    /** Share of new traces recorded (0-100); a caller's sampled flag decides for its own traces. */
    readonly samplePercent: number;
    /** `service.name`, which Application Insights shows as the cloud role name. */
    readonly serviceName: string;
}

export const tracingExporters = ["off", "console", "otlp", "azure-monitor"] as const;

/** The OTLP/HTTP collector's default trace endpoint (the OpenTelemetry specification's default). */
export const defaultOtlpEndpoint = "http://localhost:4318/v1/traces";

export const defaultServiceName = "agents-control-plane-tools";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The tracing settings (undefined: tracing off, the default) and every problem, each naming its
 * variable. Azure Monitor export requires Entra authentication (`Authorization=AAD` in
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING): the control plane's Application Insights refuses
 * instrumentation-key ingestion, so a key-only setup would drop every span without a word.
 */
export function readTracingSettings(env: Env): { settings?: TracingSettings; errors: string[] } {
    const errors: string[] = [];
    const text = (name: string): string | undefined => env[name]?.trim() || undefined;
    const exporter = (text("TRACING_EXPORTER") ?? "off").toLowerCase();
    if (!(tracingExporters as readonly string[]).includes(exporter)) {
        return {
            errors: [`TRACING_EXPORTER: must be one of ${tracingExporters.join(", ")}, got ${exporter}`],
        };
    }
    if (exporter === "off") return { errors };

    const percentText = text("TRACING_SAMPLE_PERCENT");
    const samplePercent = percentText === undefined ? 100 : Number(percentText);
    if (!Number.isFinite(samplePercent) || samplePercent < 0 || samplePercent > 100) {
        errors.push(`TRACING_SAMPLE_PERCENT: must be a number from 0 to 100, got ${percentText}`);
    }
    const common = { samplePercent, serviceName: text("OTEL_SERVICE_NAME") ?? defaultServiceName };

    let settings: TracingSettings | undefined;
    if (exporter === "console") settings = { ...common, exporter };
    else if (exporter === "otlp") {
        const endpoint = text("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? defaultOtlpEndpoint;
        try {
            const { protocol } = new URL(endpoint);
            if (protocol !== "http:" && protocol !== "https:") throw new Error(protocol);
            settings = { ...common, exporter, endpoint };
        } catch {
            errors.push(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http or https URL, got ${endpoint}`);
        }
    } else {
        const connectionString = text("APPLICATIONINSIGHTS_CONNECTION_STRING");
        if (!connectionString) {
            errors.push(
                "APPLICATIONINSIGHTS_CONNECTION_STRING: required when TRACING_EXPORTER=azure-monitor",
            );
        }
        const auth = parseAuthenticationString(text("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
        if (!auth) {
            errors.push(
                "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: must be Authorization=AAD[;ClientId=<identity client id>] " +
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
