import assert from "node:assert/strict";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import { newSpanId, newTraceId, newTraceIdSampledAt, sampledAt } from "./span-ids";

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
        assert.equal(sampledAt(50, "0".repeat(31) + "g"), false);
    });

    it("draws a new trace id with its decision: the id newTraceId makes from the same draws, when sampledAt keeps it", () => {
        const random = Math.random;
        let seed = 1;
        // The same draws twice: once for newTraceId, once for newTraceIdSampledAt.
        const draws = () => {
            seed = (seed * 16807) % 2147483647;
            return seed / 2147483647;
        };
        try {
            for (const percent of [0, 0.5, 25, 50, 100 / 3, 99.9, 100]) {
                let kept = 0;
                for (let i = 0; i < 2000; i++) {
                    const start = seed;
                    Math.random = draws;
                    const id = newTraceId();
                    seed = start;
                    const drawn = newTraceIdSampledAt(percent);
                    Math.random = random;
                    assert.equal(drawn, sampledAt(percent, id) ? id : undefined, `${percent}%: ${id}`);
                    if (drawn !== undefined) kept++;
                }
                assert.ok(Math.abs(kept / 2000 - percent / 100) < 0.05, `${percent}%: kept ${kept} of 2000`);
            }
            // All-zero draws: the id ends in 1, as newTraceId's does.
            Math.random = () => 0;
            assert.equal(newTraceIdSampledAt(100), "0".repeat(31) + "1");
        } finally {
            Math.random = random;
        }
    });
});
