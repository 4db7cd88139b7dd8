/**
 * `npm run knowledge -- load <dir> [--endpoint <url> | --stack <name>] [--index knowledge] [--dry-run]`:
 * loads a folder of .md/.txt documents into the knowledge index on AI Search, as the operator
 * (Azure CLI sign-in or any DefaultAzureCredential source; Search Index Data Contributor).
 */
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import { UsageError, defineCommand, runCommand } from "functions-app/cli";
import { readKnowledgeEnvironment } from "functions-app/knowledge/environment";
import {
    defaultKnowledgeIndexName,
    knowledgeIndexDefinition,
    searchTokenScope,
} from "functions-app/knowledge/search-index-definition";
import { putSearchIndex, searchAuthHeaders } from "../components/knowledge/search-index-client";
import { loadPassages, planLoad, type SearchTarget } from "./lib/knowledge-load";

/** The stack output that names the knowledge index's AI Search endpoint (`knowledge.endpoint`). */
export const knowledgeOutput = "knowledge";

const command = defineCommand({
    name: "npm run knowledge",
    summary:
        "load <dir>: splits the .md and .txt documents under <dir> into passages (as the local index does) and uploads\n" +
        "them to the knowledge index on Azure AI Search (mergeOrUpload, batches of at most 1000 passages\n" +
        "and 16 MB). A reload replaces a document's passages. Signs in as you (az login, or any\n" +
        "DefaultAzureCredential source): you need Search Index Data Contributor on the service.",
    flags: {
        endpoint: {
            type: "string",
            value: "<url>",
            description: "the AI Search service, https://<service>.search.windows.net",
        },
        stack: {
            type: "string",
            value: "<name>",
            description: `read the endpoint from this stack's ${knowledgeOutput}.endpoint output (pulumi CLI)`,
        },
        index: {
            type: "string",
            value: "<name>",
            default: defaultKnowledgeIndexName,
            description: "the index",
        },
        "define-index": {
            type: "boolean",
            description:
                "create or update the index definition first (needs Search Service Contributor): for a private\n" +
                "service, which `pulumi up` cannot reach, run from a host with a path to its private endpoint",
        },
        "dry-run": { type: "boolean", description: "split and count, send nothing" },
    },
    environment: {
        KNOWLEDGE_SEARCH_LOCAL_KEY: "key of a local AI Search stand-in on loopback (instead of signing in)",
    },
    exitCodes: { 1: "the load failed (nothing after the failed batch was sent)" },
});

function stackOutput(stack: string): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            "pulumi",
            ["stack", "output", "--json", "--stack", stack],
            { timeout: 60_000 },
            (error, stdout, stderr) => {
                if (error) {
                    return reject(
                        new Error(
                            `pulumi stack output --stack ${stack} failed: ${String(stderr).trim() || error.message}`,
                        ),
                    );
                }
                const outputs = JSON.parse(String(stdout)) as Record<
                    string,
                    { endpoint?: unknown } | undefined
                >;
                const endpoint = outputs[knowledgeOutput]?.endpoint;
                if (typeof endpoint !== "string" || !endpoint) {
                    return reject(
                        new Error(
                            `stack ${stack} has no ${knowledgeOutput}.endpoint output: is AI Search deployed there (config knowledge: true)?`,
                        ),
                    );
                }
                resolve(endpoint);
            },
        );
    });
}

async function searchCredential(
    localKey: string | undefined,
): Promise<{ readonly token: string } | { readonly apiKey: string }> {
    if (localKey !== undefined) return { apiKey: localKey };
    const { DefaultAzureCredential } = await import("@azure/identity");
    return { token: (await new DefaultAzureCredential().getToken(searchTokenScope)).token };
}

const [verb, folder, ...rest] = process.argv.slice(2);
const loading = verb === "load" && folder !== undefined && !folder.startsWith("-");

runCommand(
    command,
    async (flags) => {
        if (!loading) throw new UsageError("expected: load <dir> [options]");
        if (!(await stat(folder).catch(() => undefined))?.isDirectory())
            throw new UsageError(`${folder}: not a folder`);
        if (flags.endpoint !== undefined && flags.stack !== undefined)
            throw new UsageError("--endpoint and --stack: give one");
        const plan = await planLoad(folder);
        process.stdout.write(`${plan.sources} documents, ${plan.documents.length} passages from ${folder}\n`);
        if (flags["dry-run"]) return;
        const endpoint =
            flags.endpoint ?? (flags.stack === undefined ? undefined : await stackOutput(flags.stack));
        if (endpoint === undefined) throw new UsageError("--endpoint or --stack is required (or --dry-run)");
        const settings = readKnowledgeEnvironment({
            KNOWLEDGE_SEARCH_ENDPOINT: endpoint,
            KNOWLEDGE_SEARCH_INDEX: flags.index,
            KNOWLEDGE_SEARCH_LOCAL_KEY: process.env.KNOWLEDGE_SEARCH_LOCAL_KEY,
        });
        if (!settings.location) {
            throw new UsageError(
                settings.errors
                    .map((e) =>
                        e
                            .replace("KNOWLEDGE_SEARCH_ENDPOINT", "--endpoint")
                            .replace("KNOWLEDGE_SEARCH_INDEX", "--index"),
                    )
                    .join("; "),
            );
        }
        const credential = await searchCredential(settings.location.localKey);
        if (flags["define-index"]) {
            await putSearchIndex(
                { endpoint: settings.location.endpoint, credential, timeoutMs: 60_000 },
                knowledgeIndexDefinition(settings.location.indexName),
            );
            process.stdout.write(`index ${settings.location.indexName} defined\n`);
        }
        const target: SearchTarget = {
            endpoint: settings.location.endpoint,
            indexName: settings.location.indexName,
            auth: searchAuthHeaders(credential),
            log: (m) => process.stderr.write(`${m}\n`),
        };
        const result = await loadPassages(target, plan);
        process.stdout.write(
            `uploaded ${result.passages} passages in ${result.batches} batches to index ${target.indexName} at ${target.endpoint}; ` +
                `removed ${result.removed} stale passages\n`,
        );
    },
    loading ? rest : process.argv.slice(2),
);
