/**
 * .NET regular expressions on JavaScript's engine, for the constructs where the two differ in
 * ways a policy can notice: `$` also matches before a final newline in .NET (outside Multiline),
 * and `\A`, `\z`, `\Z` anchors. Constructs JavaScript lacks (`(?<name>` works in both; inline
 * options `(?i)`, possessive quantifiers, atomic groups) raise a FormatException. Pure.
 */
import { CsEnum, CsException } from "./values";

const cache = new Map<string, RegExp>();

export function dotnetRegex(pattern: string, options?: unknown, global = false): RegExp {
    const flags = new Set<string>();
    const opts = options instanceof CsEnum ? [options.member] : [];
    if (opts.includes("IgnoreCase")) flags.add("i");
    if (opts.includes("Multiline")) flags.add("m");
    if (opts.includes("Singleline")) flags.add("s");
    if (global) flags.add("g");
    const key = `${[...flags].join("")}/${pattern}`;
    const cached = cache.get(key);
    if (cached) {
        cached.lastIndex = 0;
        return cached;
    }
    if (/\(\?[imnsx-]+[):]|\(\?>|[*+?}]\+/.test(pattern))
        throw new CsException(
            "FormatException",
            `regular expression construct not supported locally: ${pattern}`,
        );
    let out = "";
    let inClass = false;
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "\\") {
            const next = pattern[i + 1];
            if (!inClass && next === "A") out += "(?<![\\s\\S])";
            else if (!inClass && next === "z") out += "(?![\\s\\S])";
            else if (!inClass && next === "Z") out += "(?=\\n?(?![\\s\\S]))";
            else out += c + (next ?? "");
            i++;
            continue;
        }
        if (inClass) {
            if (c === "]") inClass = false;
            out += c;
            continue;
        }
        if (c === "[") inClass = true;
        if (c === "$" && !flags.has("m")) out += "(?=\\n?(?![\\s\\S]))";
        else out += c;
    }
    let regex: RegExp;
    try {
        regex = new RegExp(out, [...flags].join(""));
    } catch (error) {
        throw new CsException(
            "ArgumentException",
            `Invalid pattern '${pattern}': ${(error as Error).message}`,
        );
    }
    if (cache.size > 500) cache.clear();
    cache.set(key, regex);
    return regex;
}
