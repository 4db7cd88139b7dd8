import assert from "node:assert/strict";
import { RateLimitedSampler } from "@azure/monitor-opentelemetry-exporter";
import { RateLimit, wholeShare } from "./rate-limit";
import { sampledAt } from "./span-ids";
import { seededRandom } from "../../test/support/seeded-random";

/** A trace id from `random`, as the host's are made. */
function traceIdFrom(random: () => number): string {
    let id = "";
    for (let i = 0; i < 4; i++) id += ((random() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
    return id;
}

/** A clock the test moves: milliseconds. */
function fakeClock(startMs = 1_000_000) {
    const clock = { ms: startMs, now: () => clock.ms };
    return clock;
}

/** Whether `percent` is 100/N for a whole N. */
function isWholeShare(percent: number): boolean {
    const n = 100 / percent;
    return percent > 0 && percent <= 100 && Math.abs(n - Math.round(n)) < 1e-9;
}

/** Azure's own sampler on the test's clock (its clock and state are fields it keeps to itself). */
function azureSamplerOn(clock: { now: () => number }, tracesPerSecond: number): () => number {
    const sampler = new RateLimitedSampler(tracesPerSecond) as unknown as {
        nanoTimeSupplier: () => number;
        state: { effectiveWindowCount: number; effectiveWindowNanos: number; lastNanoTime: number };
        getSampleRate(): number;
    };
    sampler.nanoTimeSupplier = () => clock.now() * 1e6;
    sampler.state = { effectiveWindowCount: 0, effectiveWindowNanos: 0, lastNanoTime: clock.now() * 1e6 };
    return () => sampler.getSampleRate();
}

describe("the rate limit on recorded traces", () => {
    it("records about its target per second under a steady 20,000 arrivals a second", () => {
        const clock = fakeClock();
        const limit = new RateLimit(5, clock.now);
        const random = seededRandom(20261202);
        const expected: number[] = [];
        const kept: number[] = [];
        for (let second = 0; second < 10; second++) {
            let expectedThisSecond = 0;
            let keptThisSecond = 0;
            for (let i = 0; i < 20_000; i++) {
                clock.ms += 0.05;
                const percent = limit.percent();
                expectedThisSecond += percent / 100;
                if (sampledAt(percent, traceIdFrom(random))) keptThisSecond++;
            }
            expected.push(expectedThisSecond);
            kept.push(keptThisSecond);
        }
        // After the first second (the window adapts in about 0.1 s), the expected count each second.
        for (const [second, n] of expected.entries())
            if (second > 0) assert.ok(n >= 4 && n <= 6, `second ${second + 1}: ${n.toFixed(2)} expected`);
        // The decisions themselves (by trace id) over the nine seconds: 45 expected.
        const total = kept.slice(1).reduce((a, b) => a + b, 0);
        assert.ok(total >= 30 && total <= 60, `${total} kept in 9 s (${kept.join(", ")})`);
    });

    it("records every trace when arrivals stay at or below the target", () => {
        const clock = fakeClock();
        const limit = new RateLimit(5, clock.now);
        const percents: number[] = [];
        // 2 a second evenly, then 2 a second unevenly (0.3 s and 0.7 s apart), then 5 a second.
        for (let i = 0; i < 120; i++) {
            clock.ms += 500;
            percents.push(limit.percent());
        }
        for (let i = 0; i < 120; i++) {
            clock.ms += i % 2 === 0 ? 300 : 700;
            percents.push(limit.percent());
        }
        for (let i = 0; i < 120; i++) {
            clock.ms += 200;
            percents.push(limit.percent());
        }
        assert.deepEqual(new Set(percents), new Set([100]));
    });

    it("gives 100/N percent for a whole N, whatever the arrivals", () => {
        const random = seededRandom(7);
        for (const target of [0.5, 5, 100]) {
            const clock = fakeClock();
            const limit = new RateLimit(target, clock.now);
            for (let i = 0; i < 50_000; i++) {
                // Gaps from 1 µs to 1 s, bursty; now and then two arrivals at the same instant.
                const r = random();
                clock.ms += r < 0.05 ? 0 : Math.pow(10, -3 + 6 * random());
                const percent = limit.percent();
                assert.ok(isWholeShare(percent), `target ${target}: ${percent}`);
            }
        }
        assert.deepEqual([100, 150, 99.9, 50, 49.99, 30, 25, 12, 10, 0, -1, Number.NaN].map(wholeShare), [
            100,
            100,
            50,
            50,
            100 / 3,
            25,
            25,
            100 / 9,
            10,
            0,
            0,
            0,
        ]);
    });

    it("gives the percentages Azure Monitor's RateLimitedSampler gives under steady load", () => {
        const clock = fakeClock();
        const ours = new RateLimit(5, clock.now);
        const azure = azureSamplerOn(clock, 5);
        const random = seededRandom(11);
        let compared = 0;
        let equal = 0;
        for (let i = 0; i < 60_000; i++) {
            // 20,000 a second on average, arriving at random (exponential gaps).
            clock.ms += -Math.log(1 - random()) * 0.05;
            const [mine, theirs] = [ours.percent(), azure()];
            // Past the first two seconds, both windows have forgotten how they started.
            if (clock.ms - 1_000_000 < 2000) continue;
            compared++;
            if (mine === theirs) equal++;
            else assert.ok(Math.abs(100 / mine - 100 / theirs) <= 1, `${mine} against ${theirs}`);
        }
        assert.ok(compared > 10_000 && equal / compared > 0.999, `${equal} of ${compared} equal`);
    });

    it("banks no burst over an idle spell, where Azure's sampler spends it when load returns", () => {
        const clock = fakeClock();
        const ours = new RateLimit(5, clock.now);
        const azure = azureSamplerOn(clock, 5);
        ours.percent();
        azure();
        clock.ms += 60_000;
        let mine = 0;
        let theirs = 0;
        for (let i = 0; i < 10_000; i++) {
            clock.ms += 0.1;
            mine += ours.percent() / 100;
            theirs += azure() / 100;
        }
        assert.ok(mine <= 25, `${mine.toFixed(1)} traces expected in the first second after 60 s idle`);
        assert.ok(theirs > 300, `Azure's sampler: ${theirs.toFixed(1)}`);
    });

    it("records a host's first arrivals whole, as after an idle spell", () => {
        const clock = fakeClock();
        const limit = new RateLimit(5, clock.now);
        clock.ms += 1;
        assert.equal(limit.percent(), 100);
    });

    it("refuses a target that is not a finite number above 0", () => {
        for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
            assert.throws(() => new RateLimit(bad), RangeError, String(bad));
    });
});
