import { nodeCrypto } from "../lazy-builtins";
import type { ContainerClient } from "@azure/storage-blob";
import { lazyManagedIdentityCredential, loadBlobSdk, restErrorStatus } from "../storage/azure-sdk";
import type { BlobStoreLocation } from "../storage/blob-snippet-store";
import type { Envelope, FrontDoorStore, RecordKind, StoredRecord } from "./store";

import { frontDoorContainer } from "../contract";

/**
 * Front door records as blobs `<kind>/<key>.json` in the tool storage account. Conditions do the
 * concurrency work: `If-None-Match: *` creates only when absent, `If-Match: <etag>` deletes only
 * the version that was read, so of two requests redeeming one code exactly one succeeds.
 */
export class BlobFrontDoorStore implements FrontDoorStore {
    /** Built by `ensureContainer`, which every operation awaits first: the SDK loads on first use. */
    private client: ContainerClient | undefined;
    private ready: Promise<void> | undefined;

    constructor(
        private readonly location: BlobStoreLocation,
        private readonly now: () => number = Date.now,
    ) {}

    private get container(): ContainerClient {
        if (!this.client) throw new Error("front door store used before its container was checked");
        return this.client;
    }

    async create<T>(kind: RecordKind, key: string, value: T, expiresAt: number): Promise<boolean> {
        const existing = await this.get(kind, key);
        if (existing) return false;
        try {
            await this.upload(kind, key, { expiresAt, value }, { ifNoneMatch: "*" });
            return true;
        } catch (error) {
            if (restErrorStatus(error) === 409 || restErrorStatus(error) === 412) {
                // An expired record still occupies the name: it was removed by get above unless
                // another writer created a fresh one in between.
                return false;
            }
            throw error;
        }
    }

    async put<T>(kind: RecordKind, key: string, value: T, expiresAt: number): Promise<void> {
        await this.upload(kind, key, { expiresAt, value }, {});
    }

    async get<T>(kind: RecordKind, key: string): Promise<StoredRecord<T> | undefined> {
        await this.ensureContainer();
        const blob = this.container.getBlockBlobClient(blobName(kind, key));
        try {
            const response = await blob.download(0);
            const text = await streamText(response.readableStreamBody);
            const envelope = JSON.parse(text) as Envelope<T>;
            const etag = response.etag ?? "";
            if (envelope.expiresAt <= this.now()) {
                await this.remove(kind, key, etag);
                return undefined;
            }
            return { value: envelope.value, etag };
        } catch (error) {
            if (restErrorStatus(error) === 404) return undefined;
            throw error;
        }
    }

    async remove(kind: RecordKind, key: string, etag: string): Promise<boolean> {
        await this.ensureContainer();
        try {
            await this.container
                .getBlockBlobClient(blobName(kind, key))
                .delete({ conditions: { ifMatch: etag } });
            return true;
        } catch (error) {
            if (restErrorStatus(error) === 404 || restErrorStatus(error) === 412) return false;
            throw error;
        }
    }

    async count(kind: RecordKind, limit: number): Promise<number> {
        await this.ensureContainer();
        let n = 0;
        // Expiry is kept in metadata so counting needs no download per record.
        for await (const item of this.container.listBlobsFlat({
            prefix: `${kind}/`,
            includeMetadata: true,
        })) {
            const expiresAt = Number(item.metadata?.expiresat ?? "0");
            if (expiresAt > this.now() && ++n >= limit) break;
        }
        return n;
    }

    private async upload<T>(
        kind: RecordKind,
        key: string,
        envelope: Envelope<T>,
        conditions: { ifNoneMatch?: string },
    ): Promise<void> {
        await this.ensureContainer();
        const body = Buffer.from(JSON.stringify(envelope), "utf8");
        await this.container.getBlockBlobClient(blobName(kind, key)).upload(body, body.length, {
            conditions,
            metadata: { expiresat: String(envelope.expiresAt) },
            blobHTTPHeaders: { blobContentType: "application/json" },
        });
    }

    private ensureContainer(): Promise<void> {
        this.ready ??= this.containerClient()
            .then((container) => container.createIfNotExists())
            .then(
                () => undefined,
                (error: unknown) => {
                    this.ready = undefined;
                    throw error;
                },
            );
        return this.ready;
    }

    private async containerClient(): Promise<ContainerClient> {
        const { BlobServiceClient } = await loadBlobSdk();
        const { location } = this;
        const service =
            "connectionString" in location
                ? BlobServiceClient.fromConnectionString(location.connectionString)
                : new BlobServiceClient(
                      location.accountUrl,
                      lazyManagedIdentityCredential({
                          managedIdentityClientId: location.managedIdentityClientId,
                      }),
                  );
        this.client ??= service.getContainerClient(frontDoorContainer);
        return this.client;
    }
}

/** Keys (URLs, ids, hashes) become fixed-length hex names: always valid, never a path. */
function blobName(kind: RecordKind, key: string): string {
    return `${kind}/${nodeCrypto().createHash("sha256").update(key).digest("hex")}.json`;
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
    if (!stream) return "";
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString("utf8");
}
