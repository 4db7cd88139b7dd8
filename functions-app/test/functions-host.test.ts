import assert from "node:assert/strict";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { HttpRequest, InvocationContext, McpToolResponse } from "@azure/functions";
import { backendPaths, toolNames } from "../src/contract";
import { tools } from "../src/catalog";
import { silentLogger } from "../src/logger";
import { NodeHost } from "../src/node-host/host";
import { sampleIncidents } from "../src/sentinel";
import { BlobSnippetStore } from "../src/storage/blob-snippet-store";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import { installFunctionsCoreStandIn, type Registration } from "./support/functions-core-stand-in";
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
        assert.equal(http.length, 1);
        assert.equal(trigger(http[0]).route, "ai-agent/webhook");
        assert.equal("/api/" + String(trigger(http[0]).route), backendPaths.sentinelWebhook);
        assert.deepEqual(trigger(http[0]).methods, ["POST"]);
        assert.equal(registrations.length, tools.length + 1);
    });

    const handlerFor = (name: string) => {
        const registration = mcpRegistrations().find((r) => trigger(r).toolName === name);
        assert.ok(registration, `tool ${name} registered`);
        return registration.handler;
    };

    /** Text and error flag of a Functions tool response, the way both hosts present results. */
    const viaFunctions = async (name: string, args: Record<string, unknown>) => {
        const context = new InvocationContext({
            functionName: name,
            invocationId: "test",
            logHandler: () => undefined,
        });
        const response = await handlerFor(name)(JSON.stringify({ name, arguments: args }), context);
        assert.ok(response instanceof McpToolResponse);
        const first = response.content[0].toJSON() as { type: string; text: string };
        return { text: first.text, isError: response.isError === true };
    };
    const viaNodeHost = async (name: string, args: Record<string, unknown>) => {
        const result = await client.callTool({ name, arguments: args });
        const first = (result.content as { type: string; text: string }[])[0];
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
                headers: { "content-type": contentType },
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
