import * as pulumi from "@pulumi/pulumi";
import { authorization } from "@pulumi/azure-native";
import {
    knowledgeIndexDefinition,
    type SearchIndexDefinition,
} from "functions-app/knowledge/search-index-definition";
import { azureCliToken, usableToken } from "../aks/run-command/tokens";
import { deleteSearchIndex, putSearchIndex, searchIndexChange } from "./search-index-client";

/** The audience of AI Search's data plane (tokens for index definitions and documents). */
export const searchResource = "https://search.azure.com";

/** Inputs of the index resource: the definition is what the diff compares; the token is not. */
export interface SearchIndexInputs {
    readonly endpoint: string;
    readonly definition: SearchIndexDefinition;
    /** Entra token of the deployer for https://search.azure.com (secret, short-lived). */
    readonly token: string;
}

export type SearchIndexOutputs = SearchIndexInputs;

/**
 * Another service or index name is a new index; a field changed or removed rebuilds it (AI Search
 * cannot change an existing field), the old one deleted first because the name is the same; a
 * field added or semantic settings changed update it in place; a new token alone does nothing.
 */
export function searchIndexDiff(
    olds: Partial<SearchIndexOutputs>,
    news: SearchIndexInputs,
): pulumi.dynamic.DiffResult {
    if (olds.endpoint !== news.endpoint) {
        return { changes: true, replaces: ["endpoint"], deleteBeforeReplace: false };
    }
    const change = searchIndexChange(olds.definition, news.definition);
    return {
        changes: change !== "none",
        replaces: change === "replace" ? ["definition"] : [],
        deleteBeforeReplace: change === "replace" && olds.definition?.name === news.definition.name,
    };
}

/** Exported for tests, which drive it against a local fake AI Search. */
export const searchIndexProvider: pulumi.dynamic.ResourceProvider<SearchIndexInputs, SearchIndexOutputs> = {
    diff(_id, olds, news) {
        return Promise.resolve(searchIndexDiff(olds, news));
    },
    async create(inputs) {
        await putSearchIndex(
            { endpoint: inputs.endpoint, credential: { token: inputs.token }, log: (m) => console.log(m) },
            inputs.definition,
        );
        return {
            id: `${inputs.endpoint.replace(/\/+$/, "")}/indexes/${inputs.definition.name}`,
            outs: inputs,
        };
    },
    async update(_id, _olds, news) {
        await putSearchIndex(
            { endpoint: news.endpoint, credential: { token: news.token }, log: (m) => console.log(m) },
            news.definition,
        );
        return { outs: news };
    },
    // A delete sees the token of the last update, which has usually expired: it asks the Azure CLI.
    async delete(_id, olds) {
        const token = await usableToken(olds.token, searchResource, azureCliToken);
        await deleteSearchIndex(
            { endpoint: olds.endpoint, credential: { token }, log: (m) => console.log(m) },
            olds.definition.name,
        );
    },
};

class SearchIndexDefinitionResource extends pulumi.dynamic.Resource {
    declare public readonly definition: pulumi.Output<SearchIndexDefinition>;

    constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super(
            searchIndexProvider,
            name,
            props,
            { ...opts, additionalSecretOutputs: ["token"] },
            "agents-knowledge",
            "SearchIndexDefinition",
        );
    }
}

export interface SearchIndexArgs {
    /** Endpoint of the AI Search service, https://<service>.search.windows.net. */
    readonly endpoint: pulumi.Input<string>;
    /** Name of the index (default `knowledge`, what the tool service reads by default). */
    readonly indexName: pulumi.Input<string>;
    /** Adds the semantic configuration (the service's semantic ranker must be on). Default false. */
    readonly semantic?: boolean;
}

/**
 * The knowledge index on an AI Search service, created and kept in step with
 * `functions-app/knowledge/search-index-definition` through the data-plane API with the deployer's
 * Entra token. The deployer needs Search Service Contributor on the service; make this depend on
 * that assignment (and its propagation) when the same stack grants it.
 */
export class SearchIndex extends pulumi.ComponentResource {
    /** The index name the tool service's KNOWLEDGE_SEARCH_INDEX must name. */
    public readonly indexName: pulumi.Output<string>;

    constructor(name: string, args: SearchIndexArgs, opts?: pulumi.ComponentResourceOptions) {
        super("agents:knowledge:SearchIndex", name, {}, opts);
        const token = authorization.getClientTokenOutput(
            { endpoint: searchResource },
            { parent: this },
        ).token;
        const definition = pulumi
            .output(args.indexName)
            .apply((indexName) => knowledgeIndexDefinition(indexName, { semantic: args.semantic ?? false }));
        const index = new SearchIndexDefinitionResource(
            `${name}-definition`,
            { endpoint: args.endpoint, definition, token: pulumi.secret(token) },
            { parent: this },
        );
        this.indexName = index.definition.apply((d) => d.name);
        this.registerOutputs({ indexName: this.indexName });
    }
}
