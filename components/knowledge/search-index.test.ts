import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";
import { knowledgeIndexDefinition } from "functions-app/knowledge/search-index-definition";
import { plain } from "../../tests/support/synth";
import { SearchIndex } from "./search-index";

const valueOf = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

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
});
