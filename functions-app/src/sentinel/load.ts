/** The incident engine, loaded when an incident first arrives (webhook or `analyze_incident`). */
export type SentinelEngine = typeof import("./sentinel-modules");

let engine: SentinelEngine | undefined;

/**
 * `require`: the bundles turn it into one of `sentinel.js` beside the entry, and the CommonJS test
 * loader (tsx/cjs) resolves it to the `.ts` file. Synchronous: the file is small (about 25 KB) and
 * read once, and the callers stay synchronous.
 */
export function loadSentinel(): SentinelEngine {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    return (engine ??= require("./sentinel-modules") as SentinelEngine);
}
