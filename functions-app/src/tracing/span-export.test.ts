import assert from "node:assert/strict";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { BatchExport, ImmediateExport, type ExportProblem } from "./span-export";
import type { BatchLimits } from "./settings";

/** Stand-ins for spans: the sinks only pass them on. */
const span = (name: string) => ({ name }) as ReadableSpan;
const names = (spans: readonly ReadableSpan[]) => spans.map((s) => s.name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An exporter that records each batch and answers when the test says (or at once). */
class RecordingExporter implements SpanExporter {
    readonly batches: string[][] = [];
    readonly waiting: ((result: ExportResult) => void)[] = [];
    answerAtOnce = true;
    shutDown = 0;

    export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
        this.batches.push(names(spans));
        if (this.answerAtOnce) done({ code: ExportResultCode.SUCCESS });
        else this.waiting.push(done);
    }

    answerNext(): void {
        this.waiting.shift()?.({ code: ExportResultCode.SUCCESS });
    }

    shutdown(): Promise<void> {
        this.shutDown++;
        return Promise.resolve();
    }
}

const limits = (overrides: Partial<BatchLimits> = {}): BatchLimits => ({
    maxQueueSize: 8,
    maxExportBatchSize: 3,
    scheduledDelayMs: 30,
    exportTimeoutMs: 1000,
    ...overrides,
});

describe("span export", () => {
    describe("in batches", () => {
        it("sends a full batch at once and a partial one after the delay", async () => {
            const exporter = new RecordingExporter();
            const sink = new BatchExport(exporter, undefined, limits());
            for (const name of ["a", "b", "c", "d"]) sink.ended(span(name));
            assert.deepEqual(exporter.batches, [["a", "b", "c"]], "the full batch went as it filled");
            await sleep(5);
            assert.equal(exporter.batches.length, 1, "the partial batch waits");
            await sleep(60);
            assert.deepEqual(exporter.batches, [["a", "b", "c"], ["d"]]);
        });

        it("runs one export at a time, and sends what waited when it answers", async () => {
            const exporter = new RecordingExporter();
            exporter.answerAtOnce = false;
            const sink = new BatchExport(exporter, undefined, limits());
            for (const name of ["a", "b", "c", "d", "e", "f", "g"]) sink.ended(span(name));
            assert.deepEqual(exporter.batches, [["a", "b", "c"]]);
            exporter.answerNext();
            await sleep(0);
            assert.deepEqual(
                exporter.batches,
                [
                    ["a", "b", "c"],
                    ["d", "e", "f"],
                ],
                "the next full batch at once",
            );
            exporter.answerNext();
            await sleep(0);
            assert.equal(exporter.batches.length, 2, "the partial batch still waits for its delay");
            await sleep(60);
            assert.deepEqual(exporter.batches.at(-1), ["g"]);
            exporter.answerNext();
        });

        it("drops spans beyond the queue's limit and reports how many, once, with the next export", async () => {
            const exporter = new RecordingExporter();
            exporter.answerAtOnce = false;
            const problems: ExportProblem[] = [];
            const sink = new BatchExport(exporter, (p) => problems.push(p), limits({ maxQueueSize: 4 }));
            for (let i = 0; i < 12; i++) sink.ended(span(`s${i}`));
            // s0-s2 went, s3-s6 wait (the queue's four), s7-s11 were dropped.
            assert.deepEqual(problems, []);
            exporter.answerNext();
            await sleep(0);
            assert.deepEqual(problems, [{ kind: "dropped", spans: 5 }]);
            assert.deepEqual(exporter.batches[1], ["s3", "s4", "s5"]);
            exporter.answerAtOnce = true;
            exporter.answerNext();
            await sink.forceFlush();
            assert.deepEqual(exporter.batches, [["s0", "s1", "s2"], ["s3", "s4", "s5"], ["s6"]]);
            assert.equal(problems.length, 1);
        });

        it("gives up on an export that does not answer in time, reports it, and goes on", async () => {
            const exporter = new RecordingExporter();
            exporter.answerAtOnce = false;
            const problems: ExportProblem[] = [];
            const sink = new BatchExport(exporter, (p) => problems.push(p), limits({ exportTimeoutMs: 20 }));
            for (const name of ["a", "b", "c", "d", "e", "f"]) sink.ended(span(name));
            // The first batch hangs; the next is answered.
            exporter.answerAtOnce = true;
            await sleep(50);
            assert.deepEqual(problems, [{ kind: "timeout", spans: 3 }]);
            assert.deepEqual(exporter.batches, [
                ["a", "b", "c"],
                ["d", "e", "f"],
            ]);
            // A late answer to the abandoned export changes nothing.
            exporter.answerNext();
            await sink.shutdown();
            assert.equal(problems.length, 1);
        });

        it("reports an exporter that throws as a failed export, and exports the next batch", async () => {
            let calls = 0;
            const problems: ExportProblem[] = [];
            const thrown = new Error("serializer broke");
            const sink = new BatchExport(
                {
                    export: (_spans, done) => {
                        if (++calls === 1) throw thrown;
                        done({ code: ExportResultCode.SUCCESS });
                    },
                    shutdown: () => Promise.resolve(),
                },
                (p) => problems.push(p),
                limits(),
            );
            for (const name of ["a", "b", "c", "d", "e", "f"]) sink.ended(span(name));
            await sink.forceFlush();
            assert.equal(calls, 2);
            assert.deepEqual(problems, [{ kind: "threw", spans: 3, error: thrown }]);
        });

        it("on shutdown, exports all that waits in batches, then shuts the exporter down; later spans are dropped", async () => {
            const exporter = new RecordingExporter();
            const sink = new BatchExport(exporter, undefined, limits({ scheduledDelayMs: 60_000 }));
            for (const name of ["a", "b", "c", "d", "e"]) sink.ended(span(name));
            const first = sink.shutdown();
            assert.equal(sink.shutdown(), first, "one shutdown, however often asked");
            await first;
            assert.deepEqual(exporter.batches, [
                ["a", "b", "c"],
                ["d", "e"],
            ]);
            assert.equal(exporter.shutDown, 1);
            sink.ended(span("late"));
            await sleep(0);
            assert.equal(exporter.batches.length, 2);
        });

        it("on shutdown, waits for the export under way", async () => {
            const exporter = new RecordingExporter();
            exporter.answerAtOnce = false;
            const sink = new BatchExport(exporter, undefined, limits());
            for (const name of ["a", "b", "c", "d"]) sink.ended(span(name));
            let stopped = false;
            const stopping = sink.shutdown().then(() => (stopped = true));
            await sleep(5);
            assert.equal(stopped, false, "still waiting for the first export");
            exporter.answerNext();
            await sleep(5);
            assert.deepEqual(exporter.batches, [["a", "b", "c"], ["d"]]);
            exporter.answerNext();
            await stopping;
            assert.equal(exporter.shutDown, 1);
        });
    });

    describe("one by one", () => {
        it("exports each span as it ends and waits for those under way on shutdown", async () => {
            const exporter = new RecordingExporter();
            exporter.answerAtOnce = false;
            const sink = new ImmediateExport(exporter);
            sink.ended(span("a"));
            sink.ended(span("b"));
            assert.deepEqual(exporter.batches, [["a"], ["b"]]);
            let stopped = false;
            const stopping = sink.shutdown().then(() => (stopped = true));
            await sleep(5);
            assert.equal(stopped, false);
            exporter.answerNext();
            exporter.answerNext();
            await stopping;
            assert.equal(exporter.shutDown, 1);
            sink.ended(span("late"));
            assert.equal(exporter.batches.length, 2);
        });
    });
});
