import { CosmosClient, type CosmosClientOptions } from "@azure/cosmos";
import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { CosmosMemoryStore } from "./cosmos-memory-store";
import type { MemoryLocation } from "./environment";

/**
 * The memory store at a location: with the local server's key on loopback, otherwise with the
 * managed identity (AZURE_CLIENT_ID names a user-assigned one) through Cosmos DB's data-plane RBAC.
 */
export function openMemoryStore(
    location: MemoryLocation,
    maxNotesPerOwner: number,
    managedIdentityClientId: string | undefined,
): CosmosMemoryStore {
    const client =
        location.localKey !== undefined
            ? new CosmosClient(localCosmosClientOptions(location.endpoint, location.localKey))
            : new CosmosClient({
                  endpoint: location.endpoint,
                  aadCredentials: managedIdentityClientId
                      ? new ManagedIdentityCredential({ clientId: managedIdentityClientId })
                      : new DefaultAzureCredential(),
              });
    return new CosmosMemoryStore(
        client.database(location.database).container(location.container),
        maxNotesPerOwner,
    );
}

/**
 * Client options for a local server: endpoint discovery off, because the local server advertises
 * https locations while it listens on plain http on loopback.
 */
export function localCosmosClientOptions(endpoint: string, key: string): CosmosClientOptions {
    return { endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } };
}
