/**
 * Agent memory and the knowledge index as the control plane deploys them for one backend: which
 * exist (config), where they are reached (private endpoints in the backend's VNet, or public
 * endpoints that admit Entra tokens only), the settings the tool service reads, and the grants its
 * identity gets.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Network } from "../network/network";
import { placementIn } from "../network/private-endpoint";
import type { DataAccess, ToolBackendContext } from "../tool-backend";
import { AgentMemory } from "./agent-memory";
import { defaultKnowledgeIndexName } from "functions-app/knowledge/search-index-definition";
import { KnowledgeSearch } from "./knowledge-search";

/**
 * Settings the tool service reads: memory (functions-app/src/memory/environment.ts) and the
 * knowledge index on AI Search.
 */
export const agentDataSettingNames = {
    memoryEndpoint: "MEMORY_COSMOS_ENDPOINT",
    memoryDatabase: "MEMORY_COSMOS_DATABASE",
    memoryContainer: "MEMORY_COSMOS_CONTAINER",
    knowledgeEndpoint: "KNOWLEDGE_SEARCH_ENDPOINT",
    knowledgeIndex: "KNOWLEDGE_SEARCH_INDEX",
} as const;

/** Database and container of agent memory (the tool service's defaults too). */
export const memoryLocation = { database: "agents", container: "memory" } as const;

/** The deployed data services; each is absent when the stack opts out. */
export interface AgentData extends DataAccess {
    readonly memory?: AgentMemory;
    readonly knowledge?: KnowledgeSearch;
}

/**
 * Memory and knowledge for the backend planned in `ctx`. With `network` (a private backend) both
 * get a private endpoint there and no public network access; without it they keep their public
 * endpoint, which admits Entra tokens only (no keys exist to present).
 */
export function deployAgentData(ctx: ToolBackendContext, network: Network | undefined): AgentData {
    const { config } = ctx;
    const placement = (zone: "cosmos" | "search", purpose: string) =>
        network ? { privateEndpoint: placementIn(network, zone, `${ctx.baseName}-${purpose}-pe`) } : {};
    const memory = config.memory
        ? new AgentMemory(
              `${ctx.name}-memory`,
              {
                  resourceGroupName: ctx.resourceGroupName,
                  location: config.location,
                  accountName: `${ctx.baseName}-memory-${ctx.unique}`,
                  databaseName: memoryLocation.database,
                  containerName: memoryLocation.container,
                  settings: config.memory,
                  ...placement("cosmos", "memory"),
                  workspaceId: ctx.monitoring.workspaceId,
                  tags: ctx.tags,
              },
              { parent: ctx.parent },
          )
        : undefined;
    const knowledge = config.knowledge
        ? new KnowledgeSearch(
              `${ctx.name}-knowledge`,
              {
                  resourceGroupName: ctx.resourceGroupName,
                  location: config.location,
                  serviceName: `${ctx.baseName}-knowledge-${ctx.unique}`,
                  indexName: defaultKnowledgeIndexName,
                  settings: config.knowledge,
                  subscriptionId: ctx.deployment.subscriptionId,
                  deployer: {
                      objectId: ctx.deployment.deployerObjectId,
                      principalType: config.deployerPrincipalType,
                  },
                  ...placement("search", "knowledge"),
                  workspaceId: ctx.monitoring.workspaceId,
                  tags: ctx.tags,
              },
              { parent: ctx.parent },
          )
        : undefined;

    const settings: Record<string, pulumi.Input<string>> = {};
    if (memory) {
        settings[agentDataSettingNames.memoryEndpoint] = memory.endpoint;
        settings[agentDataSettingNames.memoryDatabase] = memory.databaseName;
        settings[agentDataSettingNames.memoryContainer] = memory.containerName;
    }
    if (knowledge) {
        settings[agentDataSettingNames.knowledgeEndpoint] = knowledge.endpoint;
        settings[agentDataSettingNames.knowledgeIndex] = knowledge.indexName;
    }
    return {
        ...(memory ? { memory } : {}),
        ...(knowledge ? { knowledge } : {}),
        settings,
        grantTo: (id, principalId) => [
            ...(memory ? [memory.grantDataContributor(`${id}-data-contributor`, principalId)] : []),
            ...(knowledge ? [knowledge.grantIndexReader(`${id}-index-reader`, principalId)] : []),
        ],
    };
}

/** Private link services the backend's network needs zones for, given what the stack deploys. */
export function agentDataPrivateLinkServices(config: ToolBackendContext["config"]): ("cosmos" | "search")[] {
    return [
        ...(config.memory ? (["cosmos"] as const) : []),
        ...(config.knowledge ? (["search"] as const) : []),
    ];
}
