import { loadOrama } from "../knowledge/orama";
import type { MemoryNote, RankedNote } from "./memory-store";

/**
 * The notes that best match a query (BM25 over key, text and tags, the engine the local knowledge
 * index uses too), best first; notes sharing no word with the query are left out. Built per call
 * over one caller's notes only, so no ranking state is shared between callers.
 */
export async function rankNotes(
    notes: readonly MemoryNote[],
    query: string,
    top: number,
): Promise<RankedNote[]> {
    if (notes.length === 0) return [];
    const { create, insertMultiple, search } = await loadOrama();
    const db = create({ schema: { key: "string", text: "string", tags: "string" } as const });
    const ids = await insertMultiple(
        db,
        notes.map((note) => ({ key: note.key, text: note.text, tags: note.tags.join(" ") })),
    );
    const byId = new Map(ids.map((id, i) => [id, notes[i]]));
    const found = await search(db, { term: query, properties: ["key", "text", "tags"], limit: top });
    return found.hits.flatMap((hit) => {
        const note = byId.get(hit.id);
        return note ? [{ ...note, score: hit.score }] : [];
    });
}
