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

interface ApartModule {
    readonly source: string;
    readonly file: string;
    /**
     * Runs as a worker thread of its own: its modules are its own instances, never the entry's, so
     * it may hold modules the entry holds too.
     */
    readonly thread?: boolean;
}

/**
 * Code the first requests do not need, each shipped as a file of its own beside the entry and read
 * when its loader first runs, so a cold start neither reads nor compiles it: the Azure SDKs (first
 * storage use), the MCP SDK's server with zod and ajv (requests off the fast path, SSE sessions),
 * Orama (memory recall, the local knowledge index), the OpenTelemetry SDK (only when tracing is
 * configured) and, started by it on its first export, the export worker's thread with the chosen
 * exporter, and the incident engine (the first incident). A module of ours in two files exists
 * twice, with two copies of any state it holds: the build refuses one found in both the entry and
 * an apart file unless it is in `statelessSharedModules`.
 */
const apartModules: readonly ApartModule[] = [
    { source: "src/storage/azure-sdk-modules.ts", file: "azure-sdk.js" },
    { source: "src/node-host/mcp/mcp-sdk-modules.ts", file: "mcp-sdk.js" },
    { source: "src/knowledge/orama-modules.ts", file: "orama.js" },
    { source: "src/tracing/tracing-sdk-modules.ts", file: "tracing-sdk.js" },
    { source: "src/tracing/export-worker-modules.ts", file: "export-worker.js", thread: true },
    { source: "src/tracing/azure-monitor-exporter-modules.ts", file: "azure-monitor-exporter.js" },
    { source: "src/tracing/otlp-exporter-modules.ts", file: "otlp-exporter.js" },
    { source: "src/sentinel/sentinel-modules.ts", file: "sentinel.js" },
];

/** Modules of ours that may be in the entry and in an apart file: pure functions and constants. */
const statelessSharedModules: ReadonlySet<string> = new Set([
    "src/unicode.ts",
    "src/sentinel/webhook-limits.ts",
    "src/maybe-promise.ts",
    "src/tracing/settings.ts",
    "src/tracing/no-span.ts",
]);

/** Turns each `require` of an apart module into one of its file beside the requiring one. */
const apart: Plugin = {
    name: "apart-modules",
    setup(b) {
        b.onResolve({ filter: /-modules$/ }, (args) => {
            // `require.resolve` names a worker thread's file (`startExportWorker`).
            if (args.kind !== "require-call" && args.kind !== "require-resolve") return undefined;
            const source = path.relative(appRoot, path.resolve(args.resolveDir, args.path + ".ts"));
            const module = apartModules.find((m) => m.source === source.split(path.sep).join("/"));
            return module ? { path: `./${module.file}`, external: true } : undefined;
        });
    },
};

/** A bundle's files by name, the entry first, then the apart files it loads in `apartModules` order. */
type BundleFiles = ReadonlyMap<string, Buffer>;

/** How an entry is bundled. */
interface EntryOptions {
    readonly external: string[];
    /**
     * Keep function and class names in the entry (the apart files, library code, always keep
     * theirs). Off for the Node host: our code never reads a function's name (our errors set
     * `name` themselves, jose's are told apart by `instanceof`), and the name esbuild pins on each
     * closure made per request cost the host about a twelfth of its CPU per call (`npm run bench`).
     * On for the Functions app, whose `@azure/functions` library reads `constructor.name`.
     */
    readonly keepNames: boolean;
}

/** Shared esbuild settings: self-contained CommonJS for Node 20+, the entry and the apart files it loads. */
async function bundle(entry: string, outfile: string, options: EntryOptions): Promise<BundleFiles> {
    const directory = path.dirname(outfile);
    const { external } = options;
    const main = await bundleOne(entry, outfile, external, { keepNames: options.keepNames });
    // Only what the entry loads ships (the Functions app has no use for the MCP SDK's server), and
    // what those files load in turn (the tracing SDK loads its exporter on first export).
    const built = new Map<ApartModule, BuiltFile>();
    let wanted = apartModules.filter((m) => main.apartFiles.has(`./${m.file}`));
    while (wanted.length > 0) {
        const round = await Promise.all(
            wanted.map((m) =>
                bundleOne(m.source, path.join(directory, m.file), external, { keepNames: true }),
            ),
        );
        for (const [i, b] of round.entries()) built.set(wanted[i]!, b);
        const loaded = new Set(round.flatMap((b) => [...b.apartFiles]));
        wanted = apartModules.filter((m) => loaded.has(`./${m.file}`) && !built.has(m));
    }
    const shipped = apartModules.filter((m) => built.has(m));
    for (const m of shipped.filter((apartModule) => apartModule.thread !== true)) {
        const twice = [...built.get(m)!.ownModules].filter(
            (own) => main.ownModules.has(own) && !statelessSharedModules.has(own),
        );
        if (twice.length > 0) {
            throw new Error(
                `${m.file} and ${path.basename(outfile)} would both hold ${twice.join(", ")}: ` +
                    "load it from one place, or list it in statelessSharedModules if it holds no state",
            );
        }
    }
    const names = [path.basename(outfile), ...shipped.map((m) => m.file)];
    const contents = await Promise.all(names.map((name) => readFile(path.join(directory, name))));
    return new Map(names.map((name, i) => [name, contents[i] ?? Buffer.alloc(0)]));
}

/** What one esbuild run produced: the apart files it loads and the modules of ours it holds. */
interface BuiltFile {
    readonly apartFiles: ReadonlySet<string>;
    /** Paths relative to functions-app/, e.g. `src/unicode.ts`. */
    readonly ownModules: ReadonlySet<string>;
}

/** Bundles one file. */
async function bundleOne(
    entry: string,
    outfile: string,
    external: string[],
    options: { readonly keepNames: boolean },
): Promise<BuiltFile> {
    const result = await build({
        entryPoints: [path.join(appRoot, entry)],
        outfile,
        bundle: true,
        platform: "node",
        target: "node20",
        format: "cjs",
        minify: true,
        keepNames: options.keepNames,
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
    return { apartFiles: apartFilesLoaded(result.metafile), ownModules: ownModules(result.metafile) };
}

function ownModules(metafile: Metafile): Set<string> {
    return new Set(
        Object.values(metafile.outputs).flatMap((output) =>
            Object.entries(output.inputs)
                .filter(([input, { bytesInOutput }]) => input.startsWith("src/") && bytesInOutput > 0)
                .map(([input]) => input),
        ),
    );
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
    const code = await bundle("src/functions/index.ts", path.join(directory, "dist", "index.js"), {
        external: ["@azure/functions-core"],
        keepNames: true,
    });
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
    const code = await bundle("src/node-host/main.ts", entry, { external: [], keepNames: false });
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
