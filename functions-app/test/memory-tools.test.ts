import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
    appRoles,
    backendPaths,
    forwardedCallerHeader,
    forwardedRolesHeader,
    gatewayRole,
    toolNames,
} from "../src/contract";
import { maxNoteBytes } from "../src/catalog/memory";
import { CosmosMemoryStore } from "../src/memory/cosmos-memory-store";
import {
    localMemoryContainer,
    localMemoryDatabase,
    localServerKey,
    startLocalCosmos,
    type LocalCosmos,
} from "../scripts/local-cosmos";
import type { HostProcess } from "./support/host-process";
import { startHostFromSource } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { startTokenIssuer, type TokenIssuer } from "./support/token-issuer";

const audience = "11111111-2222-3333-4444-555555555555";
const gatewayApp = "99999999-0000-0000-0000-000000000009";
const agentA = "aaaaaaaa-0000-0000-0000-00000000000a";
const agentB = "bbbbbbbb-0000-0000-0000-00000000000b";
const memoryRoles = [
    appRoles.toolsInvoke,
    appRoles.memoryRead,
    appRoles.memoryWrite,
    appRoles.knowledgeSearch,
];

interface ToolResult {
    readonly isError?: boolean;
    readonly content: { readonly text: string }[];
    readonly structuredContent?: Record<string, unknown>;
}

interface RecalledNote {
    readonly key: string;
    readonly text: string;
    readonly tags: string[];
    readonly score: number;
}

/**
 * The memory and knowledge tools on the Node host (a real process) with memory in a local Cosmos
 * DB REST server through the real client, called as the gateway calls it: its token, and the
 * caller it validated in the forwarded header. Two agents share the host; neither may ever reach
 * the other's notes.
 */
describe("Node host: memory and knowledge tools (real process, local Cosmos DB server)", function () {
    let issuer: TokenIssuer;
    let cosmos: LocalCosmos;
    let host: HostProcess;
    let stopHost: () => Promise<number | null>;
    let knowledgeDir: string;

    before(async () => {
        knowledgeDir = await mkdtemp(path.join(tmpdir(), "knowledge-"));
        await mkdir(path.join(knowledgeDir, "runbooks"));
        await writeFile(
            path.join(knowledgeDir, "runbooks", "vpn.md"),
            "# VPN\n\nTo reset a VPN password, open the portal and choose Reset VPN password.\n\n" +
                "The VPN gateway restarts every night at two.\n",
        );
        await writeFile(
            path.join(knowledgeDir, "faq.txt"),
            "Printers are on the third floor.\n\nPasswords expire every 90 days; the portal reminds you.\n",
        );
        await writeFile(path.join(knowledgeDir, "image.bin"), "VPN password in a file that is not loaded");
        issuer = await startTokenIssuer();
        cosmos = await startLocalCosmos();
        const started = await startHostOnAzurite(() => ({
            AUTH_ISSUER: issuer.issuer,
            AUTH_AUDIENCE: audience,
            AUTH_JWKS_URI: issuer.jwksUri,
            MEMORY_COSMOS_ENDPOINT: cosmos.endpoint,
            MEMORY_COSMOS_LOCAL_KEY: localServerKey,
            MEMORY_COSMOS_DATABASE: localMemoryDatabase,
            MEMORY_COSMOS_CONTAINER: localMemoryContainer,
            KNOWLEDGE_DIR: knowledgeDir,
        }));
        host = started.host;
        stopHost = () => started.stop();
    });

    after(async () => {
        await Promise.all([stopHost?.(), issuer?.close()]);
        await cosmos?.stop();
        await rm(knowledgeDir, { recursive: true, force: true });
    });

    let nextId = 1;
    let gatewayToken: string | undefined;
    /** Posts a tool call as the gateway does for `agent` holding `roles`. */
    async function postAs(
        agent: string,
        name: string,
        args: Record<string, unknown>,
        roles: readonly string[],
    ): Promise<Response> {
        const token = (gatewayToken ??= await issuer.sign({
            aud: audience,
            azp: gatewayApp,
            roles: [gatewayRole],
        }));
        return fetch(host.url + backendPaths.mcpStreamable, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                accept: "application/json, text/event-stream",
                authorization: `Bearer ${token}`,
                [forwardedCallerHeader]: agent,
                [forwardedRolesHeader]: roles.join(","),
            },
            body: JSON.stringify({
                jsonrpc: "2.0",
                id: nextId++,
                method: "tools/call",
                params: { name, arguments: args },
            }),
        });
    }
    /** Calls a tool as the gateway does for `agent` holding `roles`; the tool's result. */
    async function callAs(
        agent: string,
        name: string,
        args: Record<string, unknown>,
        roles: readonly string[] = memoryRoles,
    ): Promise<ToolResult> {
        const res = await postAs(agent, name, args, roles);
        assert.equal(res.status, 200, await res.clone().text());
        const body = (await res.json()) as { result?: ToolResult; error?: unknown };
        assert.ok(body.result, `a tool result, got ${JSON.stringify(body)}`);
        return body.result;
    }
    const textOf = (result: ToolResult) => result.content.map((c) => c.text).join("");
    const save = (agent: string, key: string, text: string, extra: Record<string, unknown> = {}) =>
        callAs(agent, toolNames.memorySave, { key, text, ...extra });
    const recallKey = (agent: string, key: string) => callAs(agent, toolNames.memoryRecall, { key });
    const recallQuery = async (agent: string, query: string, top?: number) => {
        const result = await callAs(agent, toolNames.memoryRecall, { query, ...(top ? { top } : {}) });
        assert.equal(result.isError, undefined, textOf(result));
        return (result.structuredContent as { notes: RecalledNote[] }).notes;
    };

    describe("memory for one agent", () => {
        it("saves, recalls by key, replaces, and forgets a note", async () => {
            const saved = await save(agentA, "deploy plan", "Roll out on Tuesday", { tags: "ops,plan" });
            assert.equal(saved.isError, undefined, textOf(saved));
            const recalled = await recallKey(agentA, "deploy plan");
            assert.equal(textOf(recalled), "Roll out on Tuesday");
            assert.deepEqual((recalled.structuredContent as { tags: string[] }).tags, ["ops", "plan"]);

            await save(agentA, "deploy plan", "Roll out on Thursday");
            assert.equal(textOf(await recallKey(agentA, "deploy plan")), "Roll out on Thursday");

            const forgotten = await callAs(agentA, toolNames.memoryForget, { key: "deploy plan" });
            assert.deepEqual(forgotten.structuredContent, { key: "deploy plan", forgotten: true });
            const gone = await recallKey(agentA, "deploy plan");
            assert.equal(gone.isError, true);
            assert.match(textOf(gone), /No note with key 'deploy plan'/);
            const again = await callAs(agentA, toolNames.memoryForget, { key: "deploy plan" });
            assert.deepEqual(again.structuredContent, { key: "deploy plan", forgotten: false });
        });

        it("recalls by query, best match first, at most top", async () => {
            await save(agentA, "q-cats", "Cats sleep most of the day.");
            await save(agentA, "q-billing", "The billing database fails over to the secondary region.");
            await save(
                agentA,
                "q-billing-2",
                "Billing invoices go out on the first; billing support is on call.",
            );
            const notes = await recallQuery(agentA, "billing invoices");
            assert.deepEqual(
                notes.map((n) => n.key),
                ["q-billing-2", "q-billing"],
                "the note with both words ranks first; the cat note does not match",
            );
            const [best, next] = notes;
            assert.ok(best && next && best.score > next.score);
            assert.equal((await recallQuery(agentA, "billing", 1)).length, 1);
            assert.deepEqual(await recallQuery(agentA, "zebra"), []);
        });

        it("finds a note by its tags", async () => {
            await save(agentA, "tagged", "Something unrelated", { tags: "incident-42" });
            const notes = await recallQuery(agentA, "incident-42");
            assert.ok(notes.some((n) => n.key === "tagged"));
        });

        it("never returns a note after its time to live, by key or by query", async () => {
            await save(agentA, "short-lived", "ephemeral reminder", { ttlSeconds: 1 });
            assert.equal(textOf(await recallKey(agentA, "short-lived")), "ephemeral reminder");
            await new Promise((resolve) => setTimeout(resolve, 1_100));
            const gone = await recallKey(agentA, "short-lived");
            assert.equal(gone.isError, true, "expired by key");
            assert.deepEqual(await recallQuery(agentA, "ephemeral"), [], "expired by query");
            const forget = await callAs(agentA, toolNames.memoryForget, { key: "short-lived" });
            assert.deepEqual(forget.structuredContent, { key: "short-lived", forgotten: false });
        });
    });

    describe("isolation between agents", () => {
        const secretOfB = "B's launch code is 7781";
        const crafted = [
            "../shared",
            `../${agentB}/shared`,
            `${agentB}/shared`,
            agentB,
            `/owner/${agentB}`,
            "shared/..",
            "SHARED",
            "shared ",
            "shared\u200b",
            "ｓｈａｒｅｄ",
            "%2e%2e%2fshared",
            "shared' OR c.owner != '",
            'shared" OR 1=1 --',
        ];

        before(async () => {
            assert.equal((await save(agentB, "shared", secretOfB, { tags: "launch" })).isError, undefined);
            assert.equal(
                (await save(agentB, agentA, "B's note under a key that is A's id")).isError,
                undefined,
            );
            assert.equal((await save(agentA, "shared", "A's own note")).isError, undefined);
        });

        it("the same key names a different note for each agent", async () => {
            assert.equal(textOf(await recallKey(agentA, "shared")), "A's own note");
            assert.equal(textOf(await recallKey(agentB, "shared")), secretOfB);
        });

        it("A cannot recall B's notes by query, whatever the words", async () => {
            for (const query of ["launch code 7781", "launch", secretOfB, agentB, "*", "B's"]) {
                const notes = await recallQuery(agentA, query);
                assert.ok(
                    notes.every((n) => !n.text.startsWith("B's")),
                    `query '${query}' returned ${JSON.stringify(notes)}`,
                );
            }
        });

        it("A cannot read B's notes with crafted keys", async () => {
            for (const key of [...crafted, agentA]) {
                const result = await recallKey(agentA, key);
                assert.equal(result.isError, true, `key ${JSON.stringify(key)}: ${textOf(result)}`);
                assert.doesNotMatch(textOf(result), /7781|B's/);
            }
        });

        it("A cannot forget B's notes, with the same key or crafted ones", async () => {
            for (const key of [...crafted, agentA]) {
                const result = await callAs(agentA, toolNames.memoryForget, { key });
                assert.deepEqual(result.structuredContent, { key, forgotten: false }, JSON.stringify(key));
            }
            assert.equal(
                (await callAs(agentA, toolNames.memoryForget, { key: "shared" })).isError,
                undefined,
            );
            assert.equal(textOf(await recallKey(agentB, "shared")), secretOfB, "B's note survives");
            assert.match(textOf(await recallKey(agentB, agentA)), /B's note/);
        });

        it("A cannot overwrite B's note by saving under B's key", async () => {
            await save(agentA, "shared", "A writes again");
            assert.equal(textOf(await recallKey(agentB, "shared")), secretOfB);
        });

        it("no argument names a partition: an owner argument is refused", async () => {
            for (const tool of [toolNames.memorySave, toolNames.memoryRecall, toolNames.memoryForget]) {
                const result = await callAs(agentA, tool, { key: "shared", text: "x", owner: agentB });
                assert.equal(result.isError, true);
                assert.match(textOf(result), /owner: unknown argument/);
            }
        });
    });

    describe("roles and bad input", () => {
        it("refuses the memory tools without their roles", async () => {
            const readOnly = [appRoles.toolsInvoke, appRoles.memoryRead];
            const denied = await postAs(agentA, toolNames.memorySave, { key: "denied", text: "t" }, readOnly);
            assert.equal(denied.status, 403);
            assert.match(await denied.text(), /requires the app role Memory\.Write/);
            assert.equal((await recallKey(agentA, "denied")).isError, true, "nothing was saved");
        });

        const badCalls: [string, Record<string, unknown>, RegExp][] = [
            [toolNames.memorySave, { key: "", text: "t" }, /key: must be 1-256 bytes/],
            [
                toolNames.memorySave,
                { key: "a\nb", text: "t" },
                /key: must be 1-256 bytes of text without control/,
            ],
            [toolNames.memorySave, { key: "k".repeat(257), text: "t" }, /key: must be at most 256 bytes/],
            [
                toolNames.memorySave,
                { key: "k", text: "é".repeat(maxNoteBytes / 2 + 1) },
                /text: must be at most 8192 bytes/,
            ],
            [toolNames.memorySave, { key: "k", text: "t", ttlSeconds: 0 }, /ttlSeconds: must be at least 1/],
            [
                toolNames.memorySave,
                { key: "k", text: "t", ttlSeconds: 1.5 },
                /ttlSeconds: must be an integer/,
            ],
            [
                toolNames.memorySave,
                { key: "k", text: "t", tags: "a,,b" },
                /tags: must be 1-10 comma-separated/,
            ],
            [
                toolNames.memorySave,
                { key: "k", text: "t", tags: "a,b,c,d,e,f,g,h,i,j,k" },
                /tags: must be 1-10/,
            ],
            [toolNames.memorySave, { key: "k", text: "\ud800" }, /text: must be valid Unicode/],
            [toolNames.memoryRecall, {}, /exactly one of key and query/],
            [toolNames.memoryRecall, { key: "k", query: "q" }, /exactly one of key and query/],
            [toolNames.memoryRecall, { query: "   " }, /query: must be text with at least one non-space/],
            [toolNames.memoryRecall, { query: "q", top: 21 }, /top: must be at most 20/],
            [toolNames.memoryRecall, { key: "k", top: 2 }, /top applies to a query/],
            [
                toolNames.knowledgeSearch,
                { query: "vpn", source: "../etc/passwd" },
                /source: must be a document path/,
            ],
            [
                toolNames.knowledgeSearch,
                { query: "vpn", source: "runbooks/./vpn.md" },
                /source: must be a document path/,
            ],
            [toolNames.knowledgeSearch, { query: "vpn", top: 0 }, /top: must be at least 1/],
        ];
        for (const [tool, args, message] of badCalls) {
            it(`${tool} ${JSON.stringify(args).slice(0, 60)}: a tool error that says why`, async () => {
                const result = await callAs(agentA, tool, args);
                assert.equal(result.isError, true);
                assert.match(textOf(result), message);
            });
        }

        it("a bad save stores nothing", async () => {
            await save(agentA, "kept", "first");
            await save(agentA, "kept", "second", { ttlSeconds: -5 });
            assert.equal(textOf(await recallKey(agentA, "kept")), "first");
        });
    });

    describe("knowledge_search over the loaded folder", () => {
        type Passage = { source: string; text: string; score: number };
        const search = async (args: Record<string, unknown>) => {
            const result = await callAs(agentB, toolNames.knowledgeSearch, args);
            assert.equal(result.isError, undefined, textOf(result));
            return (result.structuredContent as { passages: Passage[] }).passages;
        };

        it("ranks the passage that matches the query best first", async () => {
            const passages = await search({ query: "reset vpn password" });
            assert.equal(passages[0]?.source, "runbooks/vpn.md");
            assert.match(passages[0]?.text ?? "", /reset a VPN password/);
            assert.ok(passages.every((p, i) => i === 0 || p.score <= (passages[i - 1]?.score ?? 0)));
            assert.ok(
                passages.some((p) => p.source === "faq.txt"),
                "the FAQ's password passage matches too",
            );
            assert.ok(
                passages.every((p) => p.source !== "image.bin"),
                "only .md and .txt are loaded",
            );
        });

        it("filters by source", async () => {
            const passages = await search({ query: "password", source: "faq.txt" });
            assert.ok(passages.length > 0);
            assert.ok(passages.every((p) => p.source === "faq.txt"));
            assert.deepEqual(await search({ query: "password", source: "runbooks/none.md" }), []);
        });

        it("honours top and answers nothing for unknown words", async () => {
            assert.equal((await search({ query: "password vpn portal", top: 1 })).length, 1);
            assert.deepEqual(await search({ query: "zeppelin" }), []);
        });
    });

    describe("settings", () => {
        const startWith = (env: Record<string, string>) =>
            startHostFromSource({ SNIPPETS_STORAGE_CONNECTION_STRING: "UseDevelopmentStorage=true", ...env });

        it("refuses a Cosmos DB key or plain http for anything but a loopback server", async () => {
            await assert.rejects(
                startWith({
                    MEMORY_COSMOS_ENDPOINT: "http://agents.documents.azure.com/",
                    MEMORY_COSMOS_LOCAL_KEY: localServerKey,
                }),
                /exited with 2[\s\S]*MEMORY_COSMOS_ENDPOINT: must be https \(http only on loopback\)[\s\S]*MEMORY_COSMOS_LOCAL_KEY: only for a local server on loopback/,
            );
        });

        it("refuses a knowledge folder that does not exist", async () => {
            await assert.rejects(
                startWith({ KNOWLEDGE_DIR: path.join(knowledgeDir, "missing") }),
                /exited with 2[\s\S]*KNOWLEDGE_DIR: .*ENOENT/,
            );
        });
    });

    describe("the store's note limit (local server, direct)", () => {
        it("refuses a new key at the limit, still replaces an existing one", async () => {
            const store = new CosmosMemoryStore(cosmos.memoryContainer, 2);
            const note = (key: string, text: string) => ({
                key,
                text,
                tags: [],
                savedAt: new Date().toISOString(),
            });
            const owner = "limit-owner";
            assert.equal(await store.save(owner, note("one", "1")), true);
            assert.equal(await store.save(owner, note("two", "2")), true);
            assert.equal(await store.save(owner, note("three", "3")), false);
            assert.equal(await store.save(owner, note("two", "2b")), true);
            assert.equal((await store.get(owner, "two"))?.text, "2b");
            assert.equal(await store.get(owner, "three"), undefined);
            assert.equal(await store.save("another-owner", note("three", "3")), true, "limits are per owner");
        });
    });
});
