/**
 * Export from a worker thread: the exporter (its HTTP client, Entra credential and statsbeat
 * metrics) runs in a thread of its own and the request thread only posts each batch to it.
 *
 * Why a thread, measured: an exporter's first HTTP request, made on the request thread, sent its
 * client objects through the functions Node's server shares with it (`OutgoingMessage`,
 * `_storeHeader`, the parser's callbacks, `Readable.push`, the socket's writes). V8 deoptimized
 * some sixty of them (`node --trace-deopt`) and optimized them again for both kinds of object (and
 * Azure Monitor's TLS sockets), which cost every later request CPU: with Azure Monitor's exporter
 * at 5 traces a second, 75 against 65 µs per request (`npm run bench`, rows i0 and i). A worker
 * has its own V8 isolate, so the request thread's code never sees the exporter's objects, and
 * serializing a batch for ingestion no longer holds up requests.
 */
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import type { ExportResult, ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { defaultBatchLimits, type TracingSettings } from "./settings";
import { encodeSpans, exportFailed, type ResourceData, type SpanBatch } from "./span-transfer";

/** Where the worker sends spans: what it reads of the settings of an exporter that sends them away. */
export type ExportDestination =
    | Pick<Extract<TracingSettings, { readonly exporter: "otlp" }>, "exporter" | "endpoint">
    | Pick<
          Extract<TracingSettings, { readonly exporter: "azure-monitor" }>,
          "exporter" | "connectionString" | "managedIdentityClientId"
      >;

/** What the worker reads of exporting settings: only that crosses to it. */
export function exportDestination(
    settings: Extract<TracingSettings, { readonly exporter: "otlp" | "azure-monitor" }>,
): ExportDestination {
    if (settings.exporter === "otlp") return { exporter: settings.exporter, endpoint: settings.endpoint };
    const { exporter, connectionString, managedIdentityClientId } = settings;
    return managedIdentityClientId !== undefined
        ? { exporter, connectionString, managedIdentityClientId }
        : { exporter, connectionString };
}

/** What the worker starts with. */
export interface ExportWorkerData {
    readonly destination: ExportDestination;
    readonly resource: ResourceData;
}

/** Requests to the worker, answered in the order sent, each by its id. */
export type ToWorker =
    | { readonly type: "export"; readonly id: number; readonly spans: SpanBatch }
    /** Answered once the exports under way have finished and the exporter has flushed or stopped. */
    | { readonly type: "flush" | "shutdown"; readonly id: number };

export interface FromWorker {
    readonly id: number;
    readonly code: ExportResultCode;
    readonly error?: ErrorData;
}

/** An error as it crosses threads: its class name, message and an Azure SDK status. */
export interface ErrorData {
    readonly name: string;
    readonly message: string;
    readonly statusCode?: number;
}

export type StartExportWorker = (data: ExportWorkerData) => Worker;

/**
 * A `SpanExporter` whose exports run in a worker thread, started on the first export (a host that
 * never exports starts none) and again on the next export if it dies. The worker keeps the process
 * alive only while an answer is awaited, so a stop waits for the exports under way and nothing else.
 */
export class WorkerExporter implements SpanExporter {
    private worker: Worker | undefined;
    private readonly waiting = new Map<number, (answer: FromWorker) => void>();
    private nextId = 0;
    private stopped = false;

    constructor(
        private readonly data: ExportWorkerData,
        private readonly start: StartExportWorker = startExportWorker,
        /**
         * How long a stop waits for the worker's answer before it ends the thread anyway, so a hung
         * exporter does not hold the process until it is killed: the batch export's timeout.
         */
        private readonly stopWithinMs = defaultBatchLimits.exportTimeoutMs,
    ) {}

    /** True while a worker runs (tests). */
    get running(): boolean {
        return this.worker !== undefined;
    }

    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        if (this.stopped) {
            done({ code: exportFailed, error: new Error("the exporter has stopped") });
            return;
        }
        this.ask({ type: "export", spans: encodeSpans(spans) }, (answer) => done(resultOf(answer)));
    }

    forceFlush(): Promise<void> {
        if (!this.worker) return Promise.resolve();
        return new Promise((resolve) => this.ask({ type: "flush" }, () => resolve()));
    }

    /**
     * Waits for the exports under way and the exporter's own shutdown, at most `stopWithinMs`, then
     * ends the thread; what is still unanswered then fails.
     */
    async shutdown(): Promise<void> {
        this.stopped = true;
        const worker = this.worker;
        if (!worker) return;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
            new Promise<void>((resolve) => this.ask({ type: "shutdown" }, () => resolve())),
            new Promise<void>((resolve) => (timer = setTimeout(resolve, this.stopWithinMs))),
        ]);
        clearTimeout(timer);
        this.lost(worker, new Error("the export worker was stopped before it answered"));
        await worker.terminate();
    }

    private ask(request: DistributiveOmit<ToWorker, "id">, answered: (answer: FromWorker) => void): void {
        const id = this.nextId++;
        try {
            const worker = (this.worker ??= this.started());
            // Posted first: a request that cannot be cloned throws before anything waits for it.
            worker.postMessage({ ...request, id });
            this.waiting.set(id, answered);
            if (this.waiting.size === 1) worker.ref();
        } catch (error) {
            answered({ id, code: exportFailed, error: errorData(error) });
        }
    }

    private started(): Worker {
        const worker = this.start(this.data);
        worker.unref();
        worker.on("message", (answer: FromWorker) => this.answered(answer));
        worker.on("error", (error) => this.lost(worker, error));
        worker.on("exit", (code) =>
            this.lost(worker, new Error(`the export worker exited with code ${code}`)),
        );
        return worker;
    }

    private answered(answer: FromWorker): void {
        const answered = this.waiting.get(answer.id);
        if (!answered) return;
        this.waiting.delete(answer.id);
        if (this.waiting.size === 0) this.worker?.unref();
        answered(answer);
    }

    /** The worker died: what it was asked fails, and the next export starts another. */
    private lost(worker: Worker, error: unknown): void {
        if (this.worker !== worker) return;
        this.worker = undefined;
        const waiting = [...this.waiting.values()];
        this.waiting.clear();
        for (const answered of waiting) answered({ id: -1, code: exportFailed, error: errorData(error) });
    }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The worker's file: in a bundle `export-worker.js` beside this code (`scripts/bundle.ts`); run from
 * source (tests, `npm start`), the TypeScript module through tsx's require hook. `node:worker_threads`
 * is read here, on the first export: loading it took about 2 ms, which a traced start would pay.
 */
export function startExportWorker(data: ExportWorkerData): Worker {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    const { Worker: WorkerThread } = require("node:worker_threads") as typeof import("node:worker_threads");
    const file = require.resolve("./export-worker-modules");
    if (!file.endsWith(".ts")) return new WorkerThread(file, { workerData: data });
    const tsx = createRequire(file).resolve("tsx/cjs");
    return new WorkerThread(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, {
        eval: true,
        workerData: data,
    });
}

export function errorData(error: unknown): ErrorData {
    if (!(error instanceof Error)) return { name: "Error", message: String(error) };
    const status = (error as { statusCode?: unknown }).statusCode;
    return {
        name: error.name,
        message: error.message,
        ...(typeof status === "number" ? { statusCode: status } : {}),
    };
}

function resultOf(answer: FromWorker): ExportResult {
    if (!answer.error) return { code: answer.code };
    const error = Object.assign(new Error(answer.error.message), answer.error);
    return { code: answer.code, error };
}
