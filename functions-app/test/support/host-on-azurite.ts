import { startAzurite, type LocalStorage } from "../../scripts/azurite";
import { startHostFromSource, type HostProcess } from "./host-process";

/** The Node host from source on its own in-memory Azurite, as most host tests run it. */
export interface HostOnAzurite {
    readonly storage: LocalStorage;
    readonly host: HostProcess;
    /** Stops the host (SIGTERM, waits), then Azurite; resolves with the host's exit code (0 = graceful). */
    readonly stop: () => Promise<number | null>;
}

/**
 * Starts Azurite on ports the OS picks, then the host on loopback with its snippets there. `env`
 * adds settings; it is given the storage so a setting can point at it.
 */
export async function startHostOnAzurite(
    env: (storage: LocalStorage) => Record<string, string> = () => ({}),
): Promise<HostOnAzurite> {
    const storage = await startAzurite();
    let host: HostProcess;
    try {
        host = await startHostFromSource({
            SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString,
            ...env(storage),
        });
    } catch (error) {
        await storage.stop();
        throw error;
    }
    return {
        storage,
        host,
        stop: async () => {
            try {
                return await host.stop();
            } finally {
                await storage.stop();
            }
        },
    };
}
