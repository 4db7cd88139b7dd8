import type { StoreCallOptions } from "../storage/snippet-store";

/** A note as an agent saved it; `expiresAt` is absent when it does not expire. */
export interface MemoryNote {
    readonly key: string;
    readonly text: string;
    readonly tags: readonly string[];
    readonly savedAt: string;
    readonly expiresAt?: string;
}

/** A note with how well it matched a recall query (higher is better). */
export interface RankedNote extends MemoryNote {
    readonly score: number;
}

/**
 * Where agents' notes live. Every method takes the owner (the caller the gateway validated) as
 * its first argument and touches nothing outside that owner's notes; tools pass `caller.id`
 * there and never anything an argument names. Expired notes are never returned.
 */
export interface MemoryStore {
    /** Saves or replaces the owner's note with that key; false when the owner is at its note limit. */
    save(owner: string, note: MemoryNote, options?: StoreCallOptions): Promise<boolean>;
    /** Undefined when the owner has no live note with that key. */
    get(owner: string, key: string, options?: StoreCallOptions): Promise<MemoryNote | undefined>;
    /** The owner's live notes, in no particular order; at most `limit`. */
    list(owner: string, limit: number, options?: StoreCallOptions): Promise<MemoryNote[]>;
    /** True when a note was removed. */
    forget(owner: string, key: string, options?: StoreCallOptions): Promise<boolean>;
}
