import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { DeadlineExceededError, underDeadline } from "./deadline";

describe("underDeadline (the bound tool calls run under)", () => {
    /** Counts the AbortControllers made while `run` runs. */
    async function controllersMadeBy(run: () => unknown): Promise<number> {
        const original = globalThis.AbortController;
        let made = 0;
        globalThis.AbortController = class extends original {
            constructor() {
                super();
                made++;
            }
        };
        try {
            await run();
        } finally {
            globalThis.AbortController = original;
        }
        return made;
    }

    it("makes no AbortController for work that never reads its signal", async () => {
        const made = await controllersMadeBy(() => underDeadline(1_000, () => Promise.resolve("done")));
        assert.equal(made, 0);
        const reading = await controllersMadeBy(() =>
            underDeadline(1_000, (deadline) => Promise.resolve(deadline.signal.aborted)),
        );
        assert.equal(reading, 1);
    });

    it("settles by the deadline when the work hangs without reading its signal", async () => {
        const started = Date.now();
        await assert.rejects(
            async () => underDeadline(20, () => new Promise<never>(() => undefined)),
            DeadlineExceededError,
        );
        assert.ok(Date.now() - started < 1_000);
    });

    it("aborts a signal read before the deadline when it passes, and one first read after it", async () => {
        let early: AbortSignal | undefined;
        let lateAborted: boolean | undefined;
        await assert.rejects(
            async () =>
                underDeadline(20, async (deadline) => {
                    early = deadline.signal;
                    await sleep(60);
                    lateAborted = deadline.signal.aborted;
                }),
            DeadlineExceededError,
        );
        assert.equal(early?.aborted, true);
        assert.ok(early?.reason instanceof DeadlineExceededError);
        await sleep(80);
        assert.equal(lateAborted, true);
    });

    it("gives a signal first read after the deadline the deadline's reason", async () => {
        let reason: unknown;
        await assert.rejects(
            async () =>
                underDeadline(10, async (deadline) => {
                    await sleep(40);
                    reason = deadline.signal.reason;
                }),
            DeadlineExceededError,
        );
        await sleep(60);
        assert.ok(reason instanceof DeadlineExceededError);
    });

    /** Counts the timers set while `run` runs, and those still pending after it. */
    function timersSetBy(run: () => unknown): { set: number; pending: number } {
        const originalSet = globalThis.setTimeout;
        const originalClear = globalThis.clearTimeout;
        const live = new Set<unknown>();
        let set = 0;
        globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
            set++;
            const timer = originalSet(...args);
            live.add(timer);
            return timer;
        }) as typeof setTimeout;
        globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
            live.delete(timer);
            originalClear(timer);
        }) as typeof clearTimeout;
        try {
            run();
        } finally {
            globalThis.setTimeout = originalSet;
            globalThis.clearTimeout = originalClear;
        }
        for (const timer of live) originalClear(timer as NodeJS.Timeout);
        return { set, pending: live.size };
    }

    it("gives synchronous work's value back at once and arms no timer", () => {
        let value: unknown;
        const timers = timersSetBy(() => (value = underDeadline(1_000, () => 42)));
        assert.equal(value, 42, "a value, not a promise");
        assert.deepEqual(timers, { set: 0, pending: 0 });
    });

    it("clears the timer a synchronous read of the signal armed, and throws what synchronous work throws", () => {
        const timers = timersSetBy(() => underDeadline(1_000, (deadline) => deadline.signal.aborted));
        assert.deepEqual(timers, { set: 1, pending: 0 });
        const failing = timersSetBy(() =>
            assert.throws(
                () =>
                    underDeadline(1_000, (deadline) => {
                        void deadline.signal;
                        throw new Error("fault");
                    }),
                /fault/,
            ),
        );
        assert.deepEqual(failing, { set: 1, pending: 0 });
    });

    it("arms one timer for asynchronous work and clears it when the work settles", async () => {
        let pending: unknown;
        const timers = timersSetBy(() => (pending = underDeadline(1_000, () => Promise.resolve("later"))));
        assert.deepEqual(timers, { set: 1, pending: 1 });
        assert.equal(await pending, "later");
    });
});
