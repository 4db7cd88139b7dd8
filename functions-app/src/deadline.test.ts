import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { DeadlineExceededError, underDeadline } from "./deadline";

describe("underDeadline (the bound tool calls run under)", () => {
    /** Counts the AbortControllers made while `run` runs. */
    async function controllersMadeBy(run: () => Promise<unknown>): Promise<number> {
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
            underDeadline(20, () => new Promise<never>(() => undefined)),
            DeadlineExceededError,
        );
        assert.ok(Date.now() - started < 1_000);
    });

    it("aborts a signal read before the deadline when it passes, and one first read after it", async () => {
        let early: AbortSignal | undefined;
        let lateAborted: boolean | undefined;
        await assert.rejects(
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
            underDeadline(10, async (deadline) => {
                await sleep(40);
                reason = deadline.signal.reason;
            }),
            DeadlineExceededError,
        );
        await sleep(60);
        assert.ok(reason instanceof DeadlineExceededError);
    });
});
