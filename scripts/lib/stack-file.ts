/**
 * Reads a `Pulumi.<stack>.yaml` file into the flat key -> string map Pulumi's runtime uses
 * (structured values become JSON, as `pulumi config` stores them). `secure:` values cannot be
 * decrypted offline; they are reported so callers can fail clearly or substitute a value.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export interface StackFileConfig {
    /** `project:key` -> value. */
    readonly config: Record<string, string>;
    /** Keys whose value is `secure:` ciphertext in the file. */
    readonly secureKeys: string[];
}

export const repositoryRoot = path.resolve(__dirname, "..", "..");

export function stackFilePath(stack: string): string {
    return path.join(repositoryRoot, `Pulumi.${stack}.yaml`);
}

export function readStackFile(file: string): StackFileConfig {
    const doc = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const config: Record<string, string> = {};
    const secureKeys: string[] = [];
    for (const [key, value] of Object.entries(doc?.config ?? {})) {
        if (isSecure(value)) {
            secureKeys.push(key);
            continue;
        }
        if (containsSecure(value)) secureKeys.push(key);
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { config, secureKeys };
}

function isSecure(v: unknown): boolean {
    return (
        typeof v === "object" &&
        v !== null &&
        !Array.isArray(v) &&
        Object.keys(v).length === 1 &&
        "secure" in v
    );
}

function containsSecure(v: unknown): boolean {
    if (isSecure(v)) return true;
    if (Array.isArray(v)) return v.some(containsSecure);
    if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecure);
    return false;
}
