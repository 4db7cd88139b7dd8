import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/** A blob endpoint that takes every request and never answers: storage that hangs. */
export interface StalledStorage {
    /** Connection string for the tool service (the emulator's public development account). */
    readonly connectionString: string;
    /** Requests that arrived and are still held. */
    readonly held: () => number;
    stop(): Promise<void>;
}

const account = "devstoreaccount1";
const accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export async function startStalledStorage(): Promise<StalledStorage> {
    const held = new Set<IncomingMessage>();
    const server = createServer((req) => {
        held.add(req);
        req.once("close", () => held.delete(req));
        req.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        connectionString:
            `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accountKey};` +
            `BlobEndpoint=http://127.0.0.1:${port}/${account};`,
        held: () => held.size,
        stop: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}
