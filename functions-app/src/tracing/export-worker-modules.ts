/**
 * The export worker's thread (`worker-export.ts`; in a bundle `export-worker.js` beside
 * `tracing-sdk.js`): makes the exporter on its first export, hands it each batch as the
 * `ReadableSpan`s the SDK would, and answers each request by its id. The exporter's code (and
 * the Azure SDK's credential, for Azure Monitor) is read here only, never on the request thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { ExportResult } from "@opentelemetry/core";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { lazyManagedIdentityCredential } from "../storage/azure-sdk";
import { decodeSpans, exportFailed, exportSucceeded, fixedResource } from "./span-transfer";
import {
    errorData,
    type ExportDestination,
    type ExportWorkerData,
    type FromWorker,
    type ToWorker,
} from "./worker-export";

type OtlpExporterModules = typeof import("./otlp-exporter-modules");
type AzureMonitorExporterModules = typeof import("./azure-monitor-exporter-modules");
// Required on the first export, so only the chosen exporter's code is read and evaluated.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const otlpHttp = () => require("./otlp-exporter-modules") as OtlpExporterModules;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const azureMonitor = () => require("./azure-monitor-exporter-modules") as AzureMonitorExporterModules;

const port = parentPort;
if (!port) throw new Error("the export worker runs in a worker thread");
const data = workerData as ExportWorkerData;
const resource = fixedResource(data.resource.attributes);
let exporter: SpanExporter | undefined;
const underWay = new Set<Promise<void>>();

port.on("message", (request: ToWorker) => {
    switch (request.type) {
        case "export":
            exportBatch(request.id, decodeSpans(request.spans, resource, data.resource.scope));
            break;
        case "flush":
            void settled(request.id, async () => exporter?.forceFlush?.());
            break;
        case "shutdown":
            void settled(request.id, async () => exporter?.shutdown());
            break;
    }
});

function exportBatch(id: number, spans: Parameters<SpanExporter["export"]>[0]): void {
    let made: SpanExporter;
    try {
        made = exporter ??= make(data.destination);
    } catch (error) {
        // Not kept: the next export tries again.
        answer({ id, code: exportFailed, error: errorData(error) });
        return;
    }
    let finish!: () => void;
    const exported = new Promise<void>((resolve) => (finish = resolve));
    underWay.add(exported);
    made.export(spans, (result: ExportResult) => {
        underWay.delete(exported);
        finish();
        answer({ id, code: result.code, ...(result.error ? { error: errorData(result.error) } : {}) });
    });
}

/** Answers once the exports under way have finished and `then` has run. */
async function settled(id: number, then: () => Promise<void>): Promise<void> {
    try {
        await Promise.all(underWay);
        await then();
        answer({ id, code: exportSucceeded });
    } catch (error) {
        answer({ id, code: exportFailed, error: errorData(error) });
    }
}

function answer(message: FromWorker): void {
    port?.postMessage(message);
}

function make(destination: ExportDestination): SpanExporter {
    if (destination.exporter === "otlp") {
        const { OTLPTraceExporter } = otlpHttp();
        return new OTLPTraceExporter({ url: destination.endpoint });
    }
    const { AzureMonitorTraceExporter } = azureMonitor();
    return new AzureMonitorTraceExporter({
        connectionString: destination.connectionString,
        credential: lazyManagedIdentityCredential({
            managedIdentityClientId: destination.managedIdentityClientId,
        }),
    });
}
