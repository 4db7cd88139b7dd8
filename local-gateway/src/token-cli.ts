/**
 * `npm run token -- --agent <name> [--gateway <url>]`: prints an access token for an agent of the
 * stack file, issued by the running local gateway's Entra stand-in (`npm start`). Local only.
 */
import { parseArgs } from "node:util";
import { localAgentToken } from "../../functions-app/scripts/smoke";

async function main(): Promise<void> {
    const { values } = parseArgs({ options: { agent: { type: "string" }, gateway: { type: "string" } } });
    if (!values.agent)
        throw new Error("usage: npm run token -- --agent <name from the stack file> [--gateway <url>]");
    const gateway = (values.gateway ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 8080}`).replace(
        /\/+$/,
        "",
    );
    process.stdout.write((await localAgentToken(gateway, values.agent)) + "\n");
}

main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
