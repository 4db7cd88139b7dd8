import type { AddressInfo } from "node:net";
import { CosmosClient, type Container } from "@azure/cosmos";
import { createHttpServer } from "@vercel/cosmosdb-server";
import { maxNotesPerCaller } from "../src/catalog/memory";
import { CosmosMemoryStore, memoryPartitionKeyPath } from "../src/memory/cosmos-memory-store";
import { localCosmosClientOptions } from "../src/memory/open-memory-store";

/** A Cosmos DB REST API server in this process, in memory, on loopback. */
export interface LocalCosmos {
    readonly endpoint: string;
    /** The memory container, created empty with per-item TTL on (as the Azure container is). */
    readonly memoryContainer: Container;
    /** The memory store on that container, with the catalog's note limit. */
    readonly memory: CosmosMemoryStore;
    stop(): Promise<void>;
}

/**
 * The local server accepts any key and checks no signature: this placeholder only satisfies the
 * client. In Azure the client authenticates with the managed identity and local auth is off.
 */
export const localServerKey = "local-cosmosdb-server-accepts-any-key";

export const localMemoryDatabase = "agents";
export const localMemoryContainer = "memory";

/** Starts the server (plain HTTP on 127.0.0.1, a port the OS picks) and creates the memory container. */
export async function startLocalCosmos(): Promise<LocalCosmos> {
    const server = createHttpServer();
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new CosmosClient(localCosmosClientOptions(endpoint, localServerKey));
    const stop = async (): Promise<void> => {
        client.dispose();
        await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
        });
    };
    try {
        const { database } = await client.databases.createIfNotExists({ id: localMemoryDatabase });
        const { container } = await database.containers.createIfNotExists({
            id: localMemoryContainer,
            partitionKey: { paths: [memoryPartitionKeyPath] },
            defaultTtl: -1,
        });
        return {
            endpoint,
            memoryContainer: container,
            memory: new CosmosMemoryStore(container, maxNotesPerCaller),
            stop,
        };
    } catch (error) {
        await stop();
        throw error;
    }
}
