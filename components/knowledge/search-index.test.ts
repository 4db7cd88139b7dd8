import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";
import { knowledgeIndexDefinition } from "functions-app/knowledge/search-index-definition";
import { FakeAiSearch } from "functions-app/test-support/fake-ai-search";
import packageJson from "../../package.json";
import {
    computedRequires,
    isBuiltinModule,
    requiredModules,
    runProviderElsewhere,
} from "../../tests/support/provider-elsewhere";
import { plain } from "../../tests/support/synth";
import { SearchIndex, type SearchIndexOutputs } from "./search-index";

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));
const checkout = path.resolve(__dirname, "../..");
/** A token the fake accepts, valid for an hour (the provider checks `exp` before a delete). */
const token = `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url")}.sig`;

describe("SearchIndex component (Pulumi mock runtime)", () => {
    const created: MockResourceArgs[] = [];
    const invoked: MockCallArgs[] = [];
    let index: SearchIndex;

    before(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    created.push(args);
                    return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
                },
                call: (args) => {
                    invoked.push(args);
                    if (args.token !== "azure-native:authorization:getClientToken") {
                        throw new Error(`unexpected invoke ${args.token}`);
                    }
                    return { token: `token-for:${String((args.inputs as { endpoint?: unknown }).endpoint)}` };
                },
            },
            "agents-control-plane",
            "search-index-test",
            false,
        );
        index = new SearchIndex("knowledge", {
            endpoint: pulumi.output("https://agents.search.windows.net"),
            indexName: "knowledge",
        });
        assert.equal(await valueOf(index.indexName), "knowledge");
    });

    it("registers the definition from the one source, with the deployer's token for AI Search as a secret", () => {
        const component = created.find((r) => r.type === "agents:knowledge:SearchIndex");
        assert.equal(component?.name, "knowledge");
        const resource = created.find(
            (r) => r.type === "pulumi-nodejs:dynamic/agents-knowledge:SearchIndexDefinition",
        );
        assert.ok(resource, "the dynamic resource is registered");
        assert.equal(resource.name, "knowledge-definition");
        const inputs = resource.inputs as Record<string, unknown>;
        assert.equal(inputs.endpoint, "https://agents.search.windows.net");
        assert.deepEqual(inputs.definition, knowledgeIndexDefinition("knowledge"));
        assert.equal(plain(inputs.token, true), "token-for:https://search.azure.com");
        assert.ok(
            typeof inputs.__provider === "string" && inputs.__provider.length > 0,
            "the provider is serialized",
        );
        assert.deepEqual(
            invoked.map((i) => (i.inputs as { endpoint?: unknown }).endpoint),
            ["https://search.azure.com"],
        );
    });

    it("records a provider that runs from any checkout: no path of this one, only built-ins and installed packages, and create/diff/update/delete work from a directory outside it", async () => {
        const resource = created.find((r) => r.name === "knowledge-definition");
        const text = (resource?.inputs as { __provider?: unknown } | undefined)?.__provider;
        assert.ok(typeof text === "string");
        // The engine runs the state's copy of this text on delete and refresh, from wherever `pulumi` runs.
        assert.ok(!text.includes(checkout), "no path of this checkout");
        assert.doesNotMatch(text, /\/work\/|__dirname|__filename/);
        assert.deepEqual(computedRequires(text), [], "no require of a computed path");
        const installed = Object.keys(packageJson.dependencies);
        assert.deepEqual(
            requiredModules(text).filter((m) => !isBuiltinModule(m) && !installed.includes(m)),
            [],
            "only Node built-ins and the program's own dependencies by name",
        );

        const fake = await FakeAiSearch.start({ tokens: [token] });
        try {
            const plainDefinition = knowledgeIndexDefinition("knowledge");
            const semantic = knowledgeIndexDefinition("knowledge", { semantic: true });
            const olds: SearchIndexOutputs = { endpoint: fake.url, definition: plainDefinition, token };
            const id = `${fake.url}/indexes/knowledge`;
            const results = await runProviderElsewhere(
                text,
                [
                    { method: "create", args: [olds] },
                    { method: "diff", args: [id, olds, { ...olds, token: "another-token" }] },
                    { method: "diff", args: [id, olds, { ...olds, definition: semantic }] },
                    { method: "update", args: [id, olds, { ...olds, definition: semantic }] },
                    { method: "delete", args: [id, { ...olds, definition: semantic }] },
                ],
                { nodePath: path.join(checkout, "node_modules") },
            );
            assert.deepEqual(results, [
                { ok: true, value: { id, outs: olds } },
                { ok: true, value: { changes: false, replaces: [], deleteBeforeReplace: false } },
                { ok: true, value: { changes: true, replaces: [], deleteBeforeReplace: false } },
                { ok: true, value: { outs: { ...olds, definition: semantic } } },
                { ok: true, value: null },
            ]);
            assert.deepEqual(
                fake.requests.map((r) => `${r.method} ${r.path}`),
                ["PUT /indexes/knowledge", "PUT /indexes/knowledge", "DELETE /indexes/knowledge"],
            );
            assert.equal(fake.indexes.has("knowledge"), false);
        } finally {
            await fake.close();
        }
    });
});
