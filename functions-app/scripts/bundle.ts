import { createHash } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { build, type Plugin } from "esbuild";
import { zipSync, type Zippable } from "fflate";

/** functions-app/ */
const appRoot = path.resolve(__dirname, "..");
const defaultOut = path.join(appRoot, "dist");

export interface FunctionsAppBundle {
    /** Folder laid out as the Functions host expects: host.json, package.json, dist/index.js, azure-sdk.js, tracing-sdk.js. */
    readonly directory: string;
    /** Deterministic zip of `directory`, what OneDeploy uploads. */
    readonly zipPath: string;
    /** sha256 of the zip: the same code always gives the same hash. */
    readonly sha256: string;
}

export interface NodeServerBundle {
    /** Folder with server.js, azure-sdk.js (loaded on first storage use), tracing-sdk.js (when tracing is on) and the Dockerfile. */
    readonly directory: string;
    readonly entry: string;
    readonly sha256: string;
}

/** The Azure SDKs' module (src/storage/azure-sdk-modules.ts), shipped as this file beside the entry. */
const azureSdkFile = "azure-sdk.js";

/**
 * Leaves the Azure SDKs out of the entry's file: their `require` becomes one of
 * `azure-sdk.js` beside it, so a cold start neither reads nor compiles them (they were about
 * four fifths of the bundle).
 */
const azureSdkApart: Plugin = {
    name: "azure-sdk-apart",
    setup(b) {
        b.onResolve({ filter: /\/azure-sdk-modules$/ }, (args) =>
            args.kind === "require-call" ? { path: `./${azureSdkFile}`, external: true } : undefined,
        );
    },
};

/** The OpenTelemetry SDK and exporters (src/tracing/tracing-sdk-modules.ts), loaded only when tracing is on. */
const tracingSdkFile = "tracing-sdk.js";

const tracingSdkApart: Plugin = {
    name: "tracing-sdk-apart",
    setup(b) {
        b.onResolve({ filter: /\/tracing-sdk-modules$/ }, (args) =>
            args.kind === "require-call" ? { path: `./${tracingSdkFile}`, external: true } : undefined,
        );
    },
};

/** Shared esbuild settings: self-contained CommonJS for Node 20+, the entry, `azure-sdk.js` and `tracing-sdk.js`. */
async function bundle(
    entry: string,
    outfile: string,
    external: string[],
): Promise<{ readonly code: Buffer; readonly sdk: Buffer; readonly tracing: Buffer }> {
    const sdkFile = path.join(path.dirname(outfile), azureSdkFile);
    const tracingFile = path.join(path.dirname(outfile), tracingSdkFile);
    await Promise.all([
        bundleOne(entry, outfile, external, [azureSdkApart, tracingSdkApart]),
        bundleOne("src/storage/azure-sdk-modules.ts", sdkFile, external, []),
        bundleOne("src/tracing/tracing-sdk-modules.ts", tracingFile, external, []),
    ]);
    const [code, sdk, tracing] = await Promise.all([
        readFile(outfile),
        readFile(sdkFile),
        readFile(tracingFile),
    ]);
    return { code, sdk, tracing };
}

async function bundleOne(
    entry: string,
    outfile: string,
    external: string[],
    plugins: Plugin[],
): Promise<void> {
    await build({
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
        plugins,
    });
}

/**
 * Builds the Functions app folder and its zip. `@azure/functions-core` is provided by the
 * Functions worker at run time and must stay external.
 */
export async function bundleFunctionsApp(opts: { outDir?: string } = {}): Promise<FunctionsAppBundle> {
    const directory = path.join(opts.outDir ?? defaultOut, "functions-app");
    await rm(directory, { recursive: true, force: true });
    await mkdir(path.join(directory, "dist"), { recursive: true });
    const { code, sdk, tracing } = await bundle(
        "src/functions/index.ts",
        path.join(directory, "dist", "index.js"),
        ["@azure/functions-core"],
    );
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
    const files: Record<string, Buffer> = {
        "host.json": hostJson,
        "package.json": packageJson,
        "dist/index.js": code,
        [`dist/${azureSdkFile}`]: sdk,
        [`dist/${tracingSdkFile}`]: tracing,
    };
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
    const { code, sdk, tracing } = await bundle("src/node-host/main.ts", entry, []);
    await writeFile(path.join(directory, "Dockerfile"), await readFile(path.join(appRoot, "Dockerfile")));
    return { directory, entry, sha256: sha256(Buffer.concat([code, sdk, tracing])) };
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
