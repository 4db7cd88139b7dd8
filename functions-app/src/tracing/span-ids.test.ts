import assert from "node:assert/strict";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { newSpanId, newTraceId, sampledAt } from "./span-ids";

describe("trace and span ids, and sampling new traces", () => {
    it("makes lower-case hex ids of the W3C lengths, distinct", () => {
        const traces = new Set<string>();
        const spans = new Set<string>();
        for (let i = 0; i < 10_000; i++) {
            const trace = newTraceId();
            const span = newSpanId();
            assert.match(trace, /^[0-9a-f]{32}$/);
            assert.match(span, /^[0-9a-f]{16}$/);
            traces.add(trace);
            spans.add(span);
        }
        assert.equal(traces.size, 10_000);
        assert.equal(spans.size, 10_000);
    });

    it("never makes an all-zero id, which W3C trace context calls invalid", () => {
        const random = Math.random;
        Math.random = () => 0;
        try {
            assert.equal(newTraceId(), "0".repeat(31) + "1");
            assert.equal(newSpanId(), "0".repeat(15) + "1");
        } finally {
            Math.random = random;
        }
    });

    it("decides a new trace as the SDK's TraceIdRatioBasedSampler does, for every share", () => {
        const ids = Array.from({ length: 4000 }, newTraceId);
        for (const percent of [0, 0.5, 10, 33.3, 50, 90, 99.9]) {
            const sdk = new TraceIdRatioBasedSampler(percent / 100);
            const expected = ids.map(
                (id) => sdk.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED,
            );
            assert.deepEqual(
                ids.map((id) => sampledAt(percent, id)),
                expected,
                `${percent}%`,
            );
            const share = expected.filter(Boolean).length / ids.length;
            assert.ok(Math.abs(share - percent / 100) < 0.05, `${percent}%: sampled ${share}`);
        }
        assert.ok(ids.every((id) => sampledAt(100, id)));
        assert.equal(sampledAt(50, "not-a-trace-id"), false);
        assert.equal(sampledAt(50, "z".repeat(32)), false);
    });
});
