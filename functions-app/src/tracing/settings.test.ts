import assert from "node:assert/strict";
import { defaultBatchLimits, defaultOtlpEndpoint, readTracingSettings } from "./settings";

describe("tracing settings", () => {
    it("is off by default and for TRACING_EXPORTER=off", () => {
        assert.deepEqual(readTracingSettings({}), { errors: [] });
        assert.deepEqual(readTracingSettings({ TRACING_EXPORTER: "off" }), { errors: [] });
    });

    it("reads console and OTLP export, with the OTLP default endpoint", () => {
        assert.deepEqual(
            readTracingSettings({ TRACING_EXPORTER: "console", TRACING_SAMPLE_PERCENT: "25" }).settings,
            {
                exporter: "console",
                tracesPerSecond: 0,
                samplePercent: 25,
                serviceName: "agents-control-plane-tools",
                batch: defaultBatchLimits,
            },
        );
        const otlp = readTracingSettings({ TRACING_EXPORTER: "OTLP" }).settings;
        assert.ok(otlp?.exporter === "otlp");
        assert.equal(otlp.endpoint, defaultOtlpEndpoint);
    });

    it("exports to Azure Monitor only with Entra authentication", () => {
        const connection =
            "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/";
        assert.deepEqual(
            readTracingSettings({
                TRACING_EXPORTER: "azure-monitor",
                APPLICATIONINSIGHTS_CONNECTION_STRING: connection,
                APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
                    "ClientId=11111111-1111-1111-1111-111111111111;Authorization=AAD",
            }).settings,
            {
                exporter: "azure-monitor",
                tracesPerSecond: 0,
                samplePercent: 100,
                serviceName: "agents-control-plane-tools",
                batch: defaultBatchLimits,
                connectionString: connection,
                managedIdentityClientId: "11111111-1111-1111-1111-111111111111",
            },
        );
        const keyOnly = readTracingSettings({
            TRACING_EXPORTER: "azure-monitor",
            APPLICATIONINSIGHTS_CONNECTION_STRING: connection,
        });
        assert.equal(keyOnly.settings, undefined);
        assert.match(
            keyOnly.errors.join(),
            /APPLICATIONINSIGHTS_AUTHENTICATION_STRING: must be Authorization=AAD/,
        );
    });

    it("reads a rate limit in traces per second, a fraction allowed; unset, the share decides", () => {
        for (const [value, expected] of [
            ["5", 5],
            ["0.5", 0.5],
            [" 0 ", 0],
            ["", 0],
            [undefined, 0],
        ] as const) {
            const { settings, errors } = readTracingSettings({
                TRACING_EXPORTER: "console",
                ...(value !== undefined ? { TRACING_TRACES_PER_SECOND: value } : {}),
            });
            assert.deepEqual(errors, [], String(value));
            assert.equal(settings?.tracesPerSecond, expected, String(value));
        }
    });

    it("names each bad variable", () => {
        const { settings, errors } = readTracingSettings({
            TRACING_EXPORTER: "otlp",
            TRACING_SAMPLE_PERCENT: "150",
            TRACING_TRACES_PER_SECOND: "-1",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://collector",
        });
        assert.equal(settings, undefined);
        assert.deepEqual(
            errors.map((e) => e.split(":")[0]),
            ["TRACING_SAMPLE_PERCENT", "TRACING_TRACES_PER_SECOND", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"],
        );
        for (const bad of ["-1", "five", "Infinity", "NaN"])
            assert.deepEqual(
                readTracingSettings({ TRACING_EXPORTER: "console", TRACING_TRACES_PER_SECOND: bad }),
                {
                    errors: [
                        `TRACING_TRACES_PER_SECOND: must be a number of at least 0 (0: TRACING_SAMPLE_PERCENT decides), got ${bad}`,
                    ],
                },
            );
        assert.match(
            readTracingSettings({ TRACING_EXPORTER: "zipkin" }).errors.join(),
            /^TRACING_EXPORTER: must be one of off, console, otlp, azure-monitor/,
        );
    });

    it("reads the batch limits from the OpenTelemetry variables, and names each bad one", () => {
        assert.deepEqual(
            readTracingSettings({
                TRACING_EXPORTER: "console",
                OTEL_BSP_SCHEDULE_DELAY: "0",
                OTEL_BSP_EXPORT_TIMEOUT: "1000",
                OTEL_BSP_MAX_QUEUE_SIZE: "100",
                OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "100",
            }).settings?.batch,
            { scheduledDelayMs: 0, exportTimeoutMs: 1000, maxQueueSize: 100, maxExportBatchSize: 100 },
        );
        const { settings, errors } = readTracingSettings({
            TRACING_EXPORTER: "console",
            OTEL_BSP_SCHEDULE_DELAY: "-1",
            OTEL_BSP_EXPORT_TIMEOUT: "0",
            OTEL_BSP_MAX_QUEUE_SIZE: "1.5",
            OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "many",
        });
        assert.equal(settings, undefined);
        assert.deepEqual(
            errors.map((e) => e.split(":")[0]),
            [
                "OTEL_BSP_MAX_QUEUE_SIZE",
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                "OTEL_BSP_SCHEDULE_DELAY",
                "OTEL_BSP_EXPORT_TIMEOUT",
            ],
        );
        assert.deepEqual(
            readTracingSettings({ TRACING_EXPORTER: "console", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096" })
                .errors,
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE: must not exceed OTEL_BSP_MAX_QUEUE_SIZE (2048), got 4096"],
        );
    });
});
