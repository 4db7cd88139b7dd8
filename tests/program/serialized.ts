/**
 * Dynamic providers run in the engine's host from text Pulumi's serializer produced, not from the
 * modules the tests import. This loads a value the way that host does, so tests can drive the code
 * as it will really run (the serializer rebuilds classes, and drops what it cannot capture).
 */
import * as assert from "node:assert/strict";
import Module from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

interface CompilableModule extends Module {
    _compile(code: string, filename: string): void;
}

export async function asSerialized<T>(value: T): Promise<T> {
    const serialized = await pulumi.runtime.serializeFunction(() => value, {
        allowSecrets: true,
        isFactoryFunction: true,
    });
    // Compiled from the project directory, so `require` finds node_modules as the host's would.
    const filename = path.join(process.cwd(), "serialized-by-pulumi.js");
    const loaded = new Module(filename) as CompilableModule;
    loaded.filename = filename;
    loaded.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
        process.cwd(),
    );
    loaded._compile(serialized.text, filename);
    // The factory ran on load: the export is the value itself.
    const exported = (loaded.exports as Record<string, T | undefined>)[serialized.exportName];
    assert.ok(exported !== undefined, `the serialized module exports no ${serialized.exportName}`);
    return exported;
}
