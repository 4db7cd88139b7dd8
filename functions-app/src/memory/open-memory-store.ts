import type { CosmosClientOptions } from "@azure/cosmos";
import { lazyManagedIdentityCredential, loadCosmosSdk } from "../storage/azure-sdk";
import { CosmosMemoryStore } from "./cosmos-memory-store";
import type { MemoryLocation } from "./environment";
import type { MemoryStore } from "./memory-store";

/**
 * The memory store at a location: with the local server's key on loopback, otherwise with the
 * managed identity (AZURE_CLIENT_ID names a user-assigned one; on AKS the workload identity) through
 * Cosmos DB's data-plane RBAC. The Cosmos SDK loads on the first memory call, not at start: a cold
 * start answers tools/list without it.
 */
export function openMemoryStore(
    location: MemoryLocation,
    maxNotesPerOwner: number,
    managedIdentityClientId: string | undefined,
): MemoryStore {
    const options: CosmosClientOptions =
        location.localKey !== undefined
            ? localCosmosClientOptions(location.endpoint, location.localKey)
            : {
                  endpoint: location.endpoint,
                  aadCredentials: lazyManagedIdentityCredential({
                      managedIdentityClientId,
                      workloadIdentityClientId: managedIdentityClientId,
                  }),
              };
    let store: Promise<CosmosMemoryStore> | undefined;
    const ready = (): Promise<CosmosMemoryStore> =>
        (store ??= loadCosmosSdk().then(
            ({ CosmosClient }) =>
                new CosmosMemoryStore(
                    new CosmosClient(options).database(location.database).container(location.container),
                    maxNotesPerOwner,
                ),
        ));
    return {
        save: async (owner, note, callOptions) => (await ready()).save(owner, note, callOptions),
        get: async (owner, key, callOptions) => (await ready()).get(owner, key, callOptions),
        list: async (owner, limit, callOptions) => (await ready()).list(owner, limit, callOptions),
        forget: async (owner, key, callOptions) => (await ready()).forget(owner, key, callOptions),
    };
}

/**
 * Client options for a local server: endpoint discovery off, because the local server advertises
 * https locations while it listens on plain http on loopback.
 */
export function localCosmosClientOptions(endpoint: string, key: string): CosmosClientOptions {
    return { endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } };
}
