import { DefaultAzureCredential } from "@azure/identity";
import { BlobServiceClient, ContainerClient, RestError } from "@azure/storage-blob";
import { snippetContainer } from "../contract";
import type { SnippetInfo, SnippetStore } from "./snippet-store";

/** How to reach the snippet container: a connection string locally, an identity in Azure. */
export type BlobStoreLocation =
    | { readonly connectionString: string; readonly container?: string }
    | { readonly accountUrl: string; readonly container?: string; readonly managedIdentityClientId?: string };

const blobSuffix = ".json";

/**
 * Snippets as blobs `<container>/<name>.json` holding the snippet text (the seed's layout, so data
 * written by earlier deployments stays readable). Names are validated by the tool before they get here.
 */
export class BlobSnippetStore implements SnippetStore {
    private readonly container: ContainerClient;
    private containerReady: Promise<void> | undefined;

    constructor(location: BlobStoreLocation) {
        const service =
            "connectionString" in location
                ? BlobServiceClient.fromConnectionString(location.connectionString)
                : new BlobServiceClient(
                      location.accountUrl,
                      new DefaultAzureCredential({
                          managedIdentityClientId: location.managedIdentityClientId,
                      }),
                  );
        this.container = service.getContainerClient(location.container ?? snippetContainer);
    }

    async save(name: string, content: string, savedBy: string): Promise<void> {
        await this.ensureContainer();
        const body = Buffer.from(content, "utf8");
        await this.container.getBlockBlobClient(name + blobSuffix).upload(body, body.length, {
            blobHTTPHeaders: { blobContentType: "text/plain; charset=utf-8" },
            metadata: { savedby: asciiMetadata(savedBy) },
        });
    }

    async get(name: string): Promise<string | undefined> {
        try {
            const buffer = await this.container.getBlockBlobClient(name + blobSuffix).downloadToBuffer();
            return buffer.toString("utf8");
        } catch (error) {
            if (isNotFound(error)) return undefined;
            throw error;
        }
    }

    async list(prefix: string, limit: number): Promise<SnippetInfo[]> {
        const found: SnippetInfo[] = [];
        try {
            for await (const blob of this.container.listBlobsFlat({ prefix })) {
                if (!blob.name.endsWith(blobSuffix)) continue;
                found.push({
                    name: blob.name.slice(0, -blobSuffix.length),
                    bytes: blob.properties.contentLength ?? 0,
                    lastModified: (blob.properties.lastModified ?? new Date(0)).toISOString(),
                });
                if (found.length >= limit) break;
            }
        } catch (error) {
            if (isNotFound(error)) return [];
            throw error;
        }
        return found;
    }

    async ping(): Promise<void> {
        await this.container.exists();
    }

    /** In Azure the program creates the container; locally (Azurite) the store creates it once. */
    private ensureContainer(): Promise<void> {
        this.containerReady ??= this.container.createIfNotExists().then(
            () => undefined,
            (error: unknown) => {
                this.containerReady = undefined;
                // Without create permission (least privilege in Azure) the container must already exist.
                if (error instanceof RestError && error.statusCode === 403) return;
                throw error;
            },
        );
        return this.containerReady;
    }
}

function isNotFound(error: unknown): boolean {
    return error instanceof RestError && error.statusCode === 404;
}

/** Blob metadata values must be ASCII. */
function asciiMetadata(value: string): string {
    return value.replace(/[^\x20-\x7e]/g, "?").slice(0, 256);
}
