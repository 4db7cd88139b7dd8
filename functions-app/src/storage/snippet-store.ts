/** A stored snippet's listing entry. */
export interface SnippetInfo {
    readonly name: string;
    readonly bytes: number;
    readonly lastModified: string;
}

/**
 * Where snippets live. Every instance of every host reads and writes the same store, so a save is
 * visible to the next get wherever it lands.
 */
export interface SnippetStore {
    save(name: string, content: string, savedBy: string): Promise<void>;
    /** Undefined when no snippet has that name. */
    get(name: string): Promise<string | undefined>;
    list(prefix: string, limit: number): Promise<SnippetInfo[]>;
    /** Throws when the store cannot be reached (readiness probe). */
    ping(): Promise<void>;
}
