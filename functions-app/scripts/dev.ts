import type { NodeHost } from "../src/node-host/host";
import type { LocalStorage } from "./azurite";
import type { LocalCosmos } from "./local-cosmos";
import { defineCommand, runCommand } from "./cli";
import { checkPortFree, isAddressInUse, portFromEnvironment, portInUse } from "./ports";
import { onStopRequest } from "./stop-request";

/**
 * `npm run -w functions-app dev`: the tool service alone on its embedded defaults. Azurite in
 * memory on loopback, the Node host on PORT (7071), auth off. Ctrl-C or SIGTERM stops both.
 */
const command = defineCommand({
    name: "npm run -w functions-app dev",
    summary:
        "Runs the MCP tool service alone: Azurite in memory and the Node host with auth OFF (every caller\n" +
        "is trusted), for developing tools. npm start runs it behind the local gateway with auth on.",
    flags: {},
    environment: {
        PORT: "the host's port (default 7071; 0 picks a free one)",
        ALLOWED_ORIGINS: "comma list of browser origins allowed (default: loopback only)",
        KNOWLEDGE_DIR: "folder of .md/.txt documents loaded into the local knowledge index (default: none)",
    },
    exitCodes: { 1: "could not start (e.g. the port in use: the message says how to move it)" },
});

const loopback = "127.0.0.1";

runCommand(command, async () => {
    const port = portFromEnvironment("PORT", 7071);
    await checkPortFree(port, loopback, "the tool host", "PORT", command.name);
    // Declared before the stop handler and assigned once started, so a stop during startup sees them.
    // eslint-disable-next-line prefer-const -- read by the stop handler before the assignment below
    let storage: LocalStorage | undefined;
    // eslint-disable-next-line prefer-const -- read by the stop handler before the assignment below
    let cosmos: LocalCosmos | undefined;
    // eslint-disable-next-line prefer-const -- read by the stop handler before the assignment below
    let host: NodeHost | undefined;
    onStopRequest(async () => {
        await host?.close(2000);
        await cosmos?.stop();
        await storage?.stop();
    });
    // Loaded only now, so --help and bad arguments answer at once.
    const [
        { backendPaths },
        { jsonLogger },
        { NodeHost },
        { BlobSnippetStore },
        { startAzurite },
        { startLocalCosmos },
        { loadLocalKnowledge },
    ] = await Promise.all([
        import("../src/contract"),
        import("../src/logger"),
        import("../src/node-host/host"),
        import("../src/storage/blob-snippet-store"),
        import("./azurite"),
        import("./local-cosmos"),
        import("../src/knowledge/local-index"),
    ]);
    const knowledge = await loadLocalKnowledge(process.env.KNOWLEDGE_DIR || undefined);
    storage = await startAzurite();
    cosmos = await startLocalCosmos();
    host = new NodeHost({
        snippets: new BlobSnippetStore({ connectionString: storage.connectionString }),
        memory: cosmos.memory,
        knowledge: knowledge.index,
        logger: jsonLogger(),
        allowedOrigins: (process.env.ALLOWED_ORIGINS ?? "").split(",").filter(Boolean),
    });
    let url: string;
    try {
        url = await host.listen(port, loopback);
    } catch (error) {
        await cosmos.stop();
        await storage.stop();
        throw isAddressInUse(error)
            ? portInUse(port, loopback, "the tool host", "PORT", command.name)
            : error;
    }
    const lines = [
        "Agents control plane: MCP tool service (local)",
        "",
        `  MCP (Streamable HTTP)   ${url}${backendPaths.mcpStreamable}`,
        `  MCP (legacy SSE)        ${url}${backendPaths.mcpSse}`,
        `  Sentinel webhook        ${url}${backendPaths.sentinelWebhook}`,
        `  Health / readiness      ${url}${backendPaths.liveness}  ${url}${backendPaths.readiness}`,
        `  Storage (Azurite)       ${storage.blobUrl} (in memory; data is gone when this stops)`,
        `  Memory (Cosmos DB API)  ${cosmos.endpoint} (in memory)`,
        `  Knowledge               ${knowledge.passages} passages from ${process.env.KNOWLEDGE_DIR || "no folder (KNOWLEDGE_DIR)"}`,
        "",
        "  Auth is OFF locally: every caller is trusted. In Azure the gateway validates Entra tokens.",
        `  Try: npm run smoke -- ${url}`,
        "  Ctrl-C to stop.",
        "",
    ];
    process.stdout.write(lines.join("\n") + "\n");
});
