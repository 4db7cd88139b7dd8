import { passagesFromFolder } from "./documents";
import { OramaKnowledgeIndex } from "./orama-knowledge-index";

/**
 * The local knowledge index holding a folder's documents (none: an empty index), and how many
 * passages they gave.
 */
export async function loadLocalKnowledge(
    folder: string | undefined,
): Promise<{ index: OramaKnowledgeIndex; passages: number }> {
    const passages = folder === undefined ? [] : await passagesFromFolder(folder);
    const index = new OramaKnowledgeIndex();
    await index.add(passages);
    return { index, passages: passages.length };
}
