import assert from "node:assert/strict";
import { callToolWithin, findTool } from ".";
import { toolNames, toolRoles } from "../contract";
import { isPromise } from "../maybe-promise";
import type { SnippetStore } from "../storage/snippet-store";

/** A store whose every call hangs until its signal aborts: storage that stopped answering. */
function hangingStore(aborted: string[]): SnippetStore {
    const hang = (operation: string, signal?: AbortSignal) =>
        new Promise<never>((_, reject) =>
            signal?.addEventListener("abort", () => {
                aborted.push(operation);
                reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
            }),
        );
    return {
        save: (_n, _c, _by, options) => hang("save", options?.signal),
        get: (_n, options) => hang("get", options?.signal),
        list: (_p, _l, options) => hang("list", options?.signal),
        ping: (options) => hang("ping", options?.signal),
    };
}

describe("callToolWithin (the bound every host runs tools under)", () => {
    const caller = { id: "agent", roles: Object.values(toolRoles) };

    it("answers a tool error once the bound passes and aborts the storage request", async () => {
        const aborted: string[] = [];
        const started = Date.now();
        const outcome = await callToolWithin(
            findTool(toolNames.getSnippet)!,
            { snippetname: "stuck" },
            { snippets: hangingStore(aborted) },
            caller,
            50,
        );
        assert.deepEqual(outcome, {
            isError: true,
            timedOut: true,
            text: "get_snippet did not finish within 0.05 s; try again later.",
        });
        assert.ok(Date.now() - started < 1_000, "answered near the bound");
        assert.deepEqual(aborted, ["get"]);
    });

    it("passes quick calls through unchanged and lets faults propagate", async () => {
        const hello = callToolWithin(
            findTool(toolNames.hello)!,
            {},
            { snippets: hangingStore([]) },
            caller,
            50,
        );
        assert.ok(!isPromise(hello), "a tool that answers without I/O answers at once");
        assert.equal(hello.isError, false);
        const failing: SnippetStore = { ...hangingStore([]), get: () => Promise.reject(new Error("boom")) };
        await assert.rejects(
            async () =>
                callToolWithin(
                    findTool(toolNames.getSnippet)!,
                    { snippetname: "x" },
                    { snippets: failing },
                    caller,
                    50,
                ),
            /boom/,
        );
    });
});
