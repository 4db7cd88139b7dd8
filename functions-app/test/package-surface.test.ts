import assert from "node:assert/strict";
import { readFileSync, readdirSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";
import * as contractByPath from "../src/contract";
import { appRoot } from "./support/host-process";

const repoRoot = path.resolve(appRoot, "..");
const manifest = JSON.parse(readFileSync(path.join(appRoot, "package.json"), "utf8")) as {
    name: string;
    main: string;
    exports: Record<string, string>;
    typesVersions: { "*": Record<string, string[]> };
};
const modules = Object.entries(manifest.exports).filter(([, target]) => target.endsWith(".ts"));

/** Resolves a specifier the way Node's CommonJS loader does (tsx and mocha load through it) from the repo root. */
const resolveFromRoot = (specifier: string) => require.resolve(specifier, { paths: [repoRoot] });

describe("the tool service as a package (functions-app exports)", () => {
    it("maps each exported subpath to a file, and tells the compiler the same map", () => {
        assert.ok(modules.length > 0);
        for (const [subpath, target] of modules) {
            assert.ok(statSync(path.join(appRoot, target)).isFile(), `${subpath} -> ${target}`);
        }
        // tsconfig resolves modules the node10 way, which reads typesVersions, not exports.
        assert.deepEqual(
            manifest.typesVersions["*"],
            Object.fromEntries(modules.map(([subpath, target]) => [subpath.slice(2), [target.slice(2)]])),
        );
    });

    it("resolves every subpath through Node's resolver to that file, as the same module instance", () => {
        for (const [subpath, target] of modules) {
            assert.equal(
                realpathSync(resolveFromRoot(`${manifest.name}${subpath.slice(1)}`)),
                path.join(appRoot, target),
                subpath,
            );
        }
        // One instance whichever way it is reached, so constants and classes are shared.
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the check is what require() resolves the package name to
        const byName = require(resolveFromRoot(`${manifest.name}/contract`)) as typeof contractByPath;
        assert.equal(byName.toolRoles, contractByPath.toolRoles);
    });

    it("refuses paths it does not export", () => {
        assert.throws(() => resolveFromRoot(`${manifest.name}/src/contract`), {
            code: "ERR_PACKAGE_PATH_NOT_EXPORTED",
        });
        assert.throws(() => resolveFromRoot(`${manifest.name}/src/catalog/tool`), {
            code: "ERR_PACKAGE_PATH_NOT_EXPORTED",
        });
    });

    it("bundles with esbuild from outside the package, through its exports", async () => {
        const result = await build({
            stdin: {
                contents: `import { backendPaths } from "${manifest.name}/contract"; export const result = backendPaths.mcpStreamable;`,
                resolveDir: repoRoot,
                loader: "ts",
            },
            bundle: true,
            write: false,
            platform: "node",
            format: "cjs",
            logLevel: "silent",
        });
        const [output] = result.outputFiles;
        assert.ok(output, "esbuild produced the bundle");
        const bundled = { exports: {} as { result?: string } };
        // eslint-disable-next-line @typescript-eslint/no-implied-eval, @typescript-eslint/no-unsafe-call -- runs the CommonJS bundle under test, as Node's loader would
        new Function("module", "exports", "require", output.text)(bundled, bundled.exports, require);
        assert.equal(bundled.exports.result, contractByPath.backendPaths.mcpStreamable);
    });

    it("is imported by name, never by a relative path into its folder, from the program, the local gateway, the bench and the policy pack", () => {
        const deep: string[] = [];
        for (const folder of ["components", "local-gateway", "bench", "tests", "scripts", "policypacks"]) {
            for (const file of typeScriptFiles(path.join(repoRoot, folder))) {
                const text = readFileSync(file, "utf8");
                if (/(?:from |import\()"(?:\.\.\/)+functions-app\//.test(text))
                    deep.push(path.relative(repoRoot, file));
            }
        }
        assert.deepEqual(deep, []);
    });

    it("keeps the Functions app's own layout: main is what the build writes, host.json at the root", () => {
        assert.equal(manifest.main, "dist/functions/index.js");
        const host = JSON.parse(readFileSync(path.join(appRoot, "host.json"), "utf8")) as { version: string };
        assert.equal(host.version, "2.0");
    });
});

function typeScriptFiles(folder: string): string[] {
    return readdirSync(folder, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.parentPath.includes("node_modules"))
        .map((e) => path.join(e.parentPath, e.name));
}
