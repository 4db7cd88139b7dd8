/**
 * Runs a dynamic provider's serialized text (a resource's recorded `__provider` input) the way
 * Pulumi's dynamic provider host does, from a directory outside this checkout: a plain `node`
 * process (no TypeScript loader), the text compiled with no file name so that `require` resolves
 * from the working directory (a fresh temporary directory), packages by name found only through
 * `NODE_PATH` when given. What a `pulumi destroy` from another checkout or machine would run.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import * as path from "node:path";

/** One call on the provider: `create`, `diff`, `update` or `delete` with its arguments. */
export interface ProviderCall {
    readonly method: "create" | "diff" | "update" | "delete";
    readonly args: readonly unknown[];
}

export type ProviderCallResult =
    { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** As cmd/dynamic-provider's getProvider: `requireFromString(text).handler()`, then the calls in order. */
const host = `"use strict";
const Module = require("node:module");
const path = require("node:path");
const fs = require("node:fs");
const [providerFile, callsFile, resultsFile] = process.argv.slice(2);
const loaded = new Module("", undefined);
loaded.filename = "";
loaded.paths = Module._nodeModulePaths(path.dirname(""));
loaded._compile(fs.readFileSync(providerFile, "utf8"), "");
const provider = loaded.exports.handler();
(async () => {
    const results = [];
    for (const call of JSON.parse(fs.readFileSync(callsFile, "utf8"))) {
        try {
            results.push({ ok: true, value: (await provider[call.method](...call.args)) ?? null });
        } catch (error) {
            results.push({ ok: false, error: String(error && error.message || error) });
        }
    }
    fs.writeFileSync(resultsFile, JSON.stringify(results));
})();
`;

/**
 * Loads `providerText` in a new process whose working directory is a new temporary directory and
 * makes `calls` on it; `nodePath` lets `require("<package>")` find installed packages.
 */
export async function runProviderElsewhere(
    providerText: string,
    calls: readonly ProviderCall[],
    options: { readonly nodePath?: string; readonly timeoutMs?: number } = {},
): Promise<ProviderCallResult[]> {
    const dir = await mkdtemp(path.join(tmpdir(), "provider-elsewhere-"));
    try {
        if (!path.relative(process.cwd(), dir).startsWith(".."))
            throw new Error(`${dir} is inside ${process.cwd()}: point TMPDIR outside the checkout`);
        const file = (name: string) => path.join(dir, name);
        await writeFile(file("provider.js"), providerText);
        await writeFile(file("calls.json"), JSON.stringify(calls));
        await writeFile(file("host.js"), host);
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? "" };
        if (options.nodePath !== undefined) env.NODE_PATH = options.nodePath;
        const { code, output } = await new Promise<{ code: number | null; output: string }>(
            (resolve, reject) => {
                const child = spawn(
                    process.execPath,
                    [file("host.js"), file("provider.js"), file("calls.json"), file("results.json")],
                    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
                );
                let output = "";
                child.stdout.on("data", (d: Buffer) => (output += d.toString()));
                child.stderr.on("data", (d: Buffer) => (output += d.toString()));
                const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
                child.on("error", reject);
                child.on("close", (c) => {
                    clearTimeout(timer);
                    resolve({ code: c, output });
                });
            },
        );
        if (code !== 0) throw new Error(`the provider host exited with ${code}: ${output}`);
        return JSON.parse(await readFile(file("results.json"), "utf8")) as ProviderCallResult[];
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

/** Every module name the serialized text passes to `require(...)` or `import(...)` as a literal. */
export function requiredModules(providerText: string): string[] {
    const names = [...providerText.matchAll(/\b(?:require|import)\(\s*(["'`])([^"'`]+)\1\s*\)/g)].map(
        (m) => m[2] ?? "",
    );
    return [...new Set(names)].sort();
}

/** `require(...)` calls whose argument is not a string literal (a path computed at run time). */
export function computedRequires(providerText: string): string[] {
    return [...providerText.matchAll(/\brequire\(\s*(?!["'`])[^)]{0,60}/g)].map((m) => m[0]);
}

/** Whether `name` is a Node built-in (`fs`, `node:fs`, `fs/promises`). */
export function isBuiltinModule(name: string): boolean {
    return builtinModules.includes(name.replace(/^node:/, ""));
}
