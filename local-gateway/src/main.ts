/**
 * `npm start [-- --stack <name>]`: the whole control plane on loopback. Azurite in memory, the tool
 * host with auth on (PORT, default 7071), and the local gateway running the stack's rendered
 * policies in front of it (GATEWAY_PORT, default 8080), with the local Entra stand-in. Ctrl-C stops
 * everything.
 */
import { parseArgs } from "node:util";
import { jsonLogger } from "../../functions-app/src/logger";
import { startLocalControlPlane } from "./harness";

function port(name: string, fallback: number): number {
    const raw = process.env[name]?.trim();
    if (!raw) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new Error(`${name}: must be a port number (0-65535), got ${raw}`);
    return n;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: { stack: { type: "string", default: "dev" }, "stack-file": { type: "string" } },
    });
    const stack = values.stack ?? "dev";
    const started = Date.now();
    const plane = await startLocalControlPlane({
        stack,
        stackFile: values["stack-file"],
        gatewayPort: port("GATEWAY_PORT", 8080),
        hostPort: port("PORT", 7071),
        logger: jsonLogger(),
    });
    const { urls, source } = plane;
    const width = Math.max(...source.agents.map((a) => a.name.length));
    const lines = [
        `Agents control plane, local (stack ${stack}; up in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
        "",
        "  Gateway (the stack's rendered APIM policies, executed locally)",
        `    MCP (Streamable HTTP)    ${urls.mcp}`,
        `    MCP (legacy SSE)         ${urls.mcpSse}`,
        `    Sentinel webhook         ${urls.sentinelWebhook}`,
        `    Resource metadata        ${urls.protectedResourceMetadata}`,
        `  Tool host (auth on; trusts only the gateway's identity)  ${plane.hostUrl}`,
        `  Storage (Azurite, in memory)                              ${plane.storage.blobUrl}`,
        "",
        "  Tokens (LOCAL ONLY: a stand-in for Entra ID with keys that live in this process):",
        `    npm run token -- --agent <name>`,
        `    curl -s -X POST ${urls.token} \\`,
        `      -d grant_type=client_credentials -d client_id=<name> -d scope=api://${source.mcpAppClientId}/.default`,
        "  Agents of the stack file:",
        ...source.agents.map((a) => `    ${a.name.padEnd(width)}  ${a.roles.join(", ")}`),
        "",
        `  Try: npm run smoke -- ${urls.gateway} --layout gateway --agent ${source.agents[0]?.name ?? "<name>"}`,
        "  Ctrl-C to stop.",
        "",
    ];
    process.stdout.write(lines.join("\n") + "\n");

    let stopping = false;
    const stop = async () => {
        if (stopping) return;
        stopping = true;
        await plane.stop();
        process.exit(0);
    };
    process.on("SIGINT", () => void stop());
    process.on("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
