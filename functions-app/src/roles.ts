/**
 * App roles of the MCP resource app. Agents (app-only tokens) receive them as `roles`; users
 * receive the ones assigned to them, alongside the delegated scope. Apart from the contract so
 * tool modules can name their role without importing the contract, which reads the catalog.
 */
export const appRoles = {
    /** Connect, list tools and call the harmless ones. Every agent needs it. */
    toolsInvoke: "Tools.Invoke",
    snippetsRead: "Snippets.Read",
    snippetsWrite: "Snippets.Write",
    /** Analyze Sentinel incidents (the `analyze_incident` tool and the webhook). */
    incidentsAnalyze: "Incidents.Analyze",
    /** Recall one's own memory notes (`memory_recall`). */
    memoryRead: "Memory.Read",
    /** Save and forget one's own memory notes (`memory_save`, `memory_forget`). */
    memoryWrite: "Memory.Write",
    /** Search the shared knowledge index (`knowledge_search`). */
    knowledgeSearch: "Knowledge.Search",
} as const;

export type AppRole = (typeof appRoles)[keyof typeof appRoles];

export const allAppRoles: readonly AppRole[] = Object.values(appRoles);
