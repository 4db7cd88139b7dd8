import type { ContainerClient, StoragePipelineOptions } from "@azure/storage-blob";
import { snippetContainer } from "../contract";
import { lazyManagedIdentityCredential, loadBlobSdk, restErrorStatus } from "./azure-sdk";
import type { SnippetInfo, SnippetStore, StoreCallOptions } from "./snippet-store";
import { runStorageOperation, storageTimeouts, type StorageTimeouts } from "./storage-timeouts";

/** How to reach the snippet container: a connection string locally, an identity in Azure. */
export type BlobStoreLocation =
    | { readonly connectionString: string; readonly container?: string | undefined }
    | {
          readonly accountUrl: string;
          readonly container?: string | undefined;
          /** Undefined: the credential finds the identity itself (system-assigned, developer login). */
          readonly managedIdentityClientId?: string | undefined;
      };

const blobSuffix = ".json";

function pipelineOptions(timeouts: StorageTimeouts): StoragePipelineOptions {
    return {
        retryOptions: {
            maxTries: timeouts.sdkMaxTries,
            // Sent to the service as its own time limit per try; the client-side bound is ours.
            tryTimeoutInMs: timeouts.tryMs,
            retryDelayInMs: timeouts.sdkRetryDelayMs,
            maxRetryDelayInMs: timeouts.sdkMaxRetryDelayMs,
        },
    };
}

/**
 * Snippets as blobs `<container>/<name>.json` holding the snippet text (the original sample's layout, so
 * data written by earlier deployments stays readable). Names are validated by the tool before they get here.
 */
export class BlobSnippetStore implements SnippetStore {
    private containerClient: Promise<ContainerClient> | undefined;
    private containerReady: Promise<void> | undefined;

    constructor(
        private readonly location: BlobStoreLocation,
        private readonly timeouts: StorageTimeouts = storageTimeouts,
    ) {}

    /** The client, built on the first storage call: the host answers tools/list before loading the SDK. */
    private container(): Promise<ContainerClient> {
        this.containerClient ??= loadBlobSdk().then(({ BlobServiceClient }) => {
            const { location } = this;
            const options = pipelineOptions(this.timeouts);
            const service =
                "connectionString" in location
                    ? BlobServiceClient.fromConnectionString(location.connectionString, options)
                    : new BlobServiceClient(
                          location.accountUrl,
                          lazyManagedIdentityCredential({
                              managedIdentityClientId: location.managedIdentityClientId,
                          }),
                          options,
                      );
            return service.getContainerClient(location.container ?? snippetContainer);
        });
        return this.containerClient;
    }

    /** One Put Blob: the service commits the whole body at once, so readers see it whole or not at all. */
    async save(
        name: string,
        content: string,
        savedBy: string,
        options: StoreCallOptions = {},
    ): Promise<void> {
        await this.ensureContainer();
        const body = Buffer.from(content, "utf8");
        const blob = (await this.container()).getBlockBlobClient(name + blobSuffix);
        await runStorageOperation("save", options.signal, this.timeouts, (abortSignal) =>
            blob.upload(body, body.length, {
                abortSignal,
                blobHTTPHeaders: { blobContentType: "text/plain; charset=utf-8" },
                metadata: { savedby: asciiMetadata(savedBy) },
            }),
        );
    }

    /**
     * One GET of the whole blob, never `downloadToBuffer`: that reads the size first and then the
     * bytes in ranged GETs without If-Match, so a save in between yields a prefix of the new value
     * or a short read. A single GET is served from one committed version; should its body break
     * off, the SDK resumes only with If-Match on that response's ETag (a newer version answers 412
     * and the read fails instead of splicing), and the length is checked against Content-Length.
     */
    async get(name: string, options: StoreCallOptions = {}): Promise<string | undefined> {
        const blob = (await this.container()).getBlockBlobClient(name + blobSuffix);
        try {
            return await runStorageOperation("get", options.signal, this.timeouts, async (abortSignal) => {
                const response = await blob.download(0, undefined, { abortSignal, maxRetryRequests: 2 });
                const bytes = await readAll(response.readableStreamBody);
                if (bytes.length !== response.contentLength) {
                    throw new Error(`snippet read ${bytes.length} of ${response.contentLength} bytes`);
                }
                return bytes.toString("utf8");
            });
        } catch (error) {
            if (isNotFound(error)) return undefined;
            throw error;
        }
    }

    async list(prefix: string, limit: number, options: StoreCallOptions = {}): Promise<SnippetInfo[]> {
        const container = await this.container();
        try {
            return await runStorageOperation("list", options.signal, this.timeouts, async (abortSignal) => {
                const found: SnippetInfo[] = [];
                for await (const blob of container.listBlobsFlat({ prefix, abortSignal })) {
                    if (!blob.name.endsWith(blobSuffix)) continue;
                    found.push({
                        name: blob.name.slice(0, -blobSuffix.length),
                        bytes: blob.properties.contentLength ?? 0,
                        lastModified: (blob.properties.lastModified ?? new Date(0)).toISOString(),
                    });
                    if (found.length >= limit) break;
                }
                return found;
            });
        } catch (error) {
            if (isNotFound(error)) return [];
            throw error;
        }
    }

    async prepare(): Promise<void> {
        await this.container();
    }

    async ping(options: StoreCallOptions = {}): Promise<void> {
        const container = await this.container();
        await runStorageOperation("ping", options.signal, this.timeouts, (abortSignal) =>
            container.exists({ abortSignal }),
        );
    }

    /** In Azure the program creates the container; locally (Azurite) the store creates it once. */
    private ensureContainer(): Promise<void> {
        // Shared by concurrent saves, so bounded by the store's own limits, not by one caller's signal.
        this.containerReady ??= this.container()
            .then((container) =>
                runStorageOperation("create container", undefined, this.timeouts, (abortSignal) =>
                    container.createIfNotExists({ abortSignal }),
                ),
            )
            .then(
                () => undefined,
                (error: unknown) => {
                    this.containerReady = undefined;
                    // Without create permission (least privilege in Azure) the container must already exist.
                    if (restErrorStatus(error) === 403) return;
                    throw error;
                },
            );
        return this.containerReady;
    }
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
    if (!stream) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks);
}

function isNotFound(error: unknown): boolean {
    return restErrorStatus(error) === 404;
}

/** Blob metadata values must be ASCII. */
function asciiMetadata(value: string): string {
    return value.replace(/[^\x20-\x7e]/g, "?").slice(0, 256);
}
