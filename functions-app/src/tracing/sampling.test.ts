import assert from "node:assert/strict";
import type { AsyncLocalStorage } from "node:async_hooks";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { RateLimit } from "./rate-limit";
import { sampledAt } from "./span-ids";
import { sampleRateAttribute } from "./tracing-sdk-modules";
import type { Tracing } from "./tracing";
import { recordedSpans } from "../../test/support/recorded-spans";
import { seededRandom } from "../../test/support/seeded-random";

function hexId(random: () => number, words: number): string {
    let id = "";
    for (let i = 0; i < words; i++) id += ((random() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
    return id;
}

/** A request as the host handles one: its span, a tool span inside it, the end. */
function handle(tracing: Tracing, traceparent?: string): void {
    const request = tracing.startFromRemote(
        "POST /mcp",
        "server",
        traceparent === undefined ? {} : { traceparent },
        { "http.request.method": "POST" },
    );
    void request.run(() => tracing.inSpan("tools/call hello_mcp", "internal", {}, () => 1));
    request.end();
}

const rateOf = (span: ReadableSpan) => span.attributes[sampleRateAttribute];

/** The request spans of `spans` and, for each, its tool span. */
function traces(spans: readonly ReadableSpan[]) {
    const requests = spans.filter((s) => s.name === "POST /mcp");
    return requests.map((request) => {
        const tool = spans.find((s) => s.parentSpanContext?.spanId === request.spanContext().spanId);
        assert.ok(tool, "each recorded request has its tool span");
        return { request, tool, traceId: request.spanContext().traceId };
    });
}

describe("which traces the host records, and the sample rate it stamps", () => {
    it("with a rate limit, records a bounded number of a gateway's sampled calls, each trace stamped with its rate", () => {
        const clock = { ms: 5_000_000 };
        const { tracing, spans } = recordedSpans({ tracesPerSecond: 5, clock: () => clock.ms });
        // A twin limit on the same clock readings gives the percentage each call was decided at.
        const twin = new RateLimit(5, () => clock.ms);
        const random = seededRandom(42);
        const decided = new Map<string, number>();
        // Five seconds of 20,000 calls a second, each with the gateway's sampled traceparent.
        for (let i = 0; i < 100_000; i++) {
            clock.ms += 0.05;
            const traceId = hexId(random, 4);
            decided.set(traceId, twin.percent());
            handle(tracing, `00-${traceId}-${hexId(random, 2)}-01`);
        }
        const kept = traces(spans);
        // 5 a second for 5 s, and the first calls of a host that was idle.
        assert.ok(kept.length >= 15 && kept.length <= 60, `${kept.length} traces recorded of 100,000`);
        assert.equal(spans.length, 2 * kept.length);
        const expected = [...decided].filter(([id, percent]) => sampledAt(percent, id)).map(([id]) => id);
        assert.deepEqual(
            kept.map((t) => t.traceId),
            expected,
            "the traces recorded are those sampledAt keeps at the limit's percentage",
        );
        const stamped = kept.filter((t) => rateOf(t.request) !== undefined);
        assert.ok(stamped.length >= kept.length - 5, "all but the idle host's first calls are stamped");
        for (const { request, tool, traceId } of kept) {
            const percent = decided.get(traceId);
            assert.equal(rateOf(request), percent === 100 ? undefined : percent, traceId);
            assert.equal(rateOf(tool), rateOf(request), "the tool span carries its request's rate");
        }
        // Application Insights counts each item 100/rate times: about the calls made.
        const counted = kept.reduce((n, t) => n + 100 / Number(rateOf(t.request) ?? 100), 0);
        assert.ok(counted > 60_000 && counted < 150_000, `extrapolated ${counted.toFixed(0)} of 100,000`);
    });

    it("with a rate limit, decides new traces by it too", () => {
        const clock = { ms: 5_000_000 };
        const { tracing, spans } = recordedSpans({ tracesPerSecond: 5, clock: () => clock.ms });
        const twin = new RateLimit(5, () => clock.ms);
        let expected = 0;
        // New trace ids come from Math.random: seeded here, so the count is the same every run.
        const random = Math.random;
        Math.random = seededRandom(5);
        try {
            for (let i = 0; i < 40_000; i++) {
                clock.ms += 0.05;
                expected += twin.percent() / 100;
                handle(tracing);
            }
        } finally {
            Math.random = random;
        }
        const kept = traces(spans);
        assert.ok(
            Math.abs(kept.length - expected) <= 0.4 * expected,
            `${kept.length} new traces recorded of 40,000, ${expected.toFixed(1)} expected`,
        );
        for (const { request, tool, traceId } of kept) {
            const rate = rateOf(request);
            if (rate === undefined) continue;
            assert.ok(sampledAt(Number(rate), traceId), `${traceId} kept at ${String(rate)}%`);
            assert.equal(rateOf(tool), rate);
        }
    });

    it("records nothing of a trace the caller did not sample, and does not count it against the limit", () => {
        const clock = { ms: 5_000_000 };
        const { tracing, spans } = recordedSpans({ tracesPerSecond: 5, clock: () => clock.ms });
        const random = seededRandom(3);
        for (let i = 0; i < 20_000; i++) {
            clock.ms += 0.05;
            handle(tracing, `00-${hexId(random, 4)}-${hexId(random, 2)}-00`);
        }
        assert.equal(spans.length, 0);
        // The limit saw none of them: the next sampled call is recorded whole, unstamped.
        handle(tracing, `00-${hexId(random, 4)}-${hexId(random, 2)}-01`);
        assert.equal(spans.length, 2);
        assert.deepEqual(spans.map(rateOf), [undefined, undefined]);
    });

    it("at a share of new traces, stamps that share rounded down to 100/N, and follows a caller's sampled flag unstamped", () => {
        const { tracing, spans } = recordedSpans({ samplePercent: 30 });
        const random = Math.random;
        Math.random = seededRandom(30);
        try {
            for (let i = 0; i < 4000; i++) handle(tracing);
        } finally {
            Math.random = random;
        }
        const kept = traces(spans);
        assert.ok(Math.abs(kept.length / 4000 - 0.25) < 0.03, `${kept.length} of 4000 new traces kept`);
        for (const { request, tool, traceId } of kept) {
            assert.equal(rateOf(request), 25);
            assert.equal(rateOf(tool), 25);
            assert.ok(sampledAt(25, traceId));
        }
        spans.length = 0;
        handle(tracing, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert.deepEqual(
            spans.map((s) => [s.name, rateOf(s)]),
            [
                ["tools/call hello_mcp", undefined],
                ["POST /mcp", undefined],
            ],
        );
    });

    it("turns the context store off when the last open request span ends, and on again for the next", async () => {
        const { tracing, spans } = recordedSpans({ tracesPerSecond: 5 });
        // Node keeps async hooks on (a cost on every promise) while a store may be entered.
        const active = (tracing as unknown as { active: AsyncLocalStorage<unknown> }).active;
        let disabled = 0;
        const disable = active.disable.bind(active);
        active.disable = () => {
            disabled++;
            disable();
        };
        const random = seededRandom(9);
        const traceparent = () => `00-${hexId(random, 4)}-${hexId(random, 2)}-01`;
        const first = tracing.startFromRemote("POST /mcp", "server", { traceparent: traceparent() }, {});
        const second = tracing.startFromRemote("POST /mcp", "server", { traceparent: traceparent() }, {});
        assert.ok(first.recording && second.recording, "an idle host records its first calls");
        await first.run(() => tracing.inSpan("tool", "internal", {}, () => Promise.resolve(1)));
        first.end();
        assert.equal(disabled, 0, "the second request is still open");
        second.end();
        assert.equal(disabled, 1);
        // The next recorded request has its children again.
        const third = tracing.startFromRemote("POST /mcp", "server", { traceparent: traceparent() }, {});
        await third.run(() => tracing.inSpan("tool", "internal", {}, () => Promise.resolve(1)));
        third.end();
        assert.equal(disabled, 2);
        const [tool, request] = spans.slice(-2);
        assert.equal(tool?.parentSpanContext?.spanId, request?.spanContext().spanId);
        assert.equal(
            tracing.inSpan("after", "internal", {}, () => "untraced"),
            "untraced",
        );
        assert.equal(spans.length, 5);
    });

    it("at 100% stamps nothing", () => {
        const { tracing, spans } = recordedSpans({});
        for (let i = 0; i < 10; i++) handle(tracing);
        handle(tracing, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assert.equal(spans.length, 22);
        for (const span of spans) assert.ok(!(sampleRateAttribute in span.attributes), span.name);
    });
});
