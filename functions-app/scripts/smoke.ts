import { randomUUID } from "node:crypto";
import {
    Client,
    SSEClientTransport,
    StreamableHTTPClientTransport,
    type Transport,
    type VersionNegotiationMode,
} from "@modelcontextprotocol/client";
import { backendPaths, gatewayPaths, toolNames, toolRoles, webhookRole } from "../src/contract";
import { sampleIncidents } from "../src/sentinel";
import { parseArgs, usage, UsageError, wantsHelp, type Layout, type ProtocolChoice } from "./smoke-args";

export { parseArgs, UsageError } from "./smoke-args";

/**
 * `npm run smoke -- [base-url] [--token T | --agent NAME] [--layout backend|gateway]
 * [--protocol auto|modern|legacy]` (`--help` lists every flag and its default).
 *
 * Connects with the official MCP client (v2, which speaks the modern 2026-07-28 revision and the
 * legacy handshake) over both transports, lists and calls every tool, round-trips a snippet, posts
 * the sample incidents to the webhook and prints a pass/fail table with the revision each check
 * used. Over Streamable HTTP it tries the modern revision first and falls back to the legacy
 * handshake (`--protocol` forces one); HTTP+SSE exists only in the legacy revisions. The same
 * checks work against `npm start` (backend paths) and a deployed gateway (gateway paths, with a
 * token from Entra ID). `--agent NAME` takes a token for that agent of the stack file from the
 * local gateway's Entra stand-in (`npm start`; local only); checks for tools whose role the token
 * does not grant are skipped, since the gateway refuses them by design.
 */

/** The revision without the initialize handshake that `--protocol modern` pins. */
export const modernRevision = "2026-07-28";

interface Check {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
    readonly ms: number;
    /** The MCP revision the check's connection negotiated; absent for plain HTTP checks. */
    readonly revision?: string | undefined;
}

interface Endpoints {
    readonly mcp: string;
    readonly sse: string;
    readonly webhook: string;
}

/** A token for an agent from the local gateway's Entra stand-in (client credentials, local only). */
export async function localAgentToken(base: string, agent: string): Promise<string> {
    const res = await fetch(`${base}/local-entra/oauth2/v2.0/token`, {
        method: "POST",
        body: new URLSearchParams({
            grant_type: "client_credentials",
            client_id: agent,
            scope: "api://local/.default",
        }),
    });
    const body = (await res.json()) as { access_token?: string; error?: string };
    if (res.status !== 200 || !body.access_token)
        throw new Error(`no local token for agent ${agent}: HTTP ${res.status} ${body.error ?? ""}`);
    return body.access_token;
}

/** App roles a JWT carries (read, not verified: only to choose which checks apply). */
export function rolesOf(token: string): string[] | undefined {
    try {
        const [, encoded] = token.split(".");
        if (encoded === undefined) return undefined;
        const payload = JSON.parse(Buffer.from(encoded, "base64url").toString("utf8")) as {
            roles?: unknown;
        };
        return Array.isArray(payload.roles)
            ? payload.roles.filter((r): r is string => typeof r === "string")
            : undefined;
    } catch {
        return undefined;
    }
}

export function endpointsFor(base: string, layout: Layout): Endpoints {
    return layout === "backend"
        ? {
              mcp: base + backendPaths.mcpStreamable,
              sse: base + backendPaths.mcpSse,
              webhook: base + backendPaths.sentinelWebhook,
          }
        : {
              mcp: base + gatewayPaths.mcp,
              sse: base + gatewayPaths.mcpSse,
              webhook: base + gatewayPaths.sentinelWebhook,
          };
}

/** How the v2 client negotiates for a `--protocol` choice. */
function negotiationFor(protocol: ProtocolChoice): VersionNegotiationMode {
    if (protocol === "modern") return { pin: modernRevision };
    return protocol;
}

export async function runSmoke(
    endpoints: Endpoints,
    token?: string,
    protocol: ProtocolChoice = "auto",
): Promise<Check[]> {
    const checks: Check[] = [];
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    // Every request the client makes (POSTs, the SSE stream, the modern probe) carries the token.
    const fetchWithAuth: typeof fetch = (url, init) => {
        const headers = new Headers(init?.headers);
        for (const [name, value] of Object.entries(auth)) headers.set(name, value);
        return fetch(url, { ...init, headers });
    };
    const granted = token ? rolesOf(token) : undefined;
    let revision: string | undefined;
    const check = async (name: string, run: () => Promise<string>, ...roles: string[]) => {
        const missing = granted ? roles.filter((r) => !granted.includes(r)) : [];
        if (missing.length > 0) {
            checks.push({ name, ok: true, detail: `skipped: the token lacks ${missing.join(", ")}`, ms: 0 });
            return;
        }
        const start = performance.now();
        try {
            const detail = await run();
            checks.push({ name, ok: true, detail, ms: performance.now() - start, revision });
        } catch (error) {
            const detail = error instanceof Error ? error.message : String(error);
            checks.push({
                name,
                ok: false,
                detail: firstLine(detail).slice(0, 160),
                ms: performance.now() - start,
                revision,
            });
        }
    };
    const snippetName = `smoke-${randomUUID().slice(0, 8)}`;
    const snippetBody = `smoke test ${new Date().toISOString()}`;

    for (const kind of ["streamable-http", "sse"] as const) {
        revision = undefined;
        if (kind === "sse" && protocol === "modern") {
            checks.push({
                name: "sse: all checks",
                ok: true,
                detail: `skipped: HTTP+SSE carries only the legacy revisions, --protocol modern pins ${modernRevision}`,
                ms: 0,
            });
            continue;
        }
        const choice: ProtocolChoice = kind === "sse" ? "legacy" : protocol;
        const client = new Client(
            { name: "agents-control-plane-smoke", version: "1.0.0" },
            { versionNegotiation: { mode: negotiationFor(choice) } },
        );
        const transport: Transport =
            kind === "streamable-http"
                ? new StreamableHTTPClientTransport(new URL(endpoints.mcp), { fetch: fetchWithAuth })
                : new SSEClientTransport(new URL(endpoints.sse), { fetch: fetchWithAuth });
        let connected = false;
        const connectName =
            kind === "sse" ? "sse: connect (legacy only)" : `${kind}: connect (--protocol ${choice})`;
        await check(connectName, async () => {
            await client.connect(transport);
            connected = true;
            revision = client.getNegotiatedProtocolVersion();
            const info = client.getServerVersion();
            const server = info ? `${info.name} ${info.version}` : "server without a name";
            return `${server}; ${describeEra(client.getProtocolEra(), choice, kind)}`;
        });
        if (!connected) {
            await client.close().catch(() => undefined);
            continue;
        }
        await check(`${kind}: tools/list`, async () => {
            const { tools } = await client.listTools();
            const missing = Object.values(toolNames).filter((n) => !tools.some((t) => t.name === n));
            if (missing.length > 0) throw new Error(`missing tools: ${missing.join(", ")}`);
            return tools.map((t) => t.name).join(", ");
        });
        const call = async (name: string, args: Record<string, unknown>) => {
            const result = await client.callTool({ name, arguments: args });
            const text = (result.content as { type: string; text?: string }[])[0]?.text ?? "";
            if (result.isError) throw new Error(`${name} returned an error: ${text}`);
            return text;
        };
        await check(`${kind}: hello_mcp`, () => call(toolNames.hello, {}), toolRoles.hello_mcp);
        if (kind === "streamable-http") {
            await check(
                `${kind}: save_snippet`,
                () => call(toolNames.saveSnippet, { snippetname: snippetName, snippet: snippetBody }),
                toolRoles.save_snippet,
            );
        }
        await check(
            `${kind}: get_snippet (saved over Streamable HTTP)`,
            async () => {
                const text = await call(toolNames.getSnippet, { snippetname: snippetName });
                if (text !== snippetBody) throw new Error(`got ${JSON.stringify(text)}`);
                return "round trip ok";
            },
            toolRoles.save_snippet,
            toolRoles.get_snippet,
        );
        await check(
            `${kind}: list_snippets`,
            async () => {
                const text = await call(toolNames.listSnippets, { prefix: snippetName });
                if (!text.includes(snippetName)) throw new Error(`snippet not listed: ${text.slice(0, 80)}`);
                return "listed";
            },
            toolRoles.save_snippet,
            toolRoles.list_snippets,
        );
        await check(
            `${kind}: analyze_incident`,
            async () => {
                const analysis = JSON.parse(
                    await call(toolNames.analyzeIncident, { incident: sampleIncidents[0] }),
                ) as {
                    confidenceScore: number;
                };
                return `confidence ${analysis.confidenceScore}`;
            },
            toolRoles.analyze_incident,
        );
        await check(
            `${kind}: bad arguments give a tool error`,
            async () => {
                const result = await client.callTool({
                    name: toolNames.getSnippet,
                    arguments: { snippetname: "../x" },
                });
                if (!result.isError) throw new Error("invalid snippet name was accepted");
                return "rejected";
            },
            toolRoles.get_snippet,
        );
        await client.close();
    }
    revision = undefined;

    for (const incident of sampleIncidents) {
        await check(
            `webhook: ${incident.severity} incident ${incident.incidentId}`,
            async () => {
                const res = await fetch(endpoints.webhook, {
                    method: "POST",
                    headers: { "content-type": "application/json", ...auth },
                    body: JSON.stringify(incident),
                });
                const body = (await res.json()) as { confidenceScore?: number; recommendations?: string[] };
                if (res.status !== 200)
                    throw new Error(`HTTP ${res.status}: ${JSON.stringify(body).slice(0, 100)}`);
                return `score ${body.confidenceScore}, ${body.recommendations?.length} recommendations`;
            },
            webhookRole,
        );
    }
    await check(
        "webhook: invalid body gives 400",
        async () => {
            const res = await fetch(endpoints.webhook, {
                method: "POST",
                headers: { "content-type": "application/json", ...auth },
                body: JSON.stringify({ severity: "High" }),
            });
            if (res.status !== 400) throw new Error(`HTTP ${res.status}`);
            return "400";
        },
        webhookRole,
    );
    return checks;
}

/** Why the connection is in the era it is in, for the connect check's detail. */
function describeEra(era: string | undefined, choice: ProtocolChoice, kind: string): string {
    if (era === "modern") return "modern revision, no initialize handshake";
    if (kind === "sse") return "legacy handshake (the only one HTTP+SSE has)";
    if (choice === "auto")
        return "legacy handshake: fell back, the server/discover probe found no modern revision";
    return "legacy handshake (forced)";
}

export function formatTable(checks: readonly Check[]): string {
    const width = Math.max(...checks.map((c) => c.name.length));
    const rows = checks.map(
        (c) =>
            `${c.ok ? "PASS" : "FAIL"}  ${c.name.padEnd(width)}  ${(c.revision ?? "-").padEnd(10)}  ` +
            `${c.ms.toFixed(0).padStart(5)} ms  ${c.detail}`,
    );
    const passed = checks.filter((c) => c.ok).length;
    return [...rows, "", `${passed} passed, ${checks.length - passed} failed`].join("\n");
}

/** The command: exit 0 when every check passed, 1 when one failed, 2 on a bad command line. */
async function main(argv: readonly string[]): Promise<number> {
    if (wantsHelp(argv)) {
        console.log(usage);
        return 0;
    }
    let args: ReturnType<typeof parseArgs>;
    try {
        args = parseArgs(argv);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        console.error(`smoke: ${error.message} (--help lists the flags)`);
        return 2;
    }
    const { base, agent, layout, protocol } = args;
    const token = agent ? await localAgentToken(base, agent) : args.token;
    const how = agent ? `, local token for ${agent}` : token ? ", with token" : ", no token";
    console.log(`Smoke test of ${base} (${layout} paths${how}, --protocol ${protocol})\n`);
    const checks = await runSmoke(endpointsFor(base, layout), token, protocol);
    console.log(formatTable(checks));
    return checks.every((c) => c.ok) ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(`smoke: ${error instanceof Error ? error.message : String(error)}`);
            process.exit(1);
        },
    );
}

function firstLine(text: string): string {
    const [line = ""] = text.split("\n", 1);
    return line;
}
