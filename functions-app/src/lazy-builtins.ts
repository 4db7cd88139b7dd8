/**
 * Node built-ins that neither a start nor the first `tools/list` needs, required on first use
 * instead of at load: an `import` of them is hoisted to the top of the bundle, so every cold start
 * would load them (`node:crypto` alone takes about 2 ms here). Node caches each after its first
 * `require`, so calling these on every use costs a property lookup.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- lazy built-ins, see above */

export function nodeCrypto(): typeof import("node:crypto") {
    return require("node:crypto") as typeof import("node:crypto");
}

export function nodeFs(): typeof import("node:fs/promises") {
    return require("node:fs/promises") as typeof import("node:fs/promises");
}

export function nodeDns(): typeof import("node:dns") {
    return require("node:dns") as typeof import("node:dns");
}

/** `node:https`, and TLS under it. */
export function nodeHttps(): typeof import("node:https") {
    return require("node:https") as typeof import("node:https");
}
