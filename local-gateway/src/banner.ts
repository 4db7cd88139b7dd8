/**
 * What `npm start` prints once the control plane is up: every address a person or an agent needs,
 * taken from the running plane so it cannot name a URL that is not served.
 */
import type { LocalControlPlane } from "./harness";

export function startBanner(plane: LocalControlPlane, stack: string, startupMs: number): string {
    const { urls, source, frontDoor } = plane;
    const width = Math.max(...source.agents.map((a) => a.name.length));
    const lines = [
        `Agents control plane, local (stack ${stack}; up in ${(startupMs / 1000).toFixed(1)} s)`,
        "",
        "  Gateway (the stack's rendered APIM policies, executed locally)",
        `    MCP (Streamable HTTP)    ${urls.mcp}`,
        `    MCP (legacy SSE)         ${urls.mcpSse}`,
        `    Sentinel webhook         ${urls.sentinelWebhook}`,
        `    Resource metadata        ${urls.protectedResourceMetadata}`,
        ...(frontDoor
            ? [
                  "  OAuth front door (mcpClientAuth: frontDoor; MCP clients sign people in here)",
                  `    Issuer                   ${frontDoor.issuer}`,
                  `    Metadata (RFC 8414)      ${frontDoor.metadataUrl}`,
                  `    Signed-in user (local)   ${frontDoor.signIn.user.name}: ${frontDoor.signIn.user.roles.join(", ")}`,
              ]
            : []),
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
    return lines.join("\n") + "\n";
}
