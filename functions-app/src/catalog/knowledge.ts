import { KnowledgeIndexUnavailableError } from "../knowledge/azure-search-knowledge-index";
import { appRoles } from "../roles";
import { ToolInputError, defineTool, storeOptionsOf } from "./tool";

const maxPassages = 20;

/**
 * Source names are the loaded documents' paths relative to the loaded folder: '/'-separated
 * segments of a small alphabet, none of them '.' or '..'.
 */
export const knowledgeSourcePattern = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export const knowledgeSearch = defineTool({
    name: "knowledge_search",
    title: "Search knowledge",
    description:
        "Search the shared knowledge index: the passages most relevant to a query, best first, " +
        `optionally only from one source document (at most ${maxPassages}).`,
    arguments: [
        {
            name: "query",
            type: "string",
            description: "What to look for.",
            required: true,
            maxBytes: 512,
            pattern: /\S/,
            patternHint: "text with at least one non-space character",
        },
        {
            name: "source",
            type: "string",
            description:
                "Only passages from this source document (its path as loaded, e.g. 'runbooks/vpn.md').",
            required: false,
            maxBytes: 256,
            pattern: knowledgeSourcePattern,
            patternHint:
                "a document path: '/'-separated names of letters, digits, '.', '-' and '_', none '.' or '..'",
        },
        {
            name: "top",
            type: "integer",
            description: `How many passages to return (1-${maxPassages}, default 5).`,
            required: false,
            minimum: 1,
            maximum: maxPassages,
        },
    ],
    role: appRoles.knowledgeSearch,
    readOnly: true,
    handler: async (args, context) => {
        const { knowledge } = context;
        if (!knowledge) throw new ToolInputError("The knowledge index is not configured on this server.");
        let passages;
        try {
            passages = await knowledge.search(
                {
                    text: args.query,
                    top: args.top ?? 5,
                    ...(args.source === undefined ? {} : { source: args.source }),
                },
                storeOptionsOf(context),
            );
        } catch (error) {
            // The index refused or failed: the agent is told and may retry; the host stays up.
            if (error instanceof KnowledgeIndexUnavailableError) throw new ToolInputError(error.message);
            throw error;
        }
        const structured = { passages };
        return { text: JSON.stringify(structured), structured };
    },
});
