import { nodeCrypto } from "../lazy-builtins";
import type { Container } from "@azure/cosmos";
import type { StoreCallOptions } from "../storage/snippet-store";
import type { MemoryNote, MemoryStore } from "./memory-store";

/** Partition key path of the memory container: one logical partition per caller. */
export const memoryPartitionKeyPath = "/owner";

/** A note as stored: `ttl` lets Cosmos DB delete it once expired (the container enables TTL). */
interface NoteDocument {
    readonly id: string;
    readonly owner: string;
    readonly key: string;
    readonly text: string;
    readonly tags: readonly string[];
    readonly savedAt: string;
    readonly expiresAt?: string;
    readonly ttl?: number;
}

/**
 * The document id of a key: a digest, so no key (whatever characters, '/', '#', or text that looks
 * like an id or a partition) reaches Cosmos DB's id syntax, and ids are unique per owner only.
 */
function documentId(key: string): string {
    return nodeCrypto().createHash("sha256").update(key, "utf8").digest("hex");
}

/**
 * Notes in a Cosmos DB (NoSQL) container partitioned by owner. Every read names the owner as the
 * partition key and, in case a server ignores it, checks the owner of what came back as well.
 * Expiry: Cosmos DB deletes expired notes in the background; reads also skip notes past
 * `expiresAt`, so an expired note is never returned even before deletion (or on a local server
 * that does not implement TTL).
 */
export class CosmosMemoryStore implements MemoryStore {
    constructor(
        private readonly container: Container,
        private readonly maxNotesPerOwner: number,
        private readonly now: () => Date = () => new Date(),
    ) {}

    async save(owner: string, note: MemoryNote, options?: StoreCallOptions): Promise<boolean> {
        const id = documentId(note.key);
        const live = await this.liveIds(owner, options);
        if (live.length >= this.maxNotesPerOwner && !live.includes(id)) return false;
        const ttl =
            note.expiresAt === undefined
                ? undefined
                : Math.max(1, Math.ceil((Date.parse(note.expiresAt) - this.now().getTime()) / 1000));
        const document: NoteDocument = {
            id,
            owner,
            key: note.key,
            text: note.text,
            tags: note.tags,
            savedAt: note.savedAt,
            ...(note.expiresAt === undefined ? {} : { expiresAt: note.expiresAt }),
            ...(ttl === undefined ? {} : { ttl }),
        };
        await this.container.items.upsert(document, requestOptions(options));
        return true;
    }

    async get(owner: string, key: string, options?: StoreCallOptions): Promise<MemoryNote | undefined> {
        const { resource } = await this.container
            .item(documentId(key), owner)
            .read<NoteDocument>(requestOptions(options));
        if (!resource || resource.owner !== owner || resource.key !== key) return undefined;
        return this.isLive(resource) ? noteOf(resource) : undefined;
    }

    async list(owner: string, limit: number, options?: StoreCallOptions): Promise<MemoryNote[]> {
        const { resources } = await this.container.items
            .query<NoteDocument>(
                {
                    query: "SELECT * FROM c WHERE c.owner = @owner",
                    parameters: [{ name: "@owner", value: owner }],
                },
                { partitionKey: owner, ...requestOptions(options) },
            )
            .fetchAll();
        return resources
            .filter((d) => d.owner === owner && this.isLive(d))
            .slice(0, limit)
            .map(noteOf);
    }

    async forget(owner: string, key: string, options?: StoreCallOptions): Promise<boolean> {
        // Read first: the delete must not report a note of someone else or an expired one as forgotten.
        if (!(await this.get(owner, key, options))) return false;
        try {
            await this.container.item(documentId(key), owner).delete(requestOptions(options));
            return true;
        } catch (error) {
            if (statusOf(error) === 404) return false;
            throw error;
        }
    }

    private async liveIds(owner: string, options?: StoreCallOptions): Promise<string[]> {
        const { resources } = await this.container.items
            .query<Pick<NoteDocument, "id" | "owner" | "expiresAt">>(
                {
                    query: "SELECT c.id, c.owner, c.expiresAt FROM c WHERE c.owner = @owner",
                    parameters: [{ name: "@owner", value: owner }],
                },
                { partitionKey: owner, ...requestOptions(options) },
            )
            .fetchAll();
        return resources.filter((d) => d.owner === owner && this.isLive(d)).map((d) => d.id);
    }

    private isLive(document: Pick<NoteDocument, "expiresAt">): boolean {
        return document.expiresAt === undefined || Date.parse(document.expiresAt) > this.now().getTime();
    }
}

function noteOf(document: NoteDocument): MemoryNote {
    return {
        key: document.key,
        text: document.text,
        tags: document.tags,
        savedAt: document.savedAt,
        ...(document.expiresAt === undefined ? {} : { expiresAt: document.expiresAt }),
    };
}

function requestOptions(options: StoreCallOptions | undefined): { abortSignal?: AbortSignal } {
    return options?.signal ? { abortSignal: options.signal } : {};
}

function statusOf(error: unknown): number | undefined {
    return typeof error === "object" && error !== null && "code" in error && typeof error.code === "number"
        ? error.code
        : undefined;
}
