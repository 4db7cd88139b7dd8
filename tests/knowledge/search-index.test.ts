import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as path from "node:path";
import {
    knowledgeIndexDefinition,
    searchApiVersion,
    type SearchIndexDefinition,
} from "functions-app/knowledge/search-index-definition";
import { FakeAiSearch } from "functions-app/test-support/fake-ai-search";
import {
    deleteSearchIndex,
    putSearchIndex,
    SearchIndexError,
} from "../../components/knowledge/search-index-client";
import {
    searchIndexDiff,
    searchIndexProvider,
    type SearchIndexOutputs,
} from "../../components/knowledge/search-index";
import { asSerialized } from "../program/serialized";

/** A token the fake accepts, valid for an hour (the provider checks `exp` before a delete). */
const token = `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url")}.sig`;
const fast = { authRetryIntervalMs: 5, initialBackoffMs: 5 };

describe("knowledge index on AI Search (the index resource, against a fake AI Search)", () => {
    let fake: FakeAiSearch;
    beforeEach(async () => {
        fake = await FakeAiSearch.start({ tokens: [token] });
    });
    afterEach(() => fake.close());

    const definition = knowledgeIndexDefinition("knowledge");
    const withField = (
        d: SearchIndexDefinition,
        change: (f: SearchIndexDefinition["fields"][number]) => object,
    ) =>
        ({
            ...d,
            fields: d.fields.map((f) => ({ ...f, ...change(f) })),
        }) as SearchIndexDefinition;

    it("creates the index with PUT /indexes/{name}, the stable api-version and the deployer's bearer token", async () => {
        await putSearchIndex({ endpoint: fake.url + "/", credential: { token }, ...fast }, definition);
        const [put] = fake.requests;
        assert.equal(put?.method, "PUT");
        assert.equal(put?.path, "/indexes/knowledge");
        assert.equal(put?.query.get("api-version"), searchApiVersion);
        assert.equal(put?.headers.authorization, `Bearer ${token}`);
        assert.deepEqual(fake.indexes.get("knowledge")?.definition, definition);
        const fields = Object.fromEntries(definition.fields.map((f) => [f.name, f]));
        assert.equal(fields.id?.key, true);
        assert.equal(fields.source?.filterable, true);
        assert.equal(fields.content?.searchable, true);
        assert.equal(fields.content?.analyzer, "en.lucene");
    });

    it("retries 403 while the deployer's role propagates, then creates", async () => {
        fake.interrupt(/^\/indexes\//, { status: 403 }, 2);
        const log: string[] = [];
        await putSearchIndex(
            { endpoint: fake.url, credential: { token }, ...fast, log: (m) => log.push(m) },
            definition,
        );
        assert.equal(fake.requests.length, 3);
        assert.ok(fake.indexes.has("knowledge"));
        assert.match(log.join("\n"), /answered 403; a new role assignment may not be in effect yet/);
    });

    it("gives up on a lasting 403 after its budget, naming the role", async () => {
        fake.interrupt(/^\/indexes\//, { status: 403 }, 1000);
        await assert.rejects(
            putSearchIndex(
                { endpoint: fake.url, credential: { token }, ...fast, authRetryMs: 40 },
                definition,
            ),
            (error: Error) =>
                error instanceof SearchIndexError && /Search Service Contributor/.test(error.message),
        );
        assert.equal(fake.indexes.has("knowledge"), false);
    });

    it("updates in place when a field is added; a changed field rebuilds the index (delete first)", async () => {
        const olds: SearchIndexOutputs = { endpoint: fake.url, definition, token };
        assert.deepEqual(searchIndexDiff(olds, { ...olds, token: "a-new-token" }), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        const semantic = knowledgeIndexDefinition("knowledge", { semantic: true });
        assert.deepEqual(searchIndexDiff(olds, { ...olds, definition: semantic }), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: false,
        });
        const reanalyzed = withField(definition, (f) =>
            f.name === "content" ? { analyzer: "standard.lucene" } : {},
        );
        assert.deepEqual(searchIndexDiff(olds, { ...olds, definition: reanalyzed }), {
            changes: true,
            replaces: ["definition"],
            deleteBeforeReplace: true,
        });
        const renamed = { ...definition, name: "knowledge-2" };
        assert.equal(searchIndexDiff(olds, { ...olds, definition: renamed }).deleteBeforeReplace, false);

        // What the service does with each: the added setting applies in place, the changed field is refused.
        await putSearchIndex({ endpoint: fake.url, credential: { token }, ...fast }, definition);
        await putSearchIndex({ endpoint: fake.url, credential: { token }, ...fast }, semantic);
        assert.deepEqual(fake.indexes.get("knowledge")?.definition, semantic);
        await assert.rejects(
            putSearchIndex({ endpoint: fake.url, credential: { token }, ...fast }, reanalyzed),
            /PUT index knowledge answered 400: .*Existing field 'content' cannot be changed/,
        );
    });

    it("runs as the engine runs it (serialized): create, update, delete", async () => {
        const provider = await asSerialized(searchIndexProvider);
        const created = await provider.create({ endpoint: fake.url, definition, token });
        assert.equal(created.id, `${fake.url}/indexes/knowledge`);
        fake.seed("knowledge", [{ id: "p0-eA", source: "x", chunk: 0, content: "kept" }]);
        const semantic = knowledgeIndexDefinition("knowledge", { semantic: true });
        await provider.update!(created.id, created.outs as SearchIndexOutputs, {
            endpoint: fake.url,
            definition: semantic,
            token,
        });
        assert.equal(fake.indexes.get("knowledge")?.docs.size, 1, "an in-place update keeps the passages");
        await provider.delete!(created.id, { endpoint: fake.url, definition: semantic, token });
        assert.equal(fake.indexes.has("knowledge"), false);
        // An index already gone is deleted.
        await deleteSearchIndex({ endpoint: fake.url, credential: { token }, ...fast }, "knowledge");
    });

    it("does not send an expired token on delete: it asks the Azure CLI, and says so when there is none", async function () {
        if (process.env.PATH?.split(path.delimiter).some((d) => existsSync(path.join(d, "az")))) this.skip();
        const expired = `e30.${Buffer.from(JSON.stringify({ exp: 1 })).toString("base64url")}.sig`;
        await assert.rejects(
            searchIndexProvider.delete!("id", { endpoint: fake.url, definition, token: expired }),
            /Azure CLI gave none for https:\/\/search\.azure\.com/,
        );
        assert.equal(fake.requests.length, 0);
    });
});
