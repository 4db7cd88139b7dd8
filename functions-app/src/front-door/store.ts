/**
 * What the front door keeps between requests: small JSON records by kind and key, each with an
 * expiry, written and removed with conditions so that one-time values stay one-time under
 * concurrent requests.
 */

/** Record kinds; each is its own key space. */
export type RecordKind = "client" | "pending" | "session" | "consent" | "code" | "refresh";

export interface StoredRecord<T> {
    readonly value: T;
    /** Opaque version; `remove` succeeds only for the version read. */
    readonly etag: string;
}

export interface FrontDoorStore {
    /** Creates the record; false when one exists under that key (nothing is overwritten). */
    create<T>(kind: RecordKind, key: string, value: T, expiresAt: number): Promise<boolean>;
    /** Creates or replaces the record. */
    put<T>(kind: RecordKind, key: string, value: T, expiresAt: number): Promise<void>;
    /** The record, or undefined when absent or expired (an expired record is removed). */
    get<T>(kind: RecordKind, key: string): Promise<StoredRecord<T> | undefined>;
    /** Removes exactly the version read; false when it changed or is gone (someone else took it). */
    remove(kind: RecordKind, key: string, etag: string): Promise<boolean>;
    /** How many unexpired records of a kind exist, counting at most `limit` (bounded work). */
    count(kind: RecordKind, limit: number): Promise<number>;
}

/** An envelope around every stored value, so expiry is checked on read whatever the backing store. */
export interface Envelope<T> {
    readonly expiresAt: number;
    readonly value: T;
}

/** In-process store: for unit tests of the handlers and single-process local runs. */
export class MemoryFrontDoorStore implements FrontDoorStore {
    private readonly records = new Map<string, { envelope: Envelope<unknown>; etag: string }>();
    private version = 0;

    constructor(private readonly now: () => number = Date.now) {}

    // Each operation completes synchronously, so no other call can interleave with it.
    create<T>(kind: RecordKind, key: string, value: T, expiresAt: number): Promise<boolean> {
        const id = `${kind}/${key}`;
        const existing = this.records.get(id);
        if (existing && existing.envelope.expiresAt > this.now()) return Promise.resolve(false);
        this.records.set(id, { envelope: { expiresAt, value }, etag: String(++this.version) });
        return Promise.resolve(true);
    }

    put<T>(kind: RecordKind, key: string, value: T, expiresAt: number): Promise<void> {
        this.records.set(`${kind}/${key}`, { envelope: { expiresAt, value }, etag: String(++this.version) });
        return Promise.resolve();
    }

    get<T>(kind: RecordKind, key: string): Promise<StoredRecord<T> | undefined> {
        return Promise.resolve(this.current<T>(`${kind}/${key}`));
    }

    remove(kind: RecordKind, key: string, etag: string): Promise<boolean> {
        const id = `${kind}/${key}`;
        const found = this.records.get(id);
        if (!found || found.etag !== etag) return Promise.resolve(false);
        this.records.delete(id);
        return Promise.resolve(true);
    }

    count(kind: RecordKind, limit: number): Promise<number> {
        let n = 0;
        for (const [id, record] of this.records)
            if (id.startsWith(`${kind}/`) && record.envelope.expiresAt > this.now() && ++n >= limit) break;
        return Promise.resolve(n);
    }

    /** The unexpired record under `id`; an expired one is dropped. */
    private current<T>(id: string): StoredRecord<T> | undefined {
        const found = this.records.get(id);
        if (!found) return undefined;
        if (found.envelope.expiresAt <= this.now()) {
            this.records.delete(id);
            return undefined;
        }
        return { value: found.envelope.value as T, etag: found.etag };
    }
}
