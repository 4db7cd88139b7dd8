import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import type { SpanContext } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { startOtlpCollector, type OtlpCollector } from "../../test/support/otlp-collector";
import { recordedSpans } from "../../test/support/recorded-spans";
import { decodeSpans, encodeSpans, exportFailed, exportSucceeded, fixedResource } from "./span-transfer";
import { startExportWorker, WorkerExporter, type ExportWorkerData } from "./worker-export";

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const callerSpanId = "00f067aa0ba902b7";
const resource = fixedResource({ "service.name": "tools-under-test", "service.instance.id": "pod-1" });
const scope = { name: "agents-control-plane-tools" };

/**
 * A request span continuing a caller's trace (with its tracestate) and its failed tool span, as
 * the host's recorder makes them: tool span first.
 */
function spans(): ReadableSpan[] {
    const { tracing, spans: recorded } = recordedSpans();
    const request = tracing.startFromRemote(
        "POST /runtime/webhooks/mcp",
        "server",
        { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: "congo=t61rcWkgMzE" },
        { "http.request.method": "POST" },
    );
    // Synchronous work: the tool span has ended when inSpan returns.
    void request.run(() =>
        tracing.inSpan("tools/call hello_mcp", "internal", { "gen_ai.tool.name": "hello_mcp" }, (tool) =>
            tool.fail("TimeoutError"),
        ),
    );
    request.setAttributes({ "http.response.status_code": 200 });
    request.end();
    assert.equal(recorded.length, 2);
    return recorded;
}

/** What an exporter reads of a span, as plain data (a recorded span's times are getters). */
const view = (span: ReadableSpan) => ({
    name: span.name,
    kind: span.kind,
    context: contextView(span.spanContext()),
    parent: contextView(span.parentSpanContext),
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events,
    ended: span.ended,
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
    dropped: [span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount],
});

const contextView = (context: SpanContext | undefined) =>
    context && { ...context, traceState: context.traceState?.serialize() };

const workerData = (endpoint: string): ExportWorkerData => ({
    destination: { exporter: "otlp", endpoint },
    resource: { attributes: resource.attributes, scope },
});

const exportOnce = (exporter: WorkerExporter, batch = spans()) =>
    new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));

/** An OTLP endpoint that holds each export until the test answers it. */
async function startHeldCollector() {
    const held: ServerResponse[] = [];
    const server = createServer((req, res) => {
        req.resume();
        req.on("end", () => held.push(res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
        held,
        answerAll: () => {
            for (const res of held.splice(0))
                res.writeHead(200, { "content-type": "application/json" }).end("{}");
        },
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
            }),
    };
}

async function until(condition: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !condition(); waited += 10) {
        if (waited >= 10_000) throw new Error(`waited 10 s for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
    }
}

describe("spans as data for the export worker", () => {
    it("gives an exporter the same spans after a structured clone, trace state and parent included", () => {
        const recorded = spans();
        const { resource, instrumentationScope } = recorded[0]!;
        const copies = decodeSpans(structuredClone(encodeSpans(recorded)), resource, instrumentationScope);
        assert.deepEqual(copies.map(view), recorded.map(view));
        assert.equal(copies[1]?.spanContext().traceState?.get("congo"), "t61rcWkgMzE");
    });

    it("keeps a root span's absent parent and status message absent", () => {
        const { tracing, spans: recorded } = recordedSpans();
        tracing.startFromRemote("GET /runtime/webhooks/mcp", "server", {}, {}).end();
        const [copy] = decodeSpans(structuredClone(encodeSpans(recorded)), recorded[0]!.resource, scope);
        assert.equal(copy && "parentSpanContext" in copy, false);
        assert.deepEqual(copy?.status, recorded[0]?.status);
        assert.equal(copy?.status.message, undefined);
    });
});

describe("export from a worker thread", function () {
    this.timeout(20_000);
    let collector: OtlpCollector;
    before(async () => (collector = await startOtlpCollector()));
    after(() => collector?.close());
    beforeEach(() => (collector.spans.length = 0));

    it("exports a batch from the worker: the request thread makes no HTTP request and loads no exporter", async () => {
        const requests: unknown[] = [];
        const onRequest = (message: unknown) => requests.push(message);
        subscribe("http.client.request.start", onRequest);
        const exporter = new WorkerExporter(workerData(collector.tracesUrl));
        const recorded = spans();
        try {
            assert.deepEqual(await exportOnce(exporter, recorded), { code: exportSucceeded });
        } finally {
            await exporter.shutdown();
            unsubscribe("http.client.request.start", onRequest);
        }
        const [toolSpan, requestSpan] = recorded;
        const nanos = ([seconds, ns]: readonly [number, number]) =>
            String(BigInt(seconds) * 10n ** 9n + BigInt(ns));
        assert.deepEqual(
            collector.spans.map((s) => [s.name, s.traceId, s.spanId, s.parentSpanId, s.kind, s.serviceName]),
            [
                [
                    "tools/call hello_mcp",
                    traceId,
                    toolSpan?.spanContext().spanId,
                    requestSpan?.spanContext().spanId,
                    1,
                    "tools-under-test",
                ],
                [
                    "POST /runtime/webhooks/mcp",
                    traceId,
                    requestSpan?.spanContext().spanId,
                    callerSpanId,
                    2,
                    "tools-under-test",
                ],
            ],
        );
        const [tool, request] = collector.spans as (OtlpCollector["spans"][number] &
            Record<string, unknown>)[];
        assert.deepEqual(tool?.attributes, { "gen_ai.tool.name": "hello_mcp" });
        assert.deepEqual(request?.attributes, {
            "http.request.method": "POST",
            "http.response.status_code": 200,
        });
        assert.deepEqual(tool?.status, { code: 2, message: "TimeoutError" });
        assert.equal(tool?.startTimeUnixNano, nanos(toolSpan!.startTime));
        assert.equal(request?.endTimeUnixNano, nanos(requestSpan!.endTime));
        assert.equal(request?.traceState, "congo=t61rcWkgMzE");
        assert.deepEqual(requests, [], "the request thread sent nothing itself");
        assert.deepEqual(
            Object.keys(require.cache).filter((file) => file.includes("exporter-trace-otlp")),
            [],
            "the exporter's code was read in the worker only",
        );
    });

    it("starts no worker until the first export, and none after it stops", async () => {
        let started = 0;
        const exporter = new WorkerExporter(workerData(collector.tracesUrl), (data) => {
            started++;
            return startExportWorker(data);
        });
        await exporter.forceFlush();
        await exporter.shutdown();
        assert.equal(started, 0, "nothing exported, nothing started");
        const late = await exportOnce(exporter);
        assert.equal(late.code, exportFailed);
        assert.equal(started, 0);
        assert.equal(collector.spans.length, 0);
    });

    it("reports a refused export with the error's class and message", async () => {
        const refusing = createServer((req, res) => {
            req.resume();
            req.on("end", () => res.writeHead(400, { "content-type": "text/plain" }).end("bad spans"));
        });
        await new Promise<void>((resolve) => refusing.listen(0, "127.0.0.1", resolve));
        const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/v1/traces`;
        const exporter = new WorkerExporter(workerData(url));
        try {
            const failed = await exportOnce(exporter);
            assert.equal(failed.code, exportFailed);
            assert.ok(failed.error instanceof Error);
            assert.match(`${failed.error.name}: ${failed.error.message}`, /OTLPExporterError: Bad Request/);
        } finally {
            await exporter.shutdown();
            await new Promise((resolve) => refusing.close(resolve));
        }
    });

    it("fails a batch that cannot cross to the worker, and exports the next one", async () => {
        const exporter = new WorkerExporter(workerData(collector.tracesUrl));
        try {
            const [tool] = spans();
            // Attributes are primitives by type; a value that cannot be cloned must still not wedge the exporter.
            const odd = Object.create(tool!, {
                attributes: { value: { bad: () => undefined } },
            }) as ReadableSpan;
            const refused = await exportOnce(exporter, [odd]);
            assert.equal(refused.code, exportFailed);
            assert.equal(refused.error?.name, "DataCloneError");
            assert.deepEqual(await exportOnce(exporter), { code: exportSucceeded });
            assert.equal(collector.spans.length, 2);
        } finally {
            await exporter.shutdown();
        }
    });

    it("on shutdown, waits for the export under way, then ends the thread", async () => {
        const held = await startHeldCollector();
        let worker: Worker | undefined;
        const exporter = new WorkerExporter(
            workerData(held.url),
            (data) => (worker = startExportWorker(data)),
        );
        try {
            const events: string[] = [];
            const exported = exportOnce(exporter).then((result) => events.push(`exported ${result.code}`));
            await until(() => held.held.length === 1, "the export to arrive");
            const stopped = exporter.shutdown().then(() => events.push("stopped"));
            await new Promise((resolve) => setTimeout(resolve, 50));
            assert.deepEqual(events, [], "still waiting for the export");
            assert.equal(exporter.running, true);
            held.answerAll();
            await Promise.all([exported, stopped]);
            assert.deepEqual(events, [`exported ${exportSucceeded}`, "stopped"]);
            assert.equal(exporter.running, false);
            assert.equal(worker?.threadId, -1, "the thread has ended");
        } finally {
            await held.close();
        }
    });

    it("on shutdown, ends a worker that does not answer within the stop's bound, and fails what it was asked", async () => {
        let worker: Worker | undefined;
        // A thread that takes every request and answers none, as a hung exporter would.
        const silent = () =>
            (worker = new Worker('require("node:worker_threads").parentPort.on("message", () => {});', {
                eval: true,
            }));
        const exporter = new WorkerExporter(workerData(collector.tracesUrl), silent, 200);
        const exported = exportOnce(exporter);
        const stopping = Date.now();
        await exporter.shutdown();
        const stopMs = Date.now() - stopping;
        assert.ok(stopMs >= 150 && stopMs < 5_000, `stopped after ${stopMs} ms`);
        const result = await exported;
        assert.equal(result.code, exportFailed);
        assert.match(String(result.error?.message), /stopped before it answered/);
        assert.equal(exporter.running, false);
        assert.equal(worker?.threadId, -1, "the thread has ended");
    });

    it("fails what a dead worker was asked, and starts another for the next export", async () => {
        const held = await startHeldCollector();
        const workers: Worker[] = [];
        const exporter = new WorkerExporter(workerData(collector.tracesUrl), (data) => {
            const worker = startExportWorker(data);
            workers.push(worker);
            return worker;
        });
        try {
            // The first worker sends to the endpoint that holds its export, and dies meanwhile.
            const stuck = new WorkerExporter(workerData(held.url), (data) => {
                const worker = startExportWorker(data);
                workers.push(worker);
                return worker;
            });
            const pending = exportOnce(stuck);
            await until(() => held.held.length === 1, "the export to arrive");
            await workers[0]?.terminate();
            const lost = await pending;
            assert.equal(lost.code, exportFailed);
            assert.match(String(lost.error?.message), /exited/);
            assert.equal(stuck.running, false);
            await stuck.shutdown();

            assert.equal((await exportOnce(exporter)).code, exportSucceeded);
            await exporter.forceFlush();
            assert.equal(collector.spans.length, 2);
            // A dead worker is replaced on the next export.
            await workers[1]?.terminate();
            await until(() => !exporter.running, "the worker's exit to be seen");
            assert.equal((await exportOnce(exporter)).code, exportSucceeded);
            assert.equal(workers.length, 3);
            assert.equal(collector.spans.length, 4);
        } finally {
            await exporter.shutdown();
            await held.close();
        }
    });
});
