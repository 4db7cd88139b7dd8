// Module resolution hook: the conformance package's `fs` becomes node:fs plus a `globSync` that
// refuses (only tier-check calls it). Every other importer gets the real `fs`.
const shim =
    "data:text/javascript," +
    encodeURIComponent(
        'import fs from "node:fs"; export * from "node:fs"; export default fs;' +
            'export function globSync() { throw new Error("fs.globSync needs Node 22 (conformance tier-check)"); }',
    );

export async function resolve(specifier, context, next) {
    const fromConformance = context.parentURL?.includes("/@modelcontextprotocol/conformance/") ?? false;
    if (fromConformance && (specifier === "fs" || specifier === "node:fs"))
        return { url: shim, shortCircuit: true };
    return next(specifier, context);
}
