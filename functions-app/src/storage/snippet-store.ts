/** A stored snippet's listing entry. */
export interface SnippetInfo {
    readonly name: string;
    readonly bytes: number;
    readonly lastModified: string;
}

/** Per call: `signal` aborts the storage work when the caller gives up (its deadline passed). */
export interface StoreCallOptions {
    /** Undefined when the call has no bound of its own. */
    readonly signal?: AbortSignal | undefined;
}

/**
 * Where snippets live. Every instance of every host reads and writes the same store, so a save is
 * visible to the next get wherever it lands. A get returns one complete saved value, never a mix
 * or a prefix of two, however many saves of the same name run meanwhile.
 */
export interface SnippetStore {
    save(name: string, content: string, savedBy: string, options?: StoreCallOptions): Promise<void>;
    /** Undefined when no snippet has that name. */
    get(name: string, options?: StoreCallOptions): Promise<string | undefined>;
    list(prefix: string, limit: number, options?: StoreCallOptions): Promise<SnippetInfo[]>;
    /** Throws when the store cannot be reached (readiness probe). */
    ping(options?: StoreCallOptions): Promise<void>;
    /**
     * The host's own preparation before its first storage call (loading the SDK, building the
     * client), so a probe's deadline for the store counts the store's time only.
     */
    prepare?(): Promise<void>;
}
