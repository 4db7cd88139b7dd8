import type { AppRole } from "../roles";
import { helloMcp } from "./hello";
import { analyzeIncident } from "./incident";
import { knowledgeSearch } from "./knowledge";
import { memoryForget, memoryRecall, memorySave } from "./memory";
import { getSnippet, listSnippets, saveSnippet } from "./snippets";
import type { ToolDefinition } from "./tool";

/**
 * Every tool, defined once; both hosts serve exactly these, in this order. Adding a tool is its
 * module plus its line here: the gateway's role table, the MCP app's roles and the hosts read it.
 */
const catalog = {
    hello: helloMcp,
    saveSnippet,
    getSnippet,
    listSnippets,
    analyzeIncident,
    memorySave,
    memoryRecall,
    memoryForget,
    knowledgeSearch,
} as const;

type Catalog = typeof catalog;

export type ToolName = Catalog[keyof Catalog]["name"];

export const tools: readonly ToolDefinition<ToolName>[] = Object.values(catalog);

/** Each tool's name by its catalog key (`toolNames.saveSnippet` is `"save_snippet"`). */
export const toolNames = Object.fromEntries(
    Object.entries(catalog).map(([key, tool]) => [key, tool.name]),
) as {
    readonly [Key in keyof Catalog]: Catalog[Key]["name"];
};

/** The role a caller needs to call each tool (enforced by the gateway and by every host). */
export const toolRoles = Object.fromEntries(tools.map((tool) => [tool.name, tool.role])) as Readonly<
    Record<ToolName, AppRole>
>;
