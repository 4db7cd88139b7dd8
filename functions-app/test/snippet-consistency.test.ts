import assert from "node:assert/strict";
import { toolNames } from "../src/contract";
import { maxSnippetBytes } from "../src/catalog/snippets";
import type { HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { callToolOverHttp } from "./support/mcp-post";

/**
 * A value that proves its own integrity: `<<id:length>>`, padding derived from the id, `<</id>>`.
 * Any prefix, suffix or splice of two values fails `checkValue`.
 */
function makeValue(id: number, length: number): string {
    const head = `<<${id}:${length}>>`;
    const tail = `<</${id}>>`;
    return head + padding(id).repeat(length - head.length - tail.length) + tail;
}

function padding(id: number): string {
    return String.fromCharCode(97 + (id % 26));
}

/** The id of a complete written value, or a description of what is wrong with it. */
function checkValue(text: string): { ok: true; id: number } | { ok: false; problem: string } {
    const head = /^<<(\d+):(\d+)>>/.exec(text);
    if (!head) return { ok: false, problem: `no header: ${JSON.stringify(text.slice(0, 40))}` };
    const id = Number(head[1]);
    const length = Number(head[2]);
    if (text.length !== length)
        return { ok: false, problem: `value ${id}: ${text.length} of ${length} bytes` };
    if (text !== makeValue(id, length)) return { ok: false, problem: `value ${id}: content spliced` };
    return { ok: true, id };
}

// Sizes that differ a lot, so a read that mixes two versions cannot come out the right length.
const lengths = [40, maxSnippetBytes, 300, 20_000, 1_200, 60_000, 5_000, 64];

describe("snippet reads under concurrent overwrites (real host, Azurite)", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;

    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
    });

    after(async () => {
        await stopHost?.();
    });

    it("returns exactly one complete written value or a tool error, never part of one", async () => {
        const name = "contended";
        const writers = 16;
        const savesPerWriter = 8;
        const readers = 8;
        const written = new Set<number>();
        const counts = { complete: 0, toolErrors: 0, saved: 0, saveErrors: 0 };
        const save = async (id: number) => {
            // Counted as written once sent: a reader may see it before the writer hears back, and a
            // save that timed out may still have been committed.
            written.add(id);
            const length = lengths[id % lengths.length];
            assert.ok(length !== undefined);
            const result = await callToolOverHttp(host.url, toolNames.saveSnippet, {
                snippetname: name,
                snippet: makeValue(id, length),
            });
            if (!result.isError) {
                counts.saved++;
                return;
            }
            // On an overloaded machine a save may run out of time: a clear error, never a partial write.
            assert.match(result.text, /^save_snippet failed on the server; try again later\.$/);
            counts.saveErrors++;
        };
        await save(0);
        assert.equal(counts.saved, 1, "the first save succeeds");

        let writing = true;
        const torn: string[] = [];
        const writersDone = Promise.all(
            Array.from({ length: writers }, async (_, w) => {
                for (let i = 0; i < savesPerWriter; i++) await save(1 + w * savesPerWriter + i);
            }),
        ).finally(() => (writing = false));
        const readersDone = Promise.all(
            Array.from({ length: readers }, async () => {
                while (writing) {
                    const result = await callToolOverHttp(host.url, toolNames.getSnippet, {
                        snippetname: name,
                    });
                    if (result.isError) {
                        // A clear error the caller can act on, with nothing internal in it.
                        assert.match(result.text, /^get_snippet failed on the server; try again later\.$/);
                        counts.toolErrors++;
                        continue;
                    }
                    const checked = checkValue(result.text);
                    if (checked.ok && written.has(checked.id)) counts.complete++;
                    else torn.push(checked.ok ? `value ${checked.id} was never written` : checked.problem);
                }
            }),
        );
        await Promise.all([writersDone, readersDone]);

        const reads = counts.complete + counts.toolErrors + torn.length;
        console.log(
            `      ${writers * savesPerWriter} overwrites (${counts.saveErrors} tool errors), ${reads} reads: ` +
                `${counts.complete} complete, ${counts.toolErrors} tool errors, ${torn.length} partial`,
        );
        assert.deepEqual(torn.slice(0, 5), [], `${torn.length} of ${reads} reads returned a partial value`);
        assert.ok(
            counts.complete >= 10,
            `enough reads overlapped the saves to prove something (${counts.complete})`,
        );
    });
});
