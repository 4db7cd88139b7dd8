import assert from "node:assert/strict";
import { allAppRoles, appRoles, toolNames } from "../src/contract";
import { knowledgeIndexDefinition, passageDocumentId } from "../src/knowledge/search-index-definition";
import {
    localMemoryContainer,
    localMemoryDatabase,
    localServerKey,
    startLocalCosmos,
    type LocalCosmos,
} from "../scripts/local-cosmos";
import { FakeAiSearch } from "./support/fake-ai-search";
import { InvocationContext, McpToolResponse } from "@azure/functions";
import { invokeAsWorker, loadFunctionsApp, type Registration } from "./support/functions-core-stand-in";

const searchKey = "local-search-key";
const agentA = "aaaaaaaa-0000-0000-0000-00000000000a";
const agentB = "bbbbbbbb-0000-0000-0000-00000000000b";

/** What the worker hands the app: the Functions host reads memory and knowledge from these. */
const settings = (cosmos: LocalCosmos, search: FakeAiSearch): Record<string, string> => ({
    SNIPPETS_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true",
    MEMORY_COSMOS_ENDPOINT: cosmos.endpoint,
    MEMORY_COSMOS_LOCAL_KEY: localServerKey,
    MEMORY_COSMOS_DATABASE: localMemoryDatabase,
    MEMORY_COSMOS_CONTAINER: localMemoryContainer,
    KNOWLEDGE_SEARCH_ENDPOINT: search.url,
    KNOWLEDGE_SEARCH_LOCAL_KEY: searchKey,
});

interface ToolText {
    readonly text: string;
    readonly isError: boolean;
}

/**
 * The Functions host's memory and knowledge tools, invoked through the library's own invocation
 * model as the worker runs them, with memory in a local Cosmos DB server (real client) and
 * knowledge in a fake AI Search. The caller is whoever the gateway's forwarded headers name.
 */
describe("Functions host: memory and knowledge tools (local Cosmos DB, fake AI Search)", function () {
    let cosmos: LocalCosmos;
    let search: FakeAiSearch;
    let registrations: Registration[];
    let env: Record<string, string>;

    before(async () => {
        [cosmos, search] = await Promise.all([startLocalCosmos(), FakeAiSearch.start({ keys: [searchKey] })]);
        search.indexes.set("knowledge", {
            definition: knowledgeIndexDefinition("knowledge"),
            docs: new Map(),
        });
        search.seed(
            "knowledge",
            [
                { source: "runbooks/vpn.md", chunk: 0, content: "Reset the VPN password from the portal." },
                { source: "faq.txt", chunk: 0, content: "Passwords expire every 90 days." },
            ].map((p) => ({ id: passageDocumentId(p.source, p.chunk), ...p })),
        );
        env = settings(cosmos, search);
        Object.assign(process.env, env);
        registrations = loadFunctionsApp(require.resolve("../src/functions/index"));
    });

    after(async () => {
        for (const name of Object.keys(env ?? {})) delete process.env[name];
        await Promise.all([cosmos?.stop(), search?.close()]);
    });

    const registrationOf = (name: string): Registration => {
        const registration = registrations.find((r) =>
            Object.values(r.metadata.bindings).some(
                (b) => b.type === "mcpToolTrigger" && b.toolName === name,
            ),
        );
        assert.ok(registration, `${name} is registered`);
        return registration;
    };
    /** The trigger value the MCP extension builds, with the headers the gateway forwarded. */
    const triggerInput = (
        agent: string,
        name: string,
        args: Record<string, unknown>,
        roles: readonly string[],
    ) => ({
        name,
        arguments: args,
        sessionid: "session-1",
        transport: {
            name: "http-streamable",
            properties: { headers: { "X-Agent-Client-Id": agent, "X-Agent-Roles": roles.join(",") } },
        },
    });

    /** Calls a tool's handler as the gateway forwards `agent` holding `roles`. */
    async function call(
        agent: string,
        name: string,
        args: Record<string, unknown>,
        roles: readonly string[] = allAppRoles,
    ): Promise<ToolText> {
        const context = new InvocationContext({
            functionName: name,
            invocationId: "test",
            logHandler: () => undefined,
        });
        const response = await registrationOf(name).handler(
            JSON.stringify(triggerInput(agent, name, args, roles)),
            context,
        );
        assert.ok(response instanceof McpToolResponse);
        const first = response.content[0]?.toJSON() as { text: string } | undefined;
        return { text: first?.text ?? "", isError: response.isError === true };
    }

    /** The text the host gets back when the worker runs the trigger (the library's invocation model). */
    async function viaWorker(agent: string, name: string, args: Record<string, unknown>): Promise<string> {
        const input = triggerInput(agent, name, args, allAppRoles);
        const returned = await invokeAsWorker(registrationOf(name), { string: JSON.stringify(input) });
        const result = JSON.parse(returned?.string ?? "null") as { content: string };
        return (JSON.parse(result.content) as { text: string }).text;
    }

    it("saves and recalls a note by key and by query (through the worker's invocation model)", async () => {
        assert.equal(
            await viaWorker(agentA, toolNames.memorySave, {
                key: "plan",
                text: "Deploy the billing fix on Tuesday",
            }),
            "Saved note 'plan'.",
        );
        assert.equal(
            await viaWorker(agentA, toolNames.memoryRecall, { key: "plan" }),
            "Deploy the billing fix on Tuesday",
        );
        const byQuery = JSON.parse(await viaWorker(agentA, toolNames.memoryRecall, { query: "billing" })) as {
            notes: { key: string }[];
        };
        assert.deepEqual(
            byQuery.notes.map((n) => n.key),
            ["plan"],
        );
    });

    it("keeps each agent to its own notes: the forwarded caller is the partition", async () => {
        await call(agentB, toolNames.memorySave, { key: "secret", text: "B's launch code is 7781" });
        const aByKey = await call(agentA, toolNames.memoryRecall, { key: "secret" });
        assert.equal(aByKey.isError, true);
        assert.match(aByKey.text, /No note with key 'secret'/);
        const aByQuery = await call(agentA, toolNames.memoryRecall, { query: "launch code 7781" });
        assert.doesNotMatch(aByQuery.text, /7781/);
        assert.equal(
            (await call(agentA, toolNames.memoryForget, { key: "secret" })).text,
            "No note with key 'secret'.",
        );
        const owner = await call(agentA, toolNames.memoryRecall, { key: "secret", owner: agentB });
        assert.match(owner.text, /owner: unknown argument/);
        assert.equal(
            (await call(agentB, toolNames.memoryRecall, { key: "secret" })).text,
            "B's launch code is 7781",
        );
        // The same key is a different note for B: A's plan is not B's.
        assert.equal((await call(agentB, toolNames.memoryRecall, { key: "plan" })).isError, true);
    });

    it("refuses a memory write without Memory.Write, and saves nothing", async () => {
        const denied = await call(agentA, toolNames.memorySave, { key: "denied", text: "t" }, [
            appRoles.toolsInvoke,
            appRoles.memoryRead,
        ]);
        assert.deepEqual(denied, {
            isError: true,
            text: "Access denied: memory_save requires the app role Memory.Write.",
        });
        assert.equal((await call(agentA, toolNames.memoryRecall, { key: "denied" })).isError, true);
    });

    it("searches the AI Search index, filtered by source", async () => {
        const found = await call(agentA, toolNames.knowledgeSearch, {
            query: "passwords",
            source: "faq.txt",
        });
        assert.equal(found.isError, false, found.text);
        assert.deepEqual(JSON.parse(found.text), {
            passages: [{ source: "faq.txt", text: "Passwords expire every 90 days.", score: 1 }],
        });
        const request = search.requests.at(-1);
        assert.equal(request?.headers["api-key"], searchKey);
        assert.equal(
            (JSON.parse(request?.body ?? "{}") as { filter?: string }).filter,
            "source eq 'faq.txt'",
        );
    });

    it("answers a failing AI Search as a tool error", async () => {
        search.interrupt(/docs\/search/, { status: 503 });
        assert.deepEqual(await call(agentA, toolNames.knowledgeSearch, { query: "vpn" }), {
            isError: true,
            text: "The knowledge index is unavailable (503); try again later.",
        });
    });
});
