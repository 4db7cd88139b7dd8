import { loadOrama, type Orama } from "./orama";
import type { KnowledgeIndex, KnowledgeQuery, Passage, RankedPassage } from "./knowledge-index";

const schema = { source: "enum", text: "string" } as const;

/**
 * The local knowledge index: an in-process full-text engine (BM25) used when no AI Search
 * endpoint is configured. It lives in the host process, so each host instance holds its own copy
 * of what was loaded at start.
 */
export class OramaKnowledgeIndex implements KnowledgeIndex {
    /** The engine and its index, made on first use (Orama loads then). */
    private engine: Promise<Engine> | undefined;

    async add(passages: readonly Passage[]): Promise<void> {
        const { orama, db } = await this.ready();
        await orama.insertMultiple(
            db,
            passages.map((p) => ({ source: p.source, text: p.text })),
        );
    }

    async search(query: KnowledgeQuery): Promise<RankedPassage[]> {
        const { orama, db } = await this.ready();
        const found = await orama.search(db, {
            term: query.text,
            properties: ["text"],
            limit: query.top,
            ...(query.source === undefined ? {} : { where: { source: { eq: query.source } } }),
        });
        // `enum` fields type as string | number; only strings are ever inserted.
        return found.hits.map((hit) => ({
            source: String(hit.document.source),
            text: hit.document.text,
            score: hit.score,
        }));
    }

    private ready(): Promise<Engine> {
        return (this.engine ??= loadOrama().then((orama) => ({ orama, db: createIndex(orama) })));
    }
}

function createIndex(orama: Orama) {
    return orama.create({ schema });
}

interface Engine {
    readonly orama: Orama;
    readonly db: ReturnType<typeof createIndex>;
}
