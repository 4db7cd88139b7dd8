import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { HttpRequest, InvocationContext, McpToolResponse } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import {
    allAppRoles,
    appRoles,
    backendPaths,
    forwardedRolesHeader,
    snippetContainer,
    toolNames,
} from "../src/contract";
import { tools } from "../src/catalog";
import { silentLogger } from "../src/logger";
import { NodeHost } from "../src/node-host/host";
import { sampleIncidents } from "../src/sentinel";
import { BlobSnippetStore } from "../src/storage/blob-snippet-store";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import {
    installFunctionsCoreStandIn,
    invokeAsWorker,
    type Registration,
} from "./support/functions-core-stand-in";
import { connectClient } from "./support/mcp-clients";

describe("Functions host", function () {
    let registrations: Registration[];
    let storage: LocalStorage;
    let nodeHost: NodeHost;
    let nodeUrl: string;
    let client: Client;

    before(async () => {
        storage = await startAzurite();
        process.env.SNIPPETS_STORAGE_CONNECTION_STRING = storage.connectionString;
        registrations = installFunctionsCoreStandIn();
        // Loaded after the stand-in is in place, as the worker would load the app.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded for its registrations, after the stand-in
        require("../src/functions/index");
        nodeHost = new NodeHost({
            snippets: new BlobSnippetStore({ connectionString: storage.connectionString }),
            logger: silentLogger,
        });
        nodeUrl = await nodeHost.listen(0, "127.0.0.1");
        client = await connectClient(nodeUrl, "streamable-http");
    });

    after(async () => {
        delete process.env.SNIPPETS_STORAGE_CONNECTION_STRING;
        await client?.close();
        await nodeHost?.close(1000);
        await storage?.stop();
    });

    const mcpRegistrations = () => registrations.filter((r) => trigger(r).type === "mcpToolTrigger");
    const trigger = (r: Registration) =>
        Object.values(r.metadata.bindings).find((b) => b.direction === "in")!;

    it("registers exactly the catalog as MCP tool triggers", () => {
        const registered = mcpRegistrations().map((r) => ({
            toolName: trigger(r).toolName,
            description: trigger(r).description,
            properties: JSON.parse(trigger(r).toolProperties as string) as unknown[],
        }));
        const expected = tools.map((t) => ({
            toolName: t.name,
            description: t.description,
            properties: t.arguments.map((a) => ({
                propertyName: a.name,
                propertyType: a.type,
                description: a.description,
                isRequired: a.required,
            })),
        }));
        assert.deepEqual(registered, expected);
    });

    it("registers the Sentinel webhook as an HTTP trigger on /api/ai-agent/webhook", () => {
        const http = registrations.filter((r) => trigger(r).type === "httpTrigger");
        const [webhook] = http;
        assert.ok(webhook && http.length === 1, "one HTTP trigger");
        assert.equal(trigger(webhook).route, "ai-agent/webhook");
        assert.equal("/api/" + String(trigger(webhook).route), backendPaths.sentinelWebhook);
        assert.deepEqual(trigger(webhook).methods, ["POST"]);
        assert.equal(registrations.length, tools.length + 1);
    });

    const handlerFor = (name: string) => {
        const registration = mcpRegistrations().find((r) => trigger(r).toolName === name);
        assert.ok(registration, `tool ${name} registered`);
        return registration.handler;
    };

    /**
     * The trigger input as the Functions MCP extension serializes its ToolInvocationContext: the
     * name as the client sent it, the arguments, and the transport with the HTTP request's headers
     * (header names in the case they arrived with).
     */
    const triggerInput = (
        name: string,
        args: Record<string, unknown>,
        headers: Record<string, string>,
        transport = "http-streamable",
    ) => ({
        name,
        arguments: args,
        sessionid: "session-1",
        transport: { name: transport, properties: { headers } },
    });
    /** What the gateway sends for an agent holding every MCP app role. */
    const allRolesHeaders = {
        "X-Agent-Client-Id": "agent-all-roles",
        "X-Agent-Roles": allAppRoles.join(","),
    };

    /** Invokes the trigger the extension resolved (`handlerName`) with the input it would build. */
    const invoke = async (handlerName: string, input: unknown) => {
        const context = new InvocationContext({
            functionName: handlerName,
            invocationId: "test",
            logHandler: () => undefined,
        });
        const response = await handlerFor(handlerName)(input, context);
        assert.ok(response instanceof McpToolResponse);
        const [content] = response.content;
        assert.ok(content, "the response has content");
        const first = content.toJSON() as { type: string; text: string };
        return { text: first.text, isError: response.isError === true };
    };
    /**
     * The text the host gets back when the worker runs the trigger the extension resolved
     * (`handlerName`) on the extension's trigger value: JSON text, as the host sends it over RPC.
     */
    const viaWorker = async (handlerName: string, input: unknown) => {
        const registration = mcpRegistrations().find((r) => trigger(r).toolName === handlerName)!;
        const returned = await invokeAsWorker(registration, { string: JSON.stringify(input) });
        const result = JSON.parse(returned?.string ?? "null") as { type: string; content: string };
        assert.equal(result.type, "text");
        return (JSON.parse(result.content) as { text: string }).text;
    };
    /** Text and error flag of a Functions tool response, the way both hosts present results. */
    const viaFunctions = (name: string, args: Record<string, unknown>) =>
        invoke(name, JSON.stringify(triggerInput(name, args, allRolesHeaders)));
    const viaNodeHost = async (name: string, args: Record<string, unknown>) => {
        const result = await client.callTool({ name, arguments: args });
        const first = (result.content as { type: string; text: string }[])[0];
        assert.ok(first, "the result has content");
        return { text: first.text, isError: result.isError === true };
    };

    const incident = { ...sampleIncidents[0], alertContext: { ...sampleIncidents[0].alertContext } };
    const cases: [string, string, Record<string, unknown>][] = [
        ["hello", toolNames.hello, {}],
        ["save", toolNames.saveSnippet, { snippetname: "parity", snippet: "same everywhere" }],
        ["get", toolNames.getSnippet, { snippetname: "parity" }],
        ["list", toolNames.listSnippets, { prefix: "parity" }],
        ["get missing", toolNames.getSnippet, { snippetname: "missing" }],
        ["bad name", toolNames.saveSnippet, { snippetname: "../x", snippet: "y" }],
        ["missing args", toolNames.saveSnippet, {}],
        ["incident", toolNames.analyzeIncident, { incident }],
        ["bad incident", toolNames.analyzeIncident, { incident: { incidentId: 5 } }],
    ];
    for (const [label, name, args] of cases) {
        it(`gives the same result as the Node host: ${label}`, async () => {
            const fromFunctions = await viaFunctions(name, args);
            const fromNode = await viaNodeHost(name, args);
            if (name === toolNames.analyzeIncident && !fromNode.isError) {
                // processedAt is the time of the call; everything else must match.
                const strip = (text: string) => ({ ...(JSON.parse(text) as object), processedAt: undefined });
                assert.deepEqual(strip(fromFunctions.text), strip(fromNode.text));
                assert.equal(fromFunctions.isError, fromNode.isError);
            } else {
                assert.deepEqual(fromFunctions, fromNode);
            }
        });
    }

    it("refuses the webhook unless the gateway asserts the incident role", async () => {
        const webhook = registrations.find((r) => trigger(r).type === "httpTrigger")!.handler;
        for (const roles of [
            undefined,
            appRoles.toolsInvoke,
            `${appRoles.toolsInvoke},Incidents.Analyze.All`,
        ]) {
            const request = new HttpRequest({
                method: "POST",
                url: "http://localhost" + backendPaths.sentinelWebhook,
                headers: {
                    "content-type": "application/json",
                    ...(roles === undefined ? {} : { [forwardedRolesHeader]: roles }),
                },
                body: { string: JSON.stringify(sampleIncidents[1]) },
            });
            const answer = (await webhook(request, new InvocationContext())) as {
                status: number;
                jsonBody: { error: string };
            };
            assert.equal(answer.status, 403, String(roles));
            assert.equal(answer.jsonBody.error, "insufficient_scope");
        }
    });

    describe("authorization from the gateway's assertions (through the library's invocation model)", () => {
        const blob = (name: string) =>
            BlobServiceClient.fromConnectionString(storage.connectionString)
                .getContainerClient(snippetContainer)
                .getBlockBlobClient(`${name}.json`);
        const save = (name: string) => ({ snippetname: name, snippet: "x" });
        const invokeOnly = {
            "X-Agent-Client-Id": "agent-invoke-only",
            "X-Agent-Roles": appRoles.toolsInvoke,
        };

        it("refuses a case-variant name the extension resolved to save_snippet", async () => {
            const input = triggerInput("SAVE_SNIPPET", save("case-variant"), invokeOnly);
            assert.equal(await viaWorker(toolNames.saveSnippet, input), "Unknown tool 'SAVE_SNIPPET'.");
            assert.equal(await blob("case-variant").exists(), false);
        });

        it("refuses save_snippet when the gateway asserts only Tools.Invoke", async () => {
            const input = triggerInput(toolNames.saveSnippet, save("invoke-only"), invokeOnly);
            assert.equal(
                await viaWorker(toolNames.saveSnippet, input),
                "Access denied: save_snippet requires the app role Snippets.Write.",
            );
            assert.equal(await blob("invoke-only").exists(), false);
        });

        it("grants no role when the headers are absent (any tool is refused)", async () => {
            const denied = /^Access denied: hello_mcp requires the app role Tools.Invoke/;
            assert.match(await viaWorker(toolNames.hello, triggerInput(toolNames.hello, {}, {})), denied);
            assert.match(await viaWorker(toolNames.hello, { name: toolNames.hello, arguments: {} }), denied);
        });

        it("runs the tool with the asserted role over either transport, saved by the forwarded agent", async () => {
            for (const transport of ["http-streamable", "http-sse"]) {
                const name = `allowed-${transport}`;
                // Header names arrive in whatever case the gateway sent them.
                const headers = {
                    "x-agent-client-id": "agent-writer",
                    "X-AGENT-ROLES": `${appRoles.toolsInvoke}, ${appRoles.snippetsWrite}`,
                };
                const input = triggerInput(toolNames.saveSnippet, save(name), headers, transport);
                assert.equal(
                    await viaWorker(toolNames.saveSnippet, input),
                    `Saved snippet '${name}' (1 bytes).`,
                );
                assert.equal((await blob(name).getProperties()).metadata?.savedby, "agent-writer");
            }
        });
    });

    it("refuses a lone surrogate in an argument like the Node host, naming it, and stores nothing", async () => {
        const refusals: [string, Record<string, unknown>, string][] = [
            [toolNames.saveSnippet, { snippetname: "lone", snippet: "a\ud800" }, "snippet: "],
            [
                toolNames.analyzeIncident,
                { incident: { ...incident, entities: [{ type: "Host", name: "\udfff" }] } },
                "incident: entities[0].name ",
            ],
        ];
        for (const [name, args, where] of refusals) {
            const fromFunctions = await viaFunctions(name, args);
            assert.deepEqual(fromFunctions, {
                isError: true,
                text: `Invalid arguments for ${name}: ${where}must be valid Unicode text (it contains a lone surrogate, such as \\ud800 on its own)`,
            });
            assert.deepEqual(await viaNodeHost(name, args), fromFunctions);
        }
        assert.deepEqual(await viaFunctions(toolNames.getSnippet, { snippetname: "lone" }), {
            isError: true,
            text: "Snippet 'lone' not found.",
        });
    });

    it("answers the webhook like the Node host", async () => {
        const webhook = registrations.find((r) => trigger(r).type === "httpTrigger")!.handler;
        const bodies: [string, string][] = [
            ["application/json", JSON.stringify(sampleIncidents[1])],
            ["application/json", "{not json"],
            ["text/plain", JSON.stringify(sampleIncidents[1])],
            ["application/json", JSON.stringify({ incidentId: "x" })],
        ];
        for (const [contentType, body] of bodies) {
            const request = new HttpRequest({
                method: "POST",
                url: "http://localhost" + backendPaths.sentinelWebhook,
                headers: { "content-type": contentType, [forwardedRolesHeader]: appRoles.incidentsAnalyze },
                body: { string: body },
            });
            const fromFunctions = (await webhook(request, new InvocationContext())) as { status: number };
            const fromNode = await fetch(nodeUrl + backendPaths.sentinelWebhook, {
                method: "POST",
                headers: { "content-type": contentType },
                body,
            });
            assert.equal(fromFunctions.status, fromNode.status, `${contentType} ${body.slice(0, 20)}`);
        }
    });
});
