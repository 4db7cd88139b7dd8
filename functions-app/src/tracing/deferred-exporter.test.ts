import assert from "node:assert/strict";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { DeferredExporter } from "./tracing-sdk-modules";

const exportOnce = (exporter: SpanExporter) =>
    new Promise<ExportResult>((resolve) => exporter.export([] as ReadableSpan[], resolve));

describe("an exporter made on its first export", () => {
    it("is made once, on the first export, and then reused", async () => {
        let made = 0;
        const inner: SpanExporter = {
            export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
            shutdown: () => Promise.resolve(),
        };
        const exporter = new DeferredExporter(() => {
            made++;
            return inner;
        });
        await exporter.shutdown();
        assert.equal(made, 0, "shutting down before any export makes nothing");
        for (let i = 0; i < 3; i++) assert.equal((await exportOnce(exporter)).code, ExportResultCode.SUCCESS);
        assert.equal(made, 1);
    });

    it("reports a failed export when the exporter cannot be made, and tries again next time", async () => {
        let attempts = 0;
        const exporter = new DeferredExporter(() => {
            attempts++;
            throw new Error("connection string refused");
        });
        const first = await exportOnce(exporter);
        assert.equal(first.code, ExportResultCode.FAILED);
        assert.equal(first.error?.message, "connection string refused");
        await exportOnce(exporter);
        assert.equal(attempts, 2);
    });

    it("stops only after the exports under way have finished, then stops the exporter", async () => {
        const events: string[] = [];
        let finish: (() => void) | undefined;
        const inner: SpanExporter = {
            export: (_spans, done) => {
                finish = () => {
                    events.push("exported");
                    done({ code: ExportResultCode.SUCCESS });
                };
            },
            shutdown: () => {
                events.push("exporter stopped");
                return Promise.resolve();
            },
        };
        const exporter = new DeferredExporter(() => inner);
        const exported = exportOnce(exporter);
        const stopped = exporter.shutdown().then(() => events.push("stopped"));
        await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(events, [], "still waiting for the export");
        finish?.();
        await Promise.all([exported, stopped]);
        assert.deepEqual(events, ["exported", "exporter stopped", "stopped"]);
    });
});
