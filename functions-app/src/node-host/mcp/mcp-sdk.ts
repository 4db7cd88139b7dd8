/**
 * The MCP SDK, loaded when a request first needs an SDK server (anything off the fast path, a
 * legacy SSE session) rather than at start: see `mcp-sdk-modules.ts`.
 */
export type McpSdk = typeof import("./mcp-sdk-modules");

let sdk: Promise<McpSdk> | undefined;

/**
 * `require`: the bundle turns it into one of `mcp-sdk.js` beside the entry, and the CommonJS test
 * loader (tsx/cjs) resolves it to the `.ts` file, which a relative `import()` would not.
 */
export function loadMcpSdk(): Promise<McpSdk> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    return (sdk ??= Promise.resolve().then(() => require("./mcp-sdk-modules") as McpSdk));
}
