/**
 * `npm start`: the whole control plane on loopback. Azurite in memory (on free ports it picks), the
 * tool host with auth on (PORT, default 7071), and the local gateway running the stack's rendered
 * policies in front of it (GATEWAY_PORT, default 8080), with the local Entra stand-in. Ctrl-C, or
 * SIGTERM to npm or to this process, stops all of it.
 */
import { defineCommand, runCommand } from "functions-app/cli";
import { checkPortFree, isAddressInUse, portFromEnvironment, portInUse } from "functions-app/ports";
import { onStopRequest } from "functions-app/stop-request";
import { checkStackFlags, stackFlags } from "../../scripts/lib/stack-flags";
import { startBanner } from "./banner";
import type { LocalControlPlane } from "./harness";

const command = defineCommand({
    name: "npm start",
    summary:
        "Runs the whole control plane locally: Azurite in memory, the tool host with auth on, and the local\n" +
        "gateway executing the stack's rendered APIM policies in front of it, with a local Entra stand-in\n" +
        "that issues tokens for the stack's agents. Ctrl-C or SIGTERM stops everything.",
    flags: stackFlags,
    environment: {
        GATEWAY_PORT: "the local gateway's port (default 8080; 0 picks a free one)",
        PORT: "the tool host's port (default 7071; 0 picks a free one)",
        KNOWLEDGE_DIR: "folder of .md/.txt documents loaded into the local knowledge index (default: none)",
    },
    exitCodes: { 1: "could not start (e.g. a port in use: the message says which and how to move it)" },
});

const loopback = "127.0.0.1";

runCommand(command, async (flags) => {
    checkStackFlags(flags.stack, flags["stack-file"]);
    const gatewayPort = portFromEnvironment("GATEWAY_PORT", 8080);
    const hostPort = portFromEnvironment("PORT", 7071);
    // Before seconds of synthesis, not after.
    await checkPortFree(gatewayPort, loopback, "the local gateway", "GATEWAY_PORT", "npm start");
    await checkPortFree(hostPort, loopback, "the tool host", "PORT", "npm start");

    let plane: LocalControlPlane | undefined;
    // Installed before anything starts: a stop during startup exits, and the exit kills the
    // synthesis worker and Azurite with it.
    onStopRequest(async () => {
        await plane?.stop();
    });
    const started = Date.now();
    // Loaded only now, so --help and bad arguments answer at once.
    const [{ startLocalControlPlane }, { jsonLogger }] = await Promise.all([
        import("./harness"),
        import("functions-app/logger"),
    ]);
    try {
        plane = await startLocalControlPlane({
            stack: flags.stack,
            stackFile: flags["stack-file"],
            gatewayPort,
            hostPort,
            logger: jsonLogger(),
            ...(process.env.KNOWLEDGE_DIR ? { knowledgeFolder: process.env.KNOWLEDGE_DIR } : {}),
        });
    } catch (error) {
        // Taken between the check above and the listen.
        if (isAddressInUse(error) && (error.port === gatewayPort || error.port === hostPort))
            throw error.port === gatewayPort
                ? portInUse(gatewayPort, loopback, "the local gateway", "GATEWAY_PORT", "npm start")
                : portInUse(hostPort, loopback, "the tool host", "PORT", "npm start");
        throw error;
    }
    process.stdout.write(startBanner(plane, flags.stack, Date.now() - started));
});
