import type { StoreCallOptions } from "../storage/snippet-store";

/** A passage of a loaded document: `source` names the document it came from. */
export interface Passage {
    readonly source: string;
    readonly text: string;
}

export interface RankedPassage extends Passage {
    readonly score: number;
}

export interface KnowledgeQuery {
    readonly text: string;
    /** Only passages from this source. */
    readonly source?: string;
    readonly top: number;
}

/** The shared knowledge index every agent searches (read-only for tools). */
export interface KnowledgeIndex {
    /** Best passages first. */
    search(query: KnowledgeQuery, options?: StoreCallOptions): Promise<RankedPassage[]>;
}
