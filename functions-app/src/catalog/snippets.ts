import { appRoles } from "../roles";
import { ToolInputError, defineTool, type ArgumentSpec } from "./tool";

/**
 * Snippet names become blob names: a small alphabet with no '/' or '\' means a name can never
 * reach outside the snippet container's flat namespace.
 */
const snippetNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const snippetNameHint =
    "1-64 characters of letters, digits, '.', '-' and '_', starting with a letter or digit";

/** Largest snippet body accepted, in UTF-8 bytes. */
export const maxSnippetBytes = 64 * 1024;
const maxListed = 100;

const snippetName = {
    name: "snippetname",
    type: "string",
    description: "Name of the snippet (letters, digits, '-', '_', '.'; at most 64 characters).",
    required: true,
    maxBytes: 64,
    pattern: snippetNamePattern,
    patternHint: snippetNameHint,
} as const satisfies ArgumentSpec;

export const saveSnippet = defineTool({
    name: "save_snippet",
    title: "Save snippet",
    description: "Save a snippet under a name, replacing any snippet with that name.",
    arguments: [
        snippetName,
        {
            name: "snippet",
            type: "string",
            description: `Content of the snippet (at most ${maxSnippetBytes / 1024} KiB).`,
            required: true,
            maxBytes: maxSnippetBytes,
        },
    ],
    role: appRoles.snippetsWrite,
    readOnly: false,
    handler: async (args, { snippets, caller, signal }) => {
        const { snippetname: name, snippet: content } = args;
        await snippets.save(name, content, caller.id, { signal });
        return {
            text: `Saved snippet '${name}' (${Buffer.byteLength(content, "utf8")} bytes).`,
            structured: { name, bytes: Buffer.byteLength(content, "utf8") },
        };
    },
});

export const getSnippet = defineTool({
    name: "get_snippet",
    title: "Get snippet",
    description: "Retrieve a snippet by name.",
    arguments: [snippetName],
    role: appRoles.snippetsRead,
    readOnly: true,
    handler: async (args, { snippets, signal }) => {
        const name = args.snippetname;
        const content = await snippets.get(name, { signal });
        if (content === undefined) throw new ToolInputError(`Snippet '${name}' not found.`);
        return { text: content };
    },
});

export const listSnippets = defineTool({
    name: "list_snippets",
    title: "List snippets",
    description: `List saved snippets (name, size, last change), optionally those whose name starts with a prefix; at most ${maxListed}.`,
    arguments: [
        {
            name: "prefix",
            type: "string",
            description: "Only snippets whose name starts with this.",
            required: false,
            maxBytes: 64,
            pattern: /^[A-Za-z0-9._-]*$/,
            patternHint: "letters, digits, '-', '_' and '.'",
        },
    ],
    role: appRoles.snippetsRead,
    readOnly: true,
    handler: async (args, { snippets, signal }) => {
        const found = await snippets.list(args.prefix ?? "", maxListed, { signal });
        return { text: JSON.stringify({ snippets: found }), structured: { snippets: found } };
    },
});
