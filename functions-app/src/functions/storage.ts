import { BlobSnippetStore, type BlobStoreLocation } from "../storage/blob-snippet-store";
import type { SnippetStore } from "../storage/snippet-store";

/**
 * The snippet store from the function app's settings: identity-based in Azure
 * (SNIPPETS_STORAGE_ACCOUNT_URL + AZURE_CLIENT_ID of the user-assigned identity), a connection string
 * when run locally with Core Tools and Azurite.
 */
export function snippetStoreFromEnvironment(env: Readonly<Record<string, string | undefined>>): SnippetStore {
    return new BlobSnippetStore(storageLocationFromEnvironment(env));
}

/** Where the tool storage account is (snippets, and the front door's records). */
export function storageLocationFromEnvironment(
    env: Readonly<Record<string, string | undefined>>,
): BlobStoreLocation {
    const container = env.SNIPPETS_CONTAINER || undefined;
    if (env.SNIPPETS_STORAGE_CONNECTION_STRING) {
        return { connectionString: env.SNIPPETS_STORAGE_CONNECTION_STRING, container };
    }
    const accountUrl = env.SNIPPETS_STORAGE_ACCOUNT_URL;
    if (!accountUrl) {
        throw new Error(
            "SNIPPETS_STORAGE_ACCOUNT_URL is not set: the function app cannot reach snippet storage",
        );
    }
    return { accountUrl, container, managedIdentityClientId: env.AZURE_CLIENT_ID };
}
