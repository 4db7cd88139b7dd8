import assert from "node:assert/strict";
import { hostname } from "node:os";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { hrTime } from "./span-record";
import { recordedSpans } from "../../test/support/recorded-spans";
import { instrumentationScopeName } from "./tracing-sdk-modules";

const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const ms = ([seconds, nanos]: readonly [number, number]) => seconds * 1000 + nanos / 1e6;
const sleep = (time: number) => new Promise((resolve) => setTimeout(resolve, time));

describe("recorded spans, as the exporters read them", () => {
    it("gives a request span and its child the ReadableSpan an exporter expects", async () => {
        const { tracing, spans } = recordedSpans();
        const before = Date.now();
        const request = tracing.startFromRemote(
            "POST /mcp",
            "server",
            { traceparent, tracestate: "vendor=abc" },
            { "http.request.method": "POST" },
        );
        await request.run(() =>
            tracing.inSpan("snippets get", "client", { "store.name": "snippets" }, () => sleep(15)),
        );
        request.setAttributes({ "http.response.status_code": 200 });
        request.end();
        const after = Date.now();
        const [child, parent] = spans;
        assert.ok(child && parent);

        assert.equal(parent.kind, SpanKind.SERVER);
        assert.equal(child.kind, SpanKind.CLIENT);
        assert.equal(parent.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert.equal(child.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert.deepEqual(
            [parent.parentSpanContext?.spanId, parent.parentSpanContext?.isRemote],
            ["00f067aa0ba902b7", true],
        );
        assert.equal(child.parentSpanContext?.spanId, parent.spanContext().spanId);
        assert.equal(child.parentSpanContext?.isRemote, undefined);
        assert.equal(parent.spanContext().traceState?.serialize(), "vendor=abc", "vendors' state goes on");
        assert.equal(child.spanContext().traceState?.serialize(), "vendor=abc");
        assert.deepEqual(parent.attributes, {
            "http.request.method": "POST",
            "http.response.status_code": 200,
        });
        assert.deepEqual(parent.status, { code: SpanStatusCode.UNSET });
        assert.deepEqual(parent.resource.attributes, {
            "service.name": "recorded-spans",
            "service.instance.id": hostname(),
        });
        assert.equal(parent.instrumentationScope.name, instrumentationScopeName);
        assert.deepEqual([parent.links, parent.events, parent.ended], [[], [], true]);

        // Times: the child within its parent, durations are end minus start, all within the test.
        assert.ok(ms(parent.startTime) >= before - 1 && ms(parent.endTime) <= after + 1);
        assert.ok(ms(child.startTime) >= ms(parent.startTime));
        assert.ok(ms(child.endTime) <= ms(parent.endTime));
        assert.ok(ms(child.duration) >= 14, `the child lasted ${ms(child.duration)} ms`);
        for (const span of [child, parent])
            assert.ok(Math.abs(ms(span.endTime) - ms(span.startTime) - ms(span.duration)) < 0.001);
    });

    it("keeps the caller's attributes object as it was, drops undefined values, and ignores changes after the end", () => {
        const { tracing, spans } = recordedSpans();
        const given = { route: "/mcp" };
        const span = tracing.startFromRemote("GET /mcp", "server", { traceparent }, given);
        span.setAttributes({ status: 200, absent: undefined });
        span.end();
        span.setAttributes({ late: true });
        span.fail("too late");
        span.end();
        assert.deepEqual(given, { route: "/mcp" });
        assert.equal(spans.length, 1, "ended once");
        assert.deepEqual(spans[0]?.attributes, { route: "/mcp", status: 200 });
        assert.deepEqual(spans[0]?.status, { code: SpanStatusCode.UNSET });
        const withUndefined = tracing.startFromRemote("GET /x", "server", {}, { a: 1, b: undefined });
        withUndefined.end();
        assert.deepEqual(spans[1]?.attributes, { a: 1 });
    });

    it("records the caller's sampled traces whatever the share of new ones, and no unsampled one", () => {
        const { tracing, spans } = recordedSpans({ samplePercent: 0 });
        const fresh = tracing.startFromRemote("POST /mcp", "server", {}, {});
        void fresh.run(() => tracing.inSpan("tool", "internal", {}, () => 1));
        fresh.end();
        assert.equal(spans.length, 0, "0% of new traces");
        const unsampled = traceparent.replace(/-01$/, "-00");
        const declined = tracing.startFromRemote("POST /mcp", "server", { traceparent: unsampled }, {});
        void declined.run(() => tracing.inSpan("tool", "internal", {}, () => 1));
        declined.end();
        assert.equal(spans.length, 0, "the caller did not sample it");
        const sampled = tracing.startFromRemote("POST /mcp", "server", { traceparent }, {});
        void sampled.run(() => tracing.inSpan("tool", "internal", {}, () => 1));
        sampled.end();
        assert.deepEqual(
            spans.map((s) => s.name),
            ["tool", "POST /mcp"],
        );
    });

    it("converts milliseconds to OpenTelemetry's [seconds, nanoseconds], carrying a rounded-up second", () => {
        assert.deepEqual(hrTime(0), [0, 0]);
        assert.deepEqual(hrTime(1234.5), [1, 234_500_000]);
        assert.deepEqual(hrTime(1_764_670_000_123.25), [1_764_670_000, 123_250_000]);
        assert.deepEqual(hrTime(1999.9999999), [2, 0]);
    });
});
