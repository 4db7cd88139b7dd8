/**
 * `npm run token -- --agent <name>`: prints an access token for an agent of the stack file, issued
 * by the running local gateway's Entra stand-in (`npm start`). Local only.
 */
import { UsageError, defineCommand, runCommand } from "functions-app/cli";
import { portFromEnvironment } from "functions-app/ports";

const command = defineCommand({
    name: "npm run token",
    summary:
        "Prints an access token for an agent of the stack file, issued by the local Entra stand-in of a\n" +
        "running `npm start` (LOCAL ONLY: its keys live in that process). Use it as a bearer token.",
    flags: {
        agent: {
            type: "string",
            value: "<name>",
            description: "the agent (its name in the stack file, or its client id); required",
        },
        gateway: {
            type: "string",
            value: "<url>",
            description: "the local gateway (default: http://127.0.0.1:$GATEWAY_PORT, port 8080)",
        },
    },
    environment: { GATEWAY_PORT: "port of the local gateway when --gateway is not given (default 8080)" },
    exitCodes: { 1: "no token (the gateway is not running, or it does not know the agent)" },
});

runCommand(command, async (flags) => {
    if (flags.agent === undefined) throw new UsageError("--agent <name> is required");
    let gateway = flags.gateway ?? `http://127.0.0.1:${portFromEnvironment("GATEWAY_PORT", 8080)}`;
    try {
        gateway = new URL(gateway).origin;
    } catch {
        throw new UsageError(`--gateway ${gateway}: not a URL`);
    }
    const { localAgentToken } = await import("functions-app/smoke");
    let token: string;
    try {
        token = await localAgentToken(gateway, flags.agent);
    } catch (error) {
        // fetch says only "fetch failed" when nothing listens.
        if (error instanceof TypeError)
            throw new Error(`no local gateway answers at ${gateway}; start one with npm start`);
        throw error;
    }
    process.stdout.write(token + "\n");
});
