import { backendPaths } from "../src/contract";
import { jsonLogger } from "../src/logger";
import { NodeHost } from "../src/node-host/host";
import { BlobSnippetStore } from "../src/storage/blob-snippet-store";
import { startAzurite } from "./azurite";

/**
 * `npm start`: the tool service on its embedded defaults. Azurite in memory on loopback, the Node
 * host on PORT (7071), auth off. Ctrl-C stops both.
 */
async function main(): Promise<void> {
    const port = Number(process.env.PORT ?? 7071);
    const storage = await startAzurite();
    const host = new NodeHost({
        snippets: new BlobSnippetStore({ connectionString: storage.connectionString }),
        logger: jsonLogger(),
        allowedOrigins: (process.env.ALLOWED_ORIGINS ?? "").split(",").filter(Boolean),
    });
    let url: string;
    try {
        url = await host.listen(port, "127.0.0.1");
    } catch (error) {
        await storage.stop();
        throw error;
    }
    const lines = [
        "Agents control plane: MCP tool service (local)",
        "",
        `  MCP (Streamable HTTP)   ${url}${backendPaths.mcpStreamable}`,
        `  MCP (legacy SSE)        ${url}${backendPaths.mcpSse}`,
        `  Sentinel webhook        ${url}${backendPaths.sentinelWebhook}`,
        `  Health / readiness      ${url}${backendPaths.liveness}  ${url}${backendPaths.readiness}`,
        `  Storage (Azurite)       ${storage.blobUrl} (in memory; data is gone when this stops)`,
        "",
        "  Auth is OFF locally: every caller is trusted. In Azure the gateway validates Entra tokens.",
        `  Try: npm run smoke -- ${url}`,
        "  Ctrl-C to stop.",
        "",
    ];
    process.stdout.write(lines.join("\n") + "\n");

    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        await host.close(2000);
        await storage.stop();
        process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
