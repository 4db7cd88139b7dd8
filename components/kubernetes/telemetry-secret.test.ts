import assert from "node:assert/strict";
import { readSettings } from "functions-app/node-host/settings";
import {
    defaultBatchLimits,
    entraAuthenticationString,
    tracingSettingNames,
} from "functions-app/tracing/settings";
import { podEnvironment } from "../../tests/support/workload-objects";
import { manifestList, renderWorkload, workloadParamsProblems } from "./manifests";
import { renderTelemetrySecret } from "./telemetry-secret";
import { validateAgainstSchema, validParams } from "./test-fixtures";

const connectionString =
    "InstrumentationKey=0b7e4c1a-2f3d-4e5a-9b6c-7d8e9f0a1b2c;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;ApplicationId=5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d";
const names = tracingSettingNames;

describe("the tool pods' telemetry Secret", () => {
    const params = validParams({
        telemetrySecret: true,
        serviceSettings: {
            [names.exporter]: "azure-monitor",
            [names.authentication]: entraAuthenticationString(validParams().identityClientId),
        },
    });

    it("gives the host Azure Monitor export as the workload identity, the connection string from the Secret", () => {
        const secret = renderTelemetrySecret(params, connectionString);
        assert.doesNotThrow(() => validateAgainstSchema(secret));
        const objects = [...manifestList(renderWorkload(params), [secret])];
        assert.deepEqual(
            objects.map((o) => o.kind).slice(0, 3),
            ["Namespace", "ServiceAccount", "Secret"],
            "the Secret exists before the pods that read it",
        );
        // What the kubelet hands the container, read by the Node host's own settings reader.
        const result = readSettings(podEnvironment(objects as unknown as Record<string, unknown>[]));
        assert.ok(result.ok, result.ok ? "" : result.errors.join("; "));
        assert.deepEqual(result.settings.tracing, {
            exporter: "azure-monitor",
            tracesPerSecond: 0,
            samplePercent: 100,
            serviceName: "agents-control-plane-tools",
            batch: defaultBatchLimits,
            connectionString,
            managedIdentityClientId: params.identityClientId,
        });
        // The Deployment names the Secret; the value is nowhere in it.
        assert.ok(!JSON.stringify(renderWorkload(params).deployment).includes("InstrumentationKey"));
    });

    it("without the Secret, the pods would not start: the host refuses azure-monitor without a connection string", () => {
        const objects = [...manifestList(renderWorkload(params))];
        assert.throws(
            () => podEnvironment(objects as unknown as Record<string, unknown>[]),
            /Secret mcp\/mcp-host-telemetry is applied with the Deployment/,
        );
        const env = { ...params.serviceSettings, SNIPPETS_STORAGE_ACCOUNT_URL: params.storageAccountUrl };
        const result = readSettings(env);
        assert.ok(!result.ok);
        assert.match(result.errors.join("\n"), /APPLICATIONINSIGHTS_CONNECTION_STRING: required/);
    });

    it("refuses parameters that export to Azure Monitor without the Secret, or set the connection string in plain", () => {
        assert.deepEqual(workloadParamsProblems({ ...params, telemetrySecret: false }), [
            "serviceSettings: TRACING_EXPORTER=azure-monitor needs telemetrySecret (the pods read APPLICATIONINSIGHTS_CONNECTION_STRING from it)",
        ]);
        assert.deepEqual(
            workloadParamsProblems(
                validParams({ serviceSettings: { [names.connectionString]: connectionString } }),
            ),
            [
                'serviceSettings: "APPLICATIONINSIGHTS_CONNECTION_STRING" is set by the workload itself and cannot be replaced',
            ],
        );
    });

    it("refuses a value that is not a connection string, without repeating it", () => {
        for (const value of ["", "not-a-connection-string", `${connectionString}\nkind: Pod`]) {
            assert.throws(
                () => renderTelemetrySecret(params, value),
                (error: Error) =>
                    /mcp\/mcp-host: the telemetry connection string is not an Application Insights connection string/.test(
                        error.message,
                    ) &&
                    (value === "" || !error.message.includes(value)),
            );
        }
    });
});
