import { jsonLogger, type Logger } from "../logger";
import { BlobSnippetStore } from "../storage/blob-snippet-store";
import { NodeHost } from "./host";
import { readSettings } from "./settings";
import { createQueueBackplane } from "./queue-backplane";
import { frontDoorFromEnvironment } from "../front-door/environment";
import { maxNotesPerCaller } from "../catalog/memory";
import { openMemoryStore } from "../memory/open-memory-store";
import { loadLocalKnowledge } from "../knowledge/local-index";
import type { KnowledgeIndex } from "../knowledge/knowledge-index";
import { openKnowledgeIndex } from "../knowledge/open-knowledge-index";
import { openTracing, type Tracing } from "../tracing/tracing";
import { DeadlineExceededError, withinDeadline } from "../deadline";

/**
 * What a stop gives trace export after the host's drain: the AKS pod's grace period covers the
 * preStop sleep, the drain and this, with a margin (`components/kubernetes/deployment.ts`).
 */
const tracingStopMs = 10_000;

/** Entry point of the bundled server (container and local runs): env -> settings -> host. */
async function main(): Promise<void> {
    const logger = jsonLogger();
    const result = readSettings(process.env);
    if (!result.ok) {
        process.stderr.write(`Invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join("\n")}\n`);
        process.exit(2);
    }
    const { settings } = result;
    const managedIdentityClientId =
        "managedIdentityClientId" in settings.storage ? settings.storage.managedIdentityClientId : undefined;
    let knowledge: KnowledgeIndex | undefined = settings.knowledgeSearch
        ? openKnowledgeIndex(settings.knowledgeSearch, managedIdentityClientId)
        : undefined;
    if (settings.knowledgeFolder !== undefined) {
        try {
            const loaded = await loadLocalKnowledge(settings.knowledgeFolder);
            knowledge = loaded.index;
            logger.info("knowledge loaded", { folder: settings.knowledgeFolder, passages: loaded.passages });
        } catch (error) {
            process.stderr.write(`Invalid configuration:\n  - KNOWLEDGE_DIR: ${String(error)}\n`);
            process.exit(2);
        }
    }
    // The SDK and exporter load only when TRACING_EXPORTER is set.
    const tracing = openTracing(settings.tracing, logger);
    const backplane = settings.backplane ? await createQueueBackplane(settings.backplane, logger) : undefined;
    const host = new NodeHost({
        snippets: new BlobSnippetStore(settings.storage),
        ...(settings.memory
            ? { memory: openMemoryStore(settings.memory, maxNotesPerCaller, managedIdentityClientId) }
            : {}),
        ...(knowledge ? { knowledge } : {}),
        logger,
        auth: settings.auth,
        allowedOrigins: settings.allowedOrigins,
        allowedHosts: settings.allowedHosts,
        sseKeepAliveMs: settings.sseKeepAliveMs,
        backplane,
        publicBaseUrl: settings.publicBaseUrl,
        fastPath: settings.fastPath,
        toolCallTimeoutMs: settings.toolCallTimeoutMs,
        frontDoor: settings.frontDoor
            ? frontDoorFromEnvironment(settings.frontDoor, settings.storage, managedIdentityClientId)
            : undefined,
        tracing,
    });
    const url = await host.listen(settings.port, settings.host);
    logger.info("listening", {
        url,
        auth: settings.auth ? "on" : "off",
        backplane: Boolean(settings.backplane),
        frontDoor: settings.frontDoor?.issuer ?? "off",
        memory: settings.memory ? "on" : "off",
        knowledge: settings.knowledgeSearch
            ? `AI Search index ${settings.knowledgeSearch.indexName}`
            : (settings.knowledgeFolder ?? "off"),
        tracing: settings.tracing?.exporter ?? "off",
    });

    let stopping = false;
    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info("stopping", { signal });
        host.close()
            .then(() => stopTracing(tracing, logger))
            .then(
                () => process.exit(0),
                (error: unknown) => {
                    logger.error("unclean stop", { error: String(error) });
                    process.exit(1);
                },
            );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
}

/** Exports what waits, for at most {@link tracingStopMs}; spans still waiting then are lost. */
async function stopTracing(tracing: Tracing, logger: Logger): Promise<void> {
    try {
        await withinDeadline(tracingStopMs, () => tracing.shutdown());
    } catch (error) {
        if (!(error instanceof DeadlineExceededError)) throw error;
        logger.warn("trace export did not finish in time; the spans still waiting are lost", {
            waitedMs: tracingStopMs,
        });
    }
}

void main();
