import { appRoles } from "../roles";
import type { MemoryNote, MemoryStore } from "../memory/memory-store";
import { rankNotes } from "../memory/note-ranking";
import { ToolInputError, defineTool, storeOptionsOf, type ArgumentSpec, type ToolContext } from "./tool";

/** Largest note text accepted, in UTF-8 bytes. */
export const maxNoteBytes = 8 * 1024;
/** Notes one caller may keep; recall by query ranks all of them, so this bounds its cost. */
export const maxNotesPerCaller = 500;
const maxTtlSeconds = 365 * 24 * 3600;
const maxRecalled = 20;

/**
 * Keys are opaque text: any key, however it looks ("../x", another agent's id), names a note of
 * the caller only, because the store addresses notes by (caller, key) and never parses the key.
 */
const noteKey = {
    name: "key",
    type: "string",
    description: "Key of the note (1-256 bytes of text, no control characters).",
    required: true,
    maxBytes: 256,
    pattern: /^[^\u0000-\u001f\u007f]+$/,
    patternHint: "1-256 bytes of text without control characters",
} as const satisfies ArgumentSpec;

function memoryOf(context: ToolContext): MemoryStore {
    if (!context.memory) throw new ToolInputError("Memory is not configured on this server.");
    return context.memory;
}

function describeNote(note: MemoryNote): Record<string, unknown> {
    return { ...note, tags: [...note.tags] };
}

export const memorySave = defineTool({
    name: "memory_save",
    title: "Save memory note",
    description:
        `Save a note under a key in your own memory, replacing any note you saved with that key. ` +
        `Only you can read it. At most ${maxNotesPerCaller} notes of ${maxNoteBytes / 1024} KiB each.`,
    arguments: [
        noteKey,
        {
            name: "text",
            type: "string",
            description: `Content of the note (at most ${maxNoteBytes / 1024} KiB).`,
            required: true,
            maxBytes: maxNoteBytes,
        },
        {
            name: "tags",
            type: "string",
            description: "Comma-separated tags (at most 10, each 1-32 letters, digits, '.', '-' or '_').",
            required: false,
            maxBytes: 330,
            pattern: /^[A-Za-z0-9._-]{1,32}(,[A-Za-z0-9._-]{1,32}){0,9}$/,
            patternHint: "1-10 comma-separated tags of 1-32 letters, digits, '.', '-' or '_'",
        },
        {
            name: "ttlSeconds",
            type: "integer",
            description:
                "Forget the note after this many seconds (1 to one year); kept until forgotten if absent.",
            required: false,
            minimum: 1,
            maximum: maxTtlSeconds,
        },
    ],
    role: appRoles.memoryWrite,
    readOnly: false,
    handler: async (args, context) => {
        const savedAt = context.now();
        const note: MemoryNote = {
            key: args.key,
            text: args.text,
            tags: args.tags === undefined ? [] : [...new Set(args.tags.split(","))],
            savedAt: savedAt.toISOString(),
            ...(args.ttlSeconds === undefined
                ? {}
                : { expiresAt: new Date(savedAt.getTime() + args.ttlSeconds * 1000).toISOString() }),
        };
        const saved = await memoryOf(context).save(context.caller.id, note, storeOptionsOf(context));
        if (!saved) {
            throw new ToolInputError(
                `You already keep ${maxNotesPerCaller} notes; forget some before saving new ones.`,
            );
        }
        return { text: `Saved note '${note.key}'.`, structured: describeNote(note) };
    },
});

export const memoryRecall = defineTool({
    name: "memory_recall",
    title: "Recall memory notes",
    description:
        "Recall your own notes: the note with a key, or the notes most relevant to a query " +
        `(best first, at most ${maxRecalled}). Give exactly one of key and query.`,
    arguments: [
        { ...noteKey, required: false, description: "Key of the note to recall." },
        {
            name: "query",
            type: "string",
            description: "Words to look for in your notes' keys, texts and tags.",
            required: false,
            maxBytes: 512,
            pattern: /\S/,
            patternHint: "text with at least one non-space character",
        },
        {
            name: "top",
            type: "integer",
            description: `How many notes a query returns (1-${maxRecalled}, default 5).`,
            required: false,
            minimum: 1,
            maximum: maxRecalled,
        },
    ],
    role: appRoles.memoryRead,
    readOnly: true,
    handler: async (args, context) => {
        const memory = memoryOf(context);
        const owner = context.caller.id;
        const options = storeOptionsOf(context);
        if ((args.key === undefined) === (args.query === undefined)) {
            throw new ToolInputError("Give exactly one of key and query.");
        }
        if (args.key !== undefined) {
            if (args.top !== undefined) throw new ToolInputError("top applies to a query, not to a key.");
            const note = await memory.get(owner, args.key, options);
            if (!note) throw new ToolInputError(`No note with key '${args.key}'.`);
            return { text: note.text, structured: describeNote(note) };
        }
        const notes = await memory.list(owner, maxNotesPerCaller, options);
        const ranked = await rankNotes(notes, args.query ?? "", args.top ?? 5);
        const structured = { notes: ranked.map(describeNote) };
        return { text: JSON.stringify(structured), structured };
    },
});

export const memoryForget = defineTool({
    name: "memory_forget",
    title: "Forget memory note",
    description: "Forget your note with a key. Forgetting a key you have no note for changes nothing.",
    arguments: [noteKey],
    role: appRoles.memoryWrite,
    readOnly: false,
    handler: async (args, context) => {
        const forgotten = await memoryOf(context).forget(
            context.caller.id,
            args.key,
            storeOptionsOf(context),
        );
        return {
            text: forgotten ? `Forgot note '${args.key}'.` : `No note with key '${args.key}'.`,
            structured: { key: args.key, forgotten },
        };
    },
});
