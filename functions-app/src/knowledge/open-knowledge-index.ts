import { lazyManagedIdentityCredential } from "../storage/azure-sdk";
import { AzureSearchKnowledgeIndex } from "./azure-search-knowledge-index";
import type { KnowledgeSearchLocation } from "./environment";
import type { KnowledgeIndex } from "./knowledge-index";

/**
 * The knowledge index on AI Search: with the local stand-in's key on loopback, otherwise with the
 * managed identity (AZURE_CLIENT_ID names a user-assigned one; on AKS the workload identity),
 * whose SDK loads on the first search, not at start.
 */
export function openKnowledgeIndex(
    location: KnowledgeSearchLocation,
    managedIdentityClientId: string | undefined,
): KnowledgeIndex {
    const credential =
        location.localKey === undefined
            ? lazyManagedIdentityCredential({
                  managedIdentityClientId,
                  workloadIdentityClientId: managedIdentityClientId,
              })
            : undefined;
    return new AzureSearchKnowledgeIndex(location, credential);
}
