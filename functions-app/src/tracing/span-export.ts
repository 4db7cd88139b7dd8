/**
 * Where ended spans go: to the exporter in batches (what the hosts run) or one by one (the console
 * exporter and tests). The batch rules are the OpenTelemetry SDK's BatchSpanProcessor's, with its
 * defaults and variables (`BatchLimits`): at most 2048 spans wait, 512 go per export, a partial
 * batch goes after 5 s, an export that has not answered in 30 s is given up on, one export runs at
 * a time, and a flush or shutdown exports all that waits.
 */
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { defaultBatchLimits, type BatchLimits } from "./settings";

export interface SpanSink {
    ended(span: ReadableSpan): void;
    /** Resolves once every span ended so far has been offered to the exporter. */
    forceFlush(): Promise<void>;
    /** Flushes, then shuts the exporter down; spans ended later are dropped. */
    shutdown(): Promise<void>;
}

/**
 * What went wrong on the way to the exporter (the exporter's own failures are its to report): an
 * export that threw or did not answer in time, spans dropped because the queue was full.
 */
export type ExportProblem =
    | { readonly kind: "threw"; readonly spans: number; readonly error: unknown }
    | { readonly kind: "timeout"; readonly spans: number }
    | { readonly kind: "dropped"; readonly spans: number };

type ProblemReport = (problem: ExportProblem) => void;
const ignore: ProblemReport = () => undefined;

/** Exports each span as it ends. */
export class ImmediateExport implements SpanSink {
    private readonly underWay = new Set<Promise<void>>();
    private stopping: Promise<void> | undefined;

    constructor(
        private readonly exporter: SpanExporter,
        private readonly report: ProblemReport = ignore,
    ) {}

    ended(span: ReadableSpan): void {
        if (this.stopping) return;
        const exported = exportWithin(this.exporter, [span], defaultBatchLimits.exportTimeoutMs, this.report);
        this.underWay.add(exported);
        void exported.then(() => this.underWay.delete(exported));
    }

    async forceFlush(): Promise<void> {
        await Promise.all(this.underWay);
    }

    shutdown(): Promise<void> {
        return (this.stopping ??= this.forceFlush().then(() => this.exporter.shutdown()));
    }
}

/** Exports spans in batches, off the request path. */
export class BatchExport implements SpanSink {
    private readonly queue: ReadableSpan[] = [];
    private timer: NodeJS.Timeout | undefined;
    private exporting: Promise<void> | undefined;
    private stopping: Promise<void> | undefined;
    private dropped = 0;

    constructor(
        private readonly exporter: SpanExporter,
        /** Told of drops (once per export at most, with their count), throws and timeouts. */
        private readonly report: ProblemReport = ignore,
        private readonly limits: BatchLimits = defaultBatchLimits,
    ) {}

    ended(span: ReadableSpan): void {
        if (this.stopping) return;
        if (this.queue.length >= this.limits.maxQueueSize) {
            this.dropped++;
            return;
        }
        this.queue.push(span);
        this.schedule();
    }

    async forceFlush(): Promise<void> {
        this.clearTimer();
        for (;;) {
            if (this.exporting) await this.exporting;
            else if (this.queue.length > 0) this.exportNext();
            else return;
        }
    }

    shutdown(): Promise<void> {
        return (this.stopping ??= this.forceFlush().then(() => this.exporter.shutdown()));
    }

    /** A full batch goes now; a partial one when the delay has passed. The running export reschedules. */
    private schedule(): void {
        if (this.exporting) return;
        if (this.queue.length >= this.limits.maxExportBatchSize) {
            this.exportNext();
        } else if (!this.timer && this.queue.length > 0) {
            this.timer = setTimeout(() => {
                this.timer = undefined;
                if (!this.exporting) this.exportNext();
            }, this.limits.scheduledDelayMs);
            // Waiting spans never keep the process alive; shutdown flushes them.
            this.timer.unref();
        }
    }

    private exportNext(): void {
        this.clearTimer();
        const batch = this.queue.splice(0, this.limits.maxExportBatchSize);
        if (this.dropped > 0) {
            this.report({ kind: "dropped", spans: this.dropped });
            this.dropped = 0;
        }
        const exported = exportWithin(this.exporter, batch, this.limits.exportTimeoutMs, this.report);
        this.exporting = exported.then(() => {
            this.exporting = undefined;
            if (!this.stopping) this.schedule();
        });
    }

    private clearTimer(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = undefined;
    }
}

/**
 * One export, settled when the exporter answers or `timeoutMs` has passed, whichever is first. The
 * spans of a failed export are not retried here (exporters retry what is worth retrying).
 */
function exportWithin(
    exporter: SpanExporter,
    spans: ReadableSpan[],
    timeoutMs: number,
    report: ProblemReport,
): Promise<void> {
    return new Promise<void>((resolve) => {
        let settled = false;
        const settle = () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve();
        };
        const timer = setTimeout(() => {
            if (settled) return;
            report({ kind: "timeout", spans: spans.length });
            settle();
        }, timeoutMs);
        timer.unref();
        try {
            exporter.export(spans, settle);
        } catch (error) {
            report({ kind: "threw", spans: spans.length, error });
            settle();
        }
    });
}
