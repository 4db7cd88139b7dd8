/**
 * Agent memory (Cosmos DB) and the knowledge index (AI Search) as the stack configures them:
 * whether each is deployed, how memory is billed and backed up, and the search tier. Pure.
 */
import type { ConfigKey, IntegerKey } from "./keys";
import {
    memoryBackupTiers,
    memoryThroughputModes,
    searchSkus,
    type BackendKind,
    type KnowledgeConfig,
    type MemoryBackupTier,
    type MemoryConfig,
    type MemoryThroughputMode,
    type SearchSku,
} from "./types";
import { alternatives } from "./values";

/** Replicas the basic tier allows (standard tiers allow 12, free exactly 1). */
const basicMaxReplicas = 3;

export interface AgentDataConfig {
    readonly memory?: MemoryConfig;
    readonly knowledge?: KnowledgeConfig;
}

/** How the reader gets values: the parser's own accessors, with defaults applied. */
export interface AgentDataValues {
    readonly str: (key: ConfigKey) => string | undefined;
    readonly int: (key: IntegerKey) => number;
}

export function readAgentData(
    values: AgentDataValues,
    backend: BackendKind,
    problem: (key: ConfigKey, message: string) => void,
): AgentDataConfig {
    const flag = (key: "memory" | "knowledge"): boolean => {
        const v = values.str(key);
        if (v !== "true" && v !== "false") problem(key, `must be true or false (got ${JSON.stringify(v)})`);
        return v !== "false";
    };
    const oneOf = <T extends string>(key: ConfigKey, allowed: readonly T[]): T | undefined => {
        const v = values.str(key);
        const found = allowed.find((a) => a === v);
        if (found === undefined)
            problem(key, `must be ${alternatives(allowed.map((a) => `"${a}"`))} (got ${JSON.stringify(v)})`);
        return found;
    };

    const mode = oneOf<MemoryThroughputMode>("memoryThroughput", memoryThroughputModes);
    const maxThroughput = values.int("memoryAutoscaleMaxThroughput");
    // Autoscale maxima are set in steps of 1000 RU/s.
    if (maxThroughput % 1000 !== 0)
        problem("memoryAutoscaleMaxThroughput", `must be a multiple of 1000 (got ${maxThroughput})`);
    const backupTier = oneOf<MemoryBackupTier>("memoryBackupTier", memoryBackupTiers);

    const sku = oneOf<SearchSku>("searchSku", searchSkus);
    const replicaCount = values.int("searchReplicaCount");
    const memoryOn = flag("memory");
    const knowledgeOn = flag("knowledge");
    if (knowledgeOn && sku === "free") {
        if (backend === "aks")
            problem(
                "searchSku",
                'free has no private endpoints, and the AKS backend reaches AI Search only through one; use "basic" or above, or set knowledge: false',
            );
        if (replicaCount !== 1)
            problem("searchReplicaCount", `must be 1 on the free tier (got ${replicaCount})`);
    }
    if (knowledgeOn && sku === "basic" && replicaCount > basicMaxReplicas)
        problem(
            "searchReplicaCount",
            `must be at most ${basicMaxReplicas} on the basic tier (got ${replicaCount})`,
        );

    return {
        ...(memoryOn
            ? {
                  memory: {
                      throughput:
                          mode === "autoscale" ? { mode, maxThroughput } : { mode: "serverless" as const },
                      backupTier: backupTier ?? "Continuous7Days",
                  },
              }
            : {}),
        ...(knowledgeOn ? { knowledge: { sku: sku ?? "basic", replicaCount } } : {}),
    };
}
