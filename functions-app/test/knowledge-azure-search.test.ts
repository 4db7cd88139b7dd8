import assert from "node:assert/strict";
import type { AccessToken, TokenCredential } from "@azure/identity";
import { callToolWithin, tools } from "../src/catalog";
import { toolNames } from "../src/contract";
import { DeadlineExceededError, withinDeadline } from "../src/deadline";
import {
    AzureSearchKnowledgeIndex,
    KnowledgeIndexUnavailableError,
} from "../src/knowledge/azure-search-knowledge-index";
import { readKnowledgeEnvironment, type KnowledgeSearchLocation } from "../src/knowledge/environment";
import type { KnowledgeIndex } from "../src/knowledge/knowledge-index";
import { knowledgeIndexDefinition, searchTokenScope } from "../src/knowledge/search-index-definition";
import type { SnippetStore } from "../src/storage/snippet-store";
import { FakeAiSearch, parseFilter } from "./support/fake-ai-search";
import { startHostFromSource, type HostProcess } from "./support/host-process";
import { connectClient } from "./support/mcp-clients";

const managedIdentityToken = "managed-identity-token";

/** A credential that hands out one token and records the scopes asked for. */
class RecordingCredential implements TokenCredential {
    readonly scopes: string[] = [];
    getToken(scopes: string | string[]): Promise<AccessToken> {
        this.scopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
        return Promise.resolve({ token: managedIdentityToken, expiresOnTimestamp: Date.now() + 3_600_000 });
    }
}

const passages = [
    { source: "runbooks/vpn.md", chunk: 0, content: "Reset the VPN password from the portal." },
    { source: "runbooks/vpn.md", chunk: 1, content: "The VPN gateway restarts at night." },
    {
        source: "faq.txt",
        chunk: 0,
        content: "Passwords expire; the portal resets a password and a VPN password.",
    },
    { source: "it's.md", chunk: 0, content: "A source whose name has a quote mentions the password once." },
];

const knowledgeTool = tools.find((t) => t.name === toolNames.knowledgeSearch)!;
const unusedSnippets = {} as SnippetStore;

/** knowledge_search as both hosts run it: role checked, bounded in time. */
const callSearch = (knowledge: KnowledgeIndex, args: Record<string, unknown>, timeoutMs?: number) =>
    callToolWithin(
        knowledgeTool,
        args,
        { snippets: unusedSnippets, knowledge },
        { id: "agent", roles: [knowledgeTool.role] },
        timeoutMs,
    );

describe("knowledge_search on Azure AI Search (against a fake AI Search)", () => {
    let fake: FakeAiSearch;
    let credential: RecordingCredential;
    let location: KnowledgeSearchLocation;
    let index: AzureSearchKnowledgeIndex;

    beforeEach(async () => {
        fake = await FakeAiSearch.start({ tokens: [managedIdentityToken] });
        fake.indexes.set("knowledge", { definition: knowledgeIndexDefinition("knowledge"), docs: new Map() });
        fake.seed(
            "knowledge",
            passages.map((p) => ({ id: `${p.source}#${p.chunk}`, ...p })),
        );
        credential = new RecordingCredential();
        location = { endpoint: fake.url, indexName: "knowledge" };
        index = new AzureSearchKnowledgeIndex(location, credential, 300);
    });
    afterEach(() => fake.close());

    const searchBodies = () =>
        fake.requests
            .filter((r) => r.path.endsWith("/docs/search"))
            .map((r) => JSON.parse(r.body) as Record<string, unknown>);

    it("queries docs/search with the managed identity's token and keeps the service's order", async () => {
        const found = await index.search({ text: "vpn password", top: 3 });
        assert.deepEqual(
            found.map((p) => [p.source, p.score]),
            [
                ["faq.txt", 3],
                ["runbooks/vpn.md", 2],
                ["runbooks/vpn.md", 1],
            ],
        );
        assert.equal(found[0]?.text, passages[2]?.content);
        assert.deepEqual(credential.scopes, [searchTokenScope]);
        const [request] = fake.requests;
        assert.equal(request?.headers.authorization, `Bearer ${managedIdentityToken}`);
        assert.deepEqual(searchBodies()[0], {
            search: "vpn password",
            queryType: "simple",
            searchMode: "any",
            searchFields: "content",
            select: "source,content",
            top: 3,
        });
    });

    it("filters by source with an OData literal: a quote in the source cannot widen the filter", async () => {
        const byQuote = await index.search({ text: "password", source: "it's.md", top: 10 });
        assert.deepEqual(
            byQuote.map((p) => p.source),
            ["it's.md"],
        );
        const injection = "nothing' or source ne 'x";
        assert.deepEqual(await index.search({ text: "password", source: injection, top: 10 }), []);
        assert.equal(searchBodies()[1]?.filter, "source eq 'nothing'' or source ne ''x'");
        // The same value pasted without escaping would have matched every passage.
        const widened = parseFilter(`source eq '${injection}'`);
        assert.ok(passages.every((p) => widened(p)));
    });

    it("sends query syntax as plain words", async () => {
        await index.search({ text: 'vpn -password "portal" (a|b)*', top: 5 });
        assert.equal(searchBodies()[0]?.search, 'vpn \\-password \\"portal\\" \\(a\\|b\\)\\*');
        assert.ok((await index.search({ text: "-password", top: 5 })).length > 0, "'-' does not exclude");
    });

    for (const [status, message] of [
        [403, /refused this service \(403\): its identity needs Search Index Data Reader/],
        [503, /unavailable \(503\); try again later/],
        [404, /'knowledge' does not exist/],
    ] as const) {
        it(`answers a ${status} from the service as a tool error, not a fault`, async () => {
            fake.interrupt(/docs\/search/, { status });
            const outcome = await callSearch(index, { query: "vpn" });
            assert.equal(outcome.isError, true);
            assert.match(outcome.text, message);
            assert.equal((await callSearch(index, { query: "vpn" })).isError, false, "the next call works");
        });
    }

    it("gives up on a service that does not answer within its own bound", async () => {
        fake.interrupt(/docs\/search/, { stall: true });
        const started = Date.now();
        await assert.rejects(
            index.search({ text: "vpn", top: 1 }),
            (error: Error) =>
                error instanceof KnowledgeIndexUnavailableError &&
                /did not answer within 0.3 s/.test(error.message),
        );
        assert.ok(Date.now() - started < 2_000);
    });

    it("honours the caller's deadline: the request is aborted with the deadline's reason", async () => {
        const slow = new AzureSearchKnowledgeIndex(location, credential, 10_000);
        fake.interrupt(/docs\/search/, { stall: true });
        await assert.rejects(
            withinDeadline(100, (signal) => slow.search({ text: "vpn", top: 1 }, { signal })),
            DeadlineExceededError,
        );
        fake.interrupt(/docs\/search/, { stall: true });
        const outcome = await callSearch(slow, { query: "vpn" }, 150);
        assert.deepEqual(
            { isError: outcome.isError, timedOut: outcome.timedOut },
            { isError: true, timedOut: true },
        );
    });

    it("reports a credential that cannot give a token as a tool error", async () => {
        const broken: TokenCredential = {
            getToken: () => Promise.reject(new Error("no managed identity here")),
        };
        const outcome = await callSearch(new AzureSearchKnowledgeIndex(location, broken), { query: "vpn" });
        assert.equal(outcome.isError, true);
        assert.match(
            outcome.text,
            /could not be reached \(no token for AI Search: no managed identity here\)/,
        );
        assert.equal(fake.requests.length, 0);
    });
});

describe("knowledge search settings (KNOWLEDGE_SEARCH_*)", () => {
    const cases: [Record<string, string>, KnowledgeSearchLocation | undefined, RegExp[]][] = [
        [{}, undefined, []],
        [
            { KNOWLEDGE_SEARCH_ENDPOINT: "https://agents.search.windows.net/" },
            { endpoint: "https://agents.search.windows.net", indexName: "knowledge" },
            [],
        ],
        [
            {
                KNOWLEDGE_SEARCH_ENDPOINT: "http://127.0.0.1:9",
                KNOWLEDGE_SEARCH_INDEX: "docs-2",
                KNOWLEDGE_SEARCH_LOCAL_KEY: "k",
            },
            { endpoint: "http://127.0.0.1:9", indexName: "docs-2", localKey: "k" },
            [],
        ],
        [
            {
                KNOWLEDGE_SEARCH_ENDPOINT: "http://agents.search.windows.net",
                KNOWLEDGE_SEARCH_LOCAL_KEY: "k",
            },
            undefined,
            [
                /ENDPOINT: must be https \(http only on loopback\)/,
                /LOCAL_KEY: only for a local stand-in on loopback/,
            ],
        ],
        [{ KNOWLEDGE_SEARCH_ENDPOINT: "agents" }, undefined, [/ENDPOINT: not a URL: agents/]],
        [
            { KNOWLEDGE_SEARCH_ENDPOINT: "https://agents.search.windows.net/indexes/knowledge" },
            undefined,
            [/ENDPOINT: the service's address only/],
        ],
        [
            {
                KNOWLEDGE_SEARCH_ENDPOINT: "https://agents.search.windows.net",
                KNOWLEDGE_SEARCH_INDEX: "Knowledge",
            },
            undefined,
            [/KNOWLEDGE_SEARCH_INDEX: an AI Search index name is 2-128 lower-case/],
        ],
        [
            { KNOWLEDGE_SEARCH_INDEX: "knowledge" },
            undefined,
            [/INDEX: set without KNOWLEDGE_SEARCH_ENDPOINT/],
        ],
    ];
    for (const [env, location, errors] of cases) {
        it(`${JSON.stringify(env)}: ${errors.length === 0 ? "accepted" : "refused, saying why"}`, () => {
            const read = readKnowledgeEnvironment(env);
            assert.deepEqual(read.location, location);
            assert.equal(read.errors.length, errors.length, read.errors.join("; "));
            errors.forEach((e, i) => assert.match(read.errors[i] ?? "", e));
        });
    }
});

describe("Node host: knowledge_search on AI Search (real process, fake AI Search)", () => {
    let fake: FakeAiSearch;
    let host: HostProcess | undefined;
    // knowledge_search touches no snippet storage: none runs.
    const startWith = (env: Record<string, string>) =>
        startHostFromSource({ SNIPPETS_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true", ...env });
    before(async () => {
        fake = await FakeAiSearch.start({ keys: ["local-search-key"] });
        fake.indexes.set("knowledge", { definition: knowledgeIndexDefinition("knowledge"), docs: new Map() });
        fake.seed(
            "knowledge",
            passages.map((p) => ({ id: `${p.source}#${p.chunk}`, ...p })),
        );
    });
    after(async () => {
        await host?.stop();
        await fake.close();
    });

    it("answers from the AI Search index the settings name, and refuses settings naming both sources", async () => {
        host = await startWith({
            KNOWLEDGE_SEARCH_ENDPOINT: fake.url,
            KNOWLEDGE_SEARCH_LOCAL_KEY: "local-search-key",
        });
        const client = await connectClient(host.url, "streamable-http");
        try {
            const result = await client.callTool({
                name: toolNames.knowledgeSearch,
                arguments: { query: "gateway restarts", source: "runbooks/vpn.md" },
            });
            assert.deepEqual(result.structuredContent, {
                passages: [{ source: "runbooks/vpn.md", text: passages[1]?.content, score: 2 }],
            });
        } finally {
            await client.close();
        }
        assert.equal(fake.requests.at(-1)?.headers["api-key"], "local-search-key");
        await assert.rejects(
            startWith({ KNOWLEDGE_SEARCH_ENDPOINT: fake.url, KNOWLEDGE_DIR: "/tmp" }),
            /exited with 2[\s\S]*KNOWLEDGE_DIR and KNOWLEDGE_SEARCH_ENDPOINT: set one, not both/,
        );
    });
});
