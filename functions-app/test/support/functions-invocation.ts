/**
 * Runs one MCP tool invocation through the Functions host's registered handler, in a process of its
 * own (so the app loads with this process's environment, as a worker would), with the trace context
 * the Functions host puts on the invocation. Argument: JSON `{ tool, input, traceContext }`.
 * Prints the tool's text as a JSON line `{"message":"result","text":...}` after whatever the app logs.
 */
import { InvocationContext, McpToolResponse } from "@azure/functions";
import { installFunctionsCoreStandIn } from "./functions-core-stand-in";

interface Request {
    readonly tool: string;
    readonly input: unknown;
    readonly traceContext?: { traceParent?: string; traceState?: string };
}

async function main(): Promise<void> {
    const request = JSON.parse(process.argv[2] ?? "{}") as Request;
    const registrations = installFunctionsCoreStandIn();
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded for its registrations, after the stand-in
    require("../../src/functions/index");
    const registration = registrations.find((r) => r.metadata.name === request.tool);
    if (!registration) throw new Error(`no function ${request.tool}`);
    const context = new InvocationContext({
        functionName: request.tool,
        invocationId: "traced-invocation",
        ...(request.traceContext ? { traceContext: request.traceContext } : {}),
        logHandler: () => undefined,
    });
    const response = await registration.handler(JSON.stringify(request.input), context);
    if (!(response instanceof McpToolResponse)) throw new Error("not an McpToolResponse");
    const first = response.content[0]?.toJSON() as { text?: string } | undefined;
    process.stdout.write(JSON.stringify({ message: "result", text: first?.text }) + "\n");
}

main().catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exit(1);
});
