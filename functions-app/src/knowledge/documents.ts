import { nodeFs } from "../lazy-builtins";
import * as path from "node:path";
import type { Passage } from "./knowledge-index";

/** File types loaded as knowledge; others in the folder are skipped. */
const loadedExtensions = new Set([".md", ".txt"]);
/** Passages stay short enough to be useful in a model's context. */
const maxPassageChars = 1_500;
const maxFileBytes = 1024 * 1024;

/** A loaded document: its source name and its passages, in order (a passage's chunk number is its position). */
export interface SplitDocument {
    readonly source: string;
    readonly passages: readonly string[];
}

/**
 * Splits a folder of Markdown and text documents into passages (paragraphs, merged up to
 * {@link maxPassageChars}). A document's source is its file's path relative to the folder, with
 * '/' separators, which is what `knowledge_search`'s source filter names. The local index and the
 * `knowledge load` command both split here, so both hold the same passages.
 */
export async function documentsFromFolder(folder: string): Promise<SplitDocument[]> {
    const entries = await nodeFs().readdir(folder, { recursive: true, withFileTypes: true });
    const files = entries
        .filter((e) => e.isFile() && loadedExtensions.has(path.extname(e.name).toLowerCase()))
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
    const documents: SplitDocument[] = [];
    for (const file of files) {
        const content = await nodeFs().readFile(file);
        if (content.byteLength > maxFileBytes) {
            throw new Error(`${file} is larger than ${maxFileBytes} bytes; split it before loading.`);
        }
        const source = path.relative(folder, file).split(path.sep).join("/");
        documents.push({ source, passages: splitPassages(content.toString("utf8")) });
    }
    return documents;
}

/** {@link documentsFromFolder}, as one list of passages. */
export async function passagesFromFolder(folder: string): Promise<Passage[]> {
    return (await documentsFromFolder(folder)).flatMap((d) =>
        d.passages.map((text) => ({ source: d.source, text })),
    );
}

export function splitPassages(text: string): string[] {
    const paragraphs = text
        .split(/\r?\n\s*\r?\n/)
        .map((p) => p.trim())
        .filter(Boolean);
    const passages: string[] = [];
    let current = "";
    for (const paragraph of paragraphs) {
        for (let start = 0; start < paragraph.length; start += maxPassageChars) {
            const piece = paragraph.slice(start, start + maxPassageChars);
            if (current && current.length + piece.length + 2 > maxPassageChars) {
                passages.push(current);
                current = "";
            }
            current = current ? `${current}\n\n${piece}` : piece;
        }
    }
    if (current) passages.push(current);
    return passages;
}
