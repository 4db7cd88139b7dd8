import assert from "node:assert/strict";
import { backendPaths } from "../src/contract";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { residentMiB } from "./support/process-memory";
import { startStalledStorage, type StalledStorage } from "./support/stalled-storage";

/** The outside attack's batch: 22,000 pings in one 978 KB body. */
const attackBatch = JSON.stringify(
    Array.from({ length: 22_000 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "ping" })),
);

/** The largest batch the host accepts, each message through the SDK's dispatch. */
const maximalBatch = JSON.stringify(
    Array.from({ length: 100 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "ping" })),
);

describe("Node host: batch limits (real process)", function () {
    let storage: StalledStorage;
    let host: HostProcess;

    before(async () => {
        storage = await startStalledStorage();
        host = await startHostFromSource({ SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString });
    });

    after(async () => {
        const code = await host?.stop();
        await storage?.stop();
        assert.equal(code, 0, "the host exits cleanly on SIGTERM");
    });

    const post = (body: string) =>
        fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
            body,
        });

    it("refuses the attack batch up front with 400 and a JSON-RPC error naming the limit", async () => {
        assert.ok(attackBatch.length > 950_000, "the attack body as measured");
        const started = performance.now();
        const res = await post(attackBatch);
        const elapsed = performance.now() - started;
        assert.equal(res.status, 400);
        const body = (await res.json()) as { jsonrpc: string; error: { code: number; message: string } };
        assert.equal(body.jsonrpc, "2.0");
        assert.equal(body.error.code, -32600);
        assert.match(body.error.message, /at most 100 messages/);
        assert.ok(elapsed < 1_000, `refused in ${elapsed.toFixed(0)} ms`);
    });

    it("answers a maximal batch in full while /healthz keeps answering promptly", async () => {
        let loading = true;
        const probeMs: number[] = [];
        const probe = (async () => {
            while (loading) {
                const started = performance.now();
                const res = await fetch(host.url + backendPaths.liveness);
                await res.arrayBuffer();
                assert.equal(res.status, 200);
                probeMs.push(performance.now() - started);
                await new Promise((resolve) => setTimeout(resolve, 5));
            }
        })();
        const batchMs: number[] = [];
        try {
            // Eight clients, three maximal batches each: 2,400 requests through the SDK.
            await Promise.all(
                Array.from({ length: 8 }, async () => {
                    for (let round = 0; round < 3; round++) {
                        const started = performance.now();
                        const res = await post(maximalBatch);
                        const answers = (await res.json()) as { id: number; result?: object }[];
                        batchMs.push(performance.now() - started);
                        assert.equal(res.status, 200);
                        assert.deepEqual(
                            answers.map((a) => a.id),
                            Array.from({ length: 100 }, (_, i) => i),
                        );
                        assert.ok(answers.every((a) => a.result !== undefined));
                    }
                }),
            );
        } finally {
            loading = false;
            await probe;
        }
        const worstProbe = Math.max(...probeMs);
        const worstBatch = Math.max(...batchMs);
        console.log(
            `      24 maximal batches: worst batch ${worstBatch.toFixed(0)} ms; ` +
                `/healthz ${probeMs.length} probes, worst ${worstProbe.toFixed(0)} ms`,
        );
        assert.ok(probeMs.length >= 3, "the probe ran during the load");
        assert.ok(worstProbe < 400, `worst /healthz answer took ${worstProbe.toFixed(0)} ms`);
    });

    it("keeps its memory bounded over repeated attack batches", async () => {
        // Warm up allocator and pool before measuring.
        await (await post(attackBatch)).arrayBuffer();
        const before = residentMiB(host.child.pid!);
        for (let round = 0; round < 4; round++) {
            const results = await Promise.all(Array.from({ length: 3 }, () => post(attackBatch)));
            for (const res of results) {
                assert.equal(res.status, 400);
                await res.arrayBuffer();
            }
        }
        const after = residentMiB(host.child.pid!);
        console.log(`      RSS ${before.toFixed(0)} -> ${after.toFixed(0)} MiB over 12 attack batches`);
        assert.ok(after - before < 64, `RSS grew by ${(after - before).toFixed(0)} MiB`);
    });
});
