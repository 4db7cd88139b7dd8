import assert from "node:assert/strict";
import { backendPaths } from "../src/contract";
import type { Logger } from "../src/logger";
import { NodeHost } from "../src/node-host/host";
import type { SnippetStore } from "../src/storage/snippet-store";

/** Longer than the readiness check's storage deadline (1.5 s). */
const slowPreparationMs = 1_800;

/**
 * A store shaped like the blob store: its first call waits for the client (the SDK loading, slow
 * on a busy node) and `prepare` is that same wait; `ping` then takes `pingMs` (forever: never).
 */
function storeWith(pingMs: number | "never"): SnippetStore {
    let prepared: Promise<void> | undefined;
    const prepare = () =>
        (prepared ??= new Promise<void>((resolve) => setTimeout(resolve, slowPreparationMs)));
    const unused = () => Promise.reject(new Error("not used by this test"));
    return {
        save: unused,
        get: unused,
        list: unused,
        prepare,
        ping: async () => {
            await prepare();
            if (pingMs === "never") return new Promise<never>(() => undefined);
            await new Promise((resolve) => setTimeout(resolve, pingMs));
        },
    };
}

describe("Node host: readiness counts the store's time, not the host's own preparation", function () {
    this.timeout(10_000);
    const warnings: string[] = [];
    const logger: Logger = {
        info: () => undefined,
        warn: (message) => void warnings.push(message),
        error: () => undefined,
    };
    const hosts: NodeHost[] = [];

    async function readiness(store: SnippetStore): Promise<{ status: number; ms: number }> {
        const host = new NodeHost({ snippets: store, logger });
        hosts.push(host);
        const url = await host.listen(0, "127.0.0.1");
        const started = performance.now();
        const res = await fetch(url + backendPaths.readiness, { signal: AbortSignal.timeout(8_000) });
        await res.body?.cancel();
        return { status: res.status, ms: performance.now() - started };
    }

    afterEach(async () => {
        for (const host of hosts.splice(0)) await host.close(0);
        warnings.length = 0;
    });

    it("a first probe that waits for a slow client build answers 200 from a healthy store", async () => {
        const { status, ms } = await readiness(storeWith(5));
        assert.equal(status, 200);
        assert.ok(
            ms >= slowPreparationMs,
            `answered after ${ms.toFixed(0)} ms, before the preparation ended`,
        );
        assert.deepEqual(warnings, []);
    });

    it("a store that hangs once the client is built still gets 503 within the deadline", async () => {
        const { status, ms } = await readiness(storeWith("never"));
        assert.equal(status, 503);
        assert.ok(ms < slowPreparationMs + 1_500 + 500, `answered after ${ms.toFixed(0)} ms`);
        assert.deepEqual(warnings, ["readiness: storage unreachable"]);
    });
});
