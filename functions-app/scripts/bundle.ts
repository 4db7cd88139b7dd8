import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { build, type Metafile, type Plugin } from "esbuild";
import { zipSync, type Zippable } from "fflate";

/** functions-app/ */
const appRoot = path.resolve(__dirname, "..");
const defaultOut = path.join(appRoot, "dist");

export interface FunctionsAppBundle {
    /** Folder laid out as the Functions host expects: host.json, package.json, dist/index.js and its apart files. */
    readonly directory: string;
    /** Deterministic zip of `directory`, what OneDeploy uploads. */
    readonly zipPath: string;
    /** sha256 of the zip: the same code always gives the same hash. */
    readonly sha256: string;
}

export interface NodeServerBundle {
    /** Folder with server.js, its apart files (loaded on first use) and the Dockerfile. */
    readonly directory: string;
    readonly entry: string;
    readonly sha256: string;
}

/**
 * Libraries the first requests do not need, each shipped as a file of its own beside the entry
 * and read when its loader first runs, so a cold start neither reads nor compiles them: the Azure
 * SDKs (first storage use), the MCP SDK's server with zod and ajv (requests off the fast path,
 * SSE sessions), Orama (memory recall, the local knowledge index), the OpenTelemetry SDK and its
 * exporters (only when tracing is configured). Each module holds library
 * code only: a module of ours in two files would exist twice, with two copies of its state.
 */
const apartModules: readonly { readonly source: string; readonly file: string }[] = [
    { source: "src/storage/azure-sdk-modules.ts", file: "azure-sdk.js" },
    { source: "src/node-host/mcp/mcp-sdk-modules.ts", file: "mcp-sdk.js" },
    { source: "src/knowledge/orama-modules.ts", file: "orama.js" },
    { source: "src/tracing/tracing-sdk-modules.ts", file: "tracing-sdk.js" },
];

/** Turns each `require` of an apart module into one of its file beside the requiring one. */
const apart: Plugin = {
    name: "apart-modules",
    setup(b) {
        b.onResolve({ filter: /-modules$/ }, (args) => {
            if (args.kind !== "require-call") return undefined;
            const source = path.relative(appRoot, path.resolve(args.resolveDir, args.path + ".ts"));
            const module = apartModules.find((m) => m.source === source.split(path.sep).join("/"));
            return module ? { path: `./${module.file}`, external: true } : undefined;
        });
    },
};

/** A bundle's files by name, the entry first, then the apart files it loads in `apartModules` order. */
type BundleFiles = ReadonlyMap<string, Buffer>;

/** Shared esbuild settings: self-contained CommonJS for Node 20+, the entry and the apart files it loads. */
async function bundle(entry: string, outfile: string, external: string[]): Promise<BundleFiles> {
    const directory = path.dirname(outfile);
    const loaded = await bundleOne(entry, outfile, external);
    // Only what the entry loads ships (the Functions app has no use for the MCP SDK's server).
    const shipped = apartModules.filter((m) => loaded.has(`./${m.file}`));
    const nested = await Promise.all(
        shipped.map((m) => bundleOne(m.source, path.join(directory, m.file), external)),
    );
    if (nested.some((files) => files.size > 0)) throw new Error("an apart module must not load another");
    const names = [path.basename(outfile), ...shipped.map((m) => m.file)];
    const contents = await Promise.all(names.map((name) => readFile(path.join(directory, name))));
    return new Map(names.map((name, i) => [name, contents[i] ?? Buffer.alloc(0)]));
}

/** Bundles one file; resolves with the apart files it loads. */
async function bundleOne(entry: string, outfile: string, external: string[]): Promise<Set<string>> {
    const result = await build({
        entryPoints: [path.join(appRoot, entry)],
        outfile,
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        minify: true,
        keepNames: true,
        legalComments: "eof",
        external,
        // ESM dependencies that call createRequire(import.meta.url) need a value in a CommonJS bundle.
        define: { "import.meta.url": "__bundleUrl" },
        banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
        logLevel: "warning",
        // Paths in the output must not depend on where the repository is checked out.
        absWorkingDir: appRoot,
        sourceRoot: "",
        plugins: [apart],
        metafile: true,
    });
    return apartFilesLoaded(result.metafile);
}

function apartFilesLoaded(metafile: Metafile): Set<string> {
    const files = apartModules.map((m) => `./${m.file}`);
    return new Set(
        Object.values(metafile.outputs).flatMap((output) =>
            output.imports.filter((i) => i.external && files.includes(i.path)).map((i) => i.path),
        ),
    );
}

/**
 * Builds the Functions app folder and its zip. `@azure/functions-core` is provided by the
 * Functions worker at run time and must stay external.
 */
export async function bundleFunctionsApp(opts: { outDir?: string } = {}): Promise<FunctionsAppBundle> {
    const directory = path.join(opts.outDir ?? defaultOut, "functions-app");
    await rm(directory, { recursive: true, force: true });
    await mkdir(path.join(directory, "dist"), { recursive: true });
    const code = await bundle("src/functions/index.ts", path.join(directory, "dist", "index.js"), [
        "@azure/functions-core",
    ]);
    const hostJson = await readFile(path.join(appRoot, "host.json"));
    const packageJson = Buffer.from(
        JSON.stringify(
            { name: "agents-control-plane-tools", version: "0.1.0", main: "dist/index.js" },
            null,
            2,
        ) + "\n",
    );
    await writeFile(path.join(directory, "host.json"), hostJson);
    await writeFile(path.join(directory, "package.json"), packageJson);
    const files: Record<string, Buffer> = { "host.json": hostJson, "package.json": packageJson };
    for (const [name, content] of code) files[`dist/${name}`] = content;
    const zip = deterministicZip(files);
    const zipPath = path.join(opts.outDir ?? defaultOut, "functions-app.zip");
    await writeFile(zipPath, zip);
    return { directory, zipPath, sha256: sha256(zip) };
}

/** Builds the Node host as one file that runs with plain `node server.js`, plus its Dockerfile. */
export async function bundleNodeServer(opts: { outDir?: string } = {}): Promise<NodeServerBundle> {
    const directory = path.join(opts.outDir ?? defaultOut, "server");
    await rm(directory, { recursive: true, force: true });
    await mkdir(directory, { recursive: true });
    const entry = path.join(directory, "server.js");
    const code = await bundle("src/node-host/main.ts", entry, []);
    await writeFile(path.join(directory, "Dockerfile"), await readFile(path.join(appRoot, "Dockerfile")));
    return { directory, entry, sha256: sha256(Buffer.concat([...code.values()])) };
}

/** Same inputs, same bytes: sorted entries and a fixed timestamp, so the hash tracks the code only. */
function deterministicZip(files: Record<string, Buffer>): Uint8Array {
    const entries: Zippable = {};
    // Code-unit order, as Array.prototype.sort orders strings by default.
    const sorted = Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [name, content] of sorted) {
        entries[name] = [new Uint8Array(content), { level: 9, mtime: new Date("1980-01-01T00:00:00Z") }];
    }
    return zipSync(entries);
}

function sha256(data: Uint8Array): string {
    return createHash("sha256").update(data).digest("hex");
}
