/** Command line of `npm run smoke`: flags, defaults and the usage text that lists them. */

export type Layout = "backend" | "gateway";
/** Which MCP revision the Streamable HTTP checks use: modern (2026-07-28), legacy, or modern first. */
export type ProtocolChoice = "auto" | "modern" | "legacy";

export interface SmokeArgs {
    readonly base: string;
    readonly token?: string;
    readonly agent?: string;
    readonly layout: Layout;
    readonly protocol: ProtocolChoice;
}

/** A command line the smoke command refuses; `main` prints its message on one line and exits 2. */
export class UsageError extends Error {}

export const defaultBase = "http://127.0.0.1:7071";

export const usage = `Usage: npm run smoke -- [base-url] [flags]

Lists and calls every tool over Streamable HTTP and the legacy HTTP+SSE transport, round-trips a
snippet, posts the sample incidents to the webhook and prints a pass/fail table with the MCP
revision each check used.

  base-url                      the host or gateway (default ${defaultBase})
  --layout backend|gateway      path layout: the tool host's or the gateway's
                                (default: backend for 127.0.0.1/localhost/[::1], else gateway)
  --protocol auto|modern|legacy revision for Streamable HTTP (default auto): auto tries the modern
                                revision (2026-07-28) first and falls back to the legacy handshake;
                                modern and legacy force one. HTTP+SSE is legacy-only: skipped
                                under modern.
  --token T                     bearer token for every request (default: the MCP_TOKEN variable)
  --agent NAME                  take a token for agent NAME of the stack file from the local
                                gateway's Entra stand-in (npm start; local only)
  -h, --help                    print this text

Exit codes: 0 every check passed, 1 a check failed, 2 a bad command line.`;

const layouts: readonly Layout[] = ["backend", "gateway"];
const protocols: readonly ProtocolChoice[] = ["auto", "modern", "legacy"];

/** True when the command line asks for the usage text (wherever the flag is). */
export function wantsHelp(argv: readonly string[]): boolean {
    return argv.some((arg) => arg === "-h" || arg === "--help");
}

/** Parses the command line (help flags aside: see {@link wantsHelp}). Throws {@link UsageError}. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SmokeArgs {
    const positional: string[] = [];
    let token: string | undefined;
    let agent: string | undefined;
    let layout: string | undefined;
    let protocol: string | undefined;
    // One iterator for the loop and for flag values, so a flag's value is not read again as an argument.
    const args = argv.values();
    const valueOf = (flag: string): string => {
        const { value } = args.next();
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${flag} needs a value`);
        return value;
    };
    for (const arg of args) {
        if (arg === "--token") token = valueOf(arg);
        else if (arg === "--agent") agent = valueOf(arg);
        else if (arg === "--layout") layout = valueOf(arg);
        else if (arg === "--protocol") protocol = valueOf(arg);
        else if (arg.startsWith("-")) throw new UsageError(`unknown flag ${arg}`);
        else positional.push(arg);
    }
    if (positional.length > 1) throw new UsageError(`one base URL expected, got ${positional.join(" ")}`);
    const base = (positional[0] ?? defaultBase).replace(/\/+$/, "");
    let url: URL;
    try {
        url = new URL(base);
    } catch {
        throw new UsageError(`not a URL: ${base}`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new UsageError(`the base URL must be http or https, got ${base}`);
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    const chosenLayout = layout ?? (local ? "backend" : "gateway");
    if (!isOneOf(layouts, chosenLayout))
        throw new UsageError(`--layout must be backend or gateway, got ${chosenLayout}`);
    const chosenProtocol = protocol ?? "auto";
    if (!isOneOf(protocols, chosenProtocol))
        throw new UsageError(`--protocol must be auto, modern or legacy, got ${chosenProtocol}`);
    if (agent !== undefined && token !== undefined)
        throw new UsageError("--token and --agent exclude each other");
    // The agent's token replaces MCP_TOKEN; an explicit --token wins over it too.
    const chosenToken = agent === undefined ? (token ?? (env.MCP_TOKEN || undefined)) : undefined;
    return {
        base,
        ...(chosenToken !== undefined ? { token: chosenToken } : {}),
        ...(agent !== undefined ? { agent } : {}),
        layout: chosenLayout,
        protocol: chosenProtocol,
    };
}

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
    return (values as readonly string[]).includes(value);
}
