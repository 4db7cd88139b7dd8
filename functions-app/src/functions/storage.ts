import { BlobSnippetStore } from "../storage/blob-snippet-store";
import type { SnippetStore } from "../storage/snippet-store";

/**
 * The snippet store from the function app's settings: identity-based in Azure
 * (SNIPPETS_STORAGE_ACCOUNT_URL + AZURE_CLIENT_ID of the user-assigned identity), a connection string
 * when run locally with Core Tools and Azurite.
 */
export function snippetStoreFromEnvironment(env: Readonly<Record<string, string | undefined>>): SnippetStore {
    const container = env.SNIPPETS_CONTAINER || undefined;
    if (env.SNIPPETS_STORAGE_CONNECTION_STRING) {
        return new BlobSnippetStore({ connectionString: env.SNIPPETS_STORAGE_CONNECTION_STRING, container });
    }
    const accountUrl = env.SNIPPETS_STORAGE_ACCOUNT_URL;
    if (!accountUrl) {
        throw new Error(
            "SNIPPETS_STORAGE_ACCOUNT_URL is not set: the function app cannot reach snippet storage",
        );
    }
    return new BlobSnippetStore({ accountUrl, container, managedIdentityClientId: env.AZURE_CLIENT_ID });
}
