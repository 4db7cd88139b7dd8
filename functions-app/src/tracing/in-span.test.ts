import assert from "node:assert/strict";
import { isPromise } from "../maybe-promise";
import { createRecordingTracing, JsonLineSpanExporter } from "./tracing-sdk-modules";

interface ExportedSpan {
    readonly name: string;
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId?: string;
    readonly status: string;
    readonly statusMessage?: string;
}

/** SDK tracing that exports each span as it ends, into `spans`. */
function recordedTracing() {
    const spans: ExportedSpan[] = [];
    const tracing = createRecordingTracing({
        exporter: new JsonLineSpanExporter((line) => spans.push(JSON.parse(line) as ExportedSpan)),
        serviceName: "in-span-test",
        batch: false,
    });
    return { tracing, spans };
}

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("spans around work (inSpan)", () => {
    it("answers synchronous work as a value, its span ended and a child of the request's", () => {
        const { tracing, spans } = recordedTracing();
        const request = tracing.startFromRemote("POST /mcp", "server", { traceparent }, {});
        const answer = request.run(() => tracing.inSpan("tools/call hello_mcp", "internal", {}, () => 42));
        assert.equal(answer, 42);
        assert.deepEqual(
            spans.map((s) => [s.name, s.traceId, s.status]),
            [["tools/call hello_mcp", "4bf92f3577b34da6a3ce929d0e0e4736", "unset"]],
            "the span ended before the answer came back",
        );
        request.end();
        assert.equal(spans[1]?.name, "POST /mcp");
        assert.equal(spans[0]?.parentSpanId, spans[1]?.spanId);
    });

    it("answers asynchronous work with a promise and ends the span when it settles", async () => {
        const { tracing, spans } = recordedTracing();
        const request = tracing.startFromRemote("POST /mcp", "server", { traceparent }, {});
        let settle: (value: string) => void = () => undefined;
        const pending = request.run(() =>
            tracing.inSpan(
                "blob get",
                "client",
                {},
                () => new Promise<string>((resolve) => (settle = resolve)),
            ),
        );
        assert.ok(isPromise(pending));
        assert.equal(spans.length, 0, "still open while the work runs");
        settle("body");
        assert.equal(await pending, "body");
        assert.deepEqual(
            spans.map((s) => s.name),
            ["blob get"],
        );
    });

    it("marks the span failed with the error's class, thrown or rejected, and passes the error on", async () => {
        const { tracing, spans } = recordedTracing();
        const request = tracing.startFromRemote("POST /mcp", "server", { traceparent }, {});
        class StorageDown extends Error {
            override name = "StorageDown";
        }
        assert.throws(
            () =>
                request.run(() =>
                    tracing.inSpan("blob get", "client", {}, () => {
                        throw new StorageDown("account key in the message");
                    }),
                ),
            StorageDown,
        );
        await assert.rejects(
            async () =>
                request.run(() =>
                    tracing.inSpan("blob put", "client", {}, () => Promise.reject(new StorageDown("x"))),
                ),
            StorageDown,
        );
        assert.deepEqual(
            spans.map((s) => [s.name, s.status, s.statusMessage]),
            [
                ["blob get", "error", "StorageDown"],
                ["blob put", "error", "StorageDown"],
            ],
        );
    });

    it("runs work outside any request without a span", () => {
        const { tracing, spans } = recordedTracing();
        assert.equal(
            tracing.inSpan("orphan", "internal", {}, () => "done"),
            "done",
        );
        assert.equal(spans.length, 0);
    });
});
