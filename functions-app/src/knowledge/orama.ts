/** Orama, loaded on first use (memory recall, the local knowledge index): see `orama-modules.ts`. */
export type Orama = typeof import("./orama-modules");

let orama: Promise<Orama> | undefined;

/**
 * `require`: the bundle turns it into one of `orama.js` beside the entry, and the CommonJS test
 * loader (tsx/cjs) resolves it to the `.ts` file, which a relative `import()` would not.
 */
export function loadOrama(): Promise<Orama> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
    return (orama ??= Promise.resolve().then(() => require("./orama-modules") as Orama));
}
