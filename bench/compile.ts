import { build, type Plugin } from "esbuild";

/**
 * The tool service's package is compiled in, as the host's own bundle has it; npm dependencies stay
 * external (`packages: "external"` alone would leave its TypeScript to plain node).
 */
const compileToolService: Plugin = {
    name: "compile-tool-service",
    setup(b) {
        b.onResolve({ filter: /^functions-app\// }, (args) => ({
            path: require.resolve(args.path, { paths: [args.resolveDir] }),
        }));
    },
};

/** Bundles a bench server for node, npm packages external. */
export async function compile(entry: string, outfile: string): Promise<string> {
    await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        packages: "external",
        plugins: [compileToolService],
        logLevel: "warning",
    });
    return outfile;
}
