import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { backendPaths, toolNames } from "../src/contract";
import { readSettings } from "../src/node-host/settings";
import { BlobSnippetStore } from "../src/storage/blob-snippet-store";
import { StorageTimeoutError, storageTimeouts } from "../src/storage/storage-timeouts";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { connectClient, textOf } from "./support/mcp-clients";
import { callToolOverHttp } from "./support/mcp-post";
import { startStallProxy, type StallProxy } from "./support/stall-proxy";

/** Resolves with how long `work` took, in ms, and what it produced. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
    const started = performance.now();
    const value = await work();
    return { ms: performance.now() - started, value };
}

/** Fails a request that is still unanswered after `ms` (a hung request must not hang the test). */
const giveUpAfter = (ms: number) => AbortSignal.timeout(ms);

describe("storage that stalls (TCP proxy that stops forwarding, real host, Azurite)", function () {
    let storage: LocalStorage;
    let proxy: StallProxy;
    let connectionString: string;

    before(async () => {
        storage = await startAzurite();
        const blob = new URL(storage.blobUrl);
        proxy = await startStallProxy({ host: blob.hostname, port: Number(blob.port) });
        connectionString = storage.connectionString.replace(blob.host, proxy.address);
    });

    after(async () => {
        await proxy?.close();
        await storage?.stop();
    });

    describe("the Node host", () => {
        const toolCallSeconds = 2;
        let host: HostProcess;
        let sse: Client;

        before(async () => {
            host = await startHostFromSource({
                SNIPPETS_STORAGE_CONNECTION_STRING: connectionString,
                TOOL_CALL_TIMEOUT_SECONDS: String(toolCallSeconds),
            });
            sse = await connectClient(host.url, "sse");
        });

        after(async () => {
            proxy.resume();
            await sse?.close();
            const code = await host?.stop();
            assert.equal(code, 0, "the host exits cleanly");
        });

        const probe = (path: string) =>
            timed(async () => (await fetch(host.url + path, { signal: giveUpAfter(5_000) })).status);

        it("answers tool errors within the bound and 503 from /readyz while storage hangs, then recovers", async () => {
            const saved = await callToolOverHttp(host.url, toolNames.saveSnippet, {
                snippetname: "kept",
                snippet: "still here",
            });
            assert.equal(saved.isError, false, saved.text);
            assert.equal((await probe(backendPaths.readiness)).value, 200);

            proxy.stall();
            const expected = (tool: string) =>
                new RegExp(`^${tool} did not finish within ${toolCallSeconds} s; try again later\\.$`);
            const [fastGet, fastSave, sdkGet, ready, live] = await Promise.all([
                timed(() =>
                    callToolOverHttp(
                        host.url,
                        toolNames.getSnippet,
                        { snippetname: "kept" },
                        giveUpAfter(10_000),
                    ),
                ),
                timed(() =>
                    callToolOverHttp(
                        host.url,
                        toolNames.saveSnippet,
                        { snippetname: "lost", snippet: "x" },
                        giveUpAfter(10_000),
                    ),
                ),
                timed(async () => {
                    const result = await sse.callTool({
                        name: toolNames.getSnippet,
                        arguments: { snippetname: "kept" },
                    });
                    return { isError: result.isError === true, text: textOf(result) };
                }),
                probe(backendPaths.readiness),
                probe(backendPaths.liveness),
            ]);
            for (const [label, call, tool] of [
                ["fast path get", fastGet, toolNames.getSnippet],
                ["fast path save", fastSave, toolNames.saveSnippet],
                ["SDK path get (SSE)", sdkGet, toolNames.getSnippet],
            ] as const) {
                assert.equal(call.value.isError, true, `${label}: ${call.value.text}`);
                assert.match(call.value.text, expected(tool), label);
                assert.ok(call.ms < toolCallSeconds * 1000 + 1_000, `${label} answered after ${call.ms} ms`);
            }
            assert.equal(ready.value, 503);
            assert.ok(ready.ms < 2_000, `/readyz answered after ${ready.ms} ms`);
            assert.equal(live.value, 200);

            proxy.resume();
            const got = await callToolOverHttp(
                host.url,
                toolNames.getSnippet,
                { snippetname: "kept" },
                giveUpAfter(10_000),
            );
            assert.deepEqual(got, { isError: false, text: "still here" });
            const viaSse = await sse.callTool({
                name: toolNames.getSnippet,
                arguments: { snippetname: "kept" },
            });
            assert.equal(textOf(viaSse), "still here");
            assert.equal((await probe(backendPaths.readiness)).value, 200);
        });
    });

    describe("the storage client", () => {
        const quick = { ...storageTimeouts, tryMs: 400, operationMs: 1_500 };

        afterEach(() => proxy.resume());

        it("abandons a try that stalls and retries it, so a stall shorter than the bound costs one try", async () => {
            // Room for a third try, so a slow machine cannot turn the retry into a timeout.
            const store = new BlobSnippetStore({ connectionString }, { ...quick, triesOnTimeout: 3 });
            await store.save("retried", "after a stall", "stall-test");
            proxy.stall();
            setTimeout(() => proxy.resume(), quick.tryMs + 200);
            const { ms, value } = await timed(() => store.get("retried"));
            assert.equal(value, "after a stall");
            assert.ok(ms >= quick.tryMs && ms < quick.operationMs, `answered after ${ms} ms`);
        });

        it("gives up on an operation after its overall bound, naming the operation only", async () => {
            const store = new BlobSnippetStore({ connectionString }, { ...quick, triesOnTimeout: 10 });
            await store.ping();
            proxy.stall();
            const started = performance.now();
            await assert.rejects(store.get("anything"), (error: unknown) => {
                assert.ok(error instanceof StorageTimeoutError, String(error));
                assert.equal(error.message, `storage did not answer get within ${quick.operationMs} ms`);
                return true;
            });
            const ms = performance.now() - started;
            assert.ok(
                ms >= quick.operationMs - 50 && ms < quick.operationMs + 1_000,
                `gave up after ${ms} ms`,
            );
        });
    });

    it("refuses invalid timeout settings, listing every problem", () => {
        const result = readSettings({
            SNIPPETS_STORAGE_CONNECTION_STRING: connectionString,
            TOOL_CALL_TIMEOUT_SECONDS: "0",
            SSE_KEEPALIVE_SECONDS: "soon",
        });
        assert.deepEqual(result, {
            ok: false,
            errors: [
                "SSE_KEEPALIVE_SECONDS: must be an integer from 1 to 230, got soon",
                "TOOL_CALL_TIMEOUT_SECONDS: must be an integer from 1 to 230, got 0",
            ],
        });
        const valid = readSettings({ SNIPPETS_STORAGE_CONNECTION_STRING: connectionString });
        assert.equal(valid.ok && valid.settings.toolCallTimeoutMs, 10_000);
    });
});
