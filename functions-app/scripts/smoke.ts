import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { backendPaths, gatewayPaths, toolNames, toolRoles, webhookRole } from "../src/contract";
import { sampleIncidents } from "../src/sentinel";

/**
 * `npm run smoke -- <base-url> [--token T | --agent NAME] [--layout backend|gateway]`
 *
 * Connects with the official MCP client over both transports, lists and calls every tool,
 * round-trips a snippet, posts the sample incidents to the webhook and prints a pass/fail table.
 * The same checks work against `npm start` (backend paths) and a deployed gateway (gateway paths,
 * with a token from Entra ID). `--agent NAME` takes a token for that agent of the stack file from the
 * local gateway's Entra stand-in (`npm start`; local only); checks for tools whose role the token does
 * not grant are skipped, since the gateway refuses them by design.
 */

interface Check {
    readonly name: string;
    readonly ok: boolean;
    readonly detail: string;
    readonly ms: number;
}

interface Endpoints {
    readonly mcp: string;
    readonly sse: string;
    readonly webhook: string;
}

export function parseArgs(argv: readonly string[]): {
    base: string;
    token?: string;
    agent?: string;
    layout: "backend" | "gateway";
} {
    const positional: string[] = [];
    let token = process.env.MCP_TOKEN;
    let agent: string | undefined;
    let layout: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--token") token = argv[++i];
        else if (argv[i] === "--agent") agent = argv[++i];
        else if (argv[i] === "--layout") layout = argv[++i];
        else positional.push(argv[i]);
    }
    if (agent !== undefined && !agent) throw new Error("--agent needs an agent name from the stack file");
    const base = (positional[0] ?? "http://127.0.0.1:7071").replace(/\/+$/, "");
    const url = new URL(base);
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    const chosen = layout ?? (local ? "backend" : "gateway");
    if (chosen !== "backend" && chosen !== "gateway")
        throw new Error(`--layout must be backend or gateway, got ${chosen}`);
    return { base, token, ...(agent ? { agent } : {}), layout: chosen };
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
        const payload = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as {
            roles?: unknown;
        };
        return Array.isArray(payload.roles)
            ? payload.roles.filter((r): r is string => typeof r === "string")
            : undefined;
    } catch {
        return undefined;
    }
}

export function endpointsFor(base: string, layout: "backend" | "gateway"): Endpoints {
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

export async function runSmoke(endpoints: Endpoints, token?: string): Promise<Check[]> {
    const checks: Check[] = [];
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const granted = token ? rolesOf(token) : undefined;
    const check = async (name: string, run: () => Promise<string>, ...roles: string[]) => {
        const missing = granted ? roles.filter((r) => !granted.includes(r)) : [];
        if (missing.length > 0) {
            checks.push({ name, ok: true, detail: `skipped: the token lacks ${missing.join(", ")}`, ms: 0 });
            return;
        }
        const start = performance.now();
        try {
            checks.push({ name, ok: true, detail: await run(), ms: performance.now() - start });
        } catch (error) {
            const detail = error instanceof Error ? error.message : String(error);
            checks.push({
                name,
                ok: false,
                detail: detail.split("\n")[0].slice(0, 120),
                ms: performance.now() - start,
            });
        }
    };
    const snippetName = `smoke-${randomUUID().slice(0, 8)}`;
    const snippetBody = `smoke test ${new Date().toISOString()}`;

    for (const kind of ["streamable-http", "sse"] as const) {
        const client = new Client({ name: "agents-control-plane-smoke", version: "1.0.0" });
        const transport: Transport =
            kind === "streamable-http"
                ? new StreamableHTTPClientTransport(new URL(endpoints.mcp), {
                      requestInit: { headers: auth },
                  })
                : new SSEClientTransport(new URL(endpoints.sse), {
                      requestInit: { headers: auth },
                      eventSourceInit: {
                          fetch: (u, init) => fetch(u, { ...init, headers: { ...init?.headers, ...auth } }),
                      },
                  });
        let connected = false;
        await check(`${kind}: connect + initialize`, async () => {
            await client.connect(transport);
            connected = true;
            const info = client.getServerVersion();
            return `${info?.name} ${info?.version}`;
        });
        if (!connected) continue;
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

export function formatTable(checks: readonly Check[]): string {
    const width = Math.max(...checks.map((c) => c.name.length));
    const rows = checks.map(
        (c) =>
            `${c.ok ? "PASS" : "FAIL"}  ${c.name.padEnd(width)}  ${c.ms.toFixed(0).padStart(5)} ms  ${c.detail}`,
    );
    const passed = checks.filter((c) => c.ok).length;
    return [...rows, "", `${passed} passed, ${checks.length - passed} failed`].join("\n");
}

if (require.main === module) {
    const { base, token: given, agent, layout } = parseArgs(process.argv.slice(2));
    const endpoints = endpointsFor(base, layout);
    (agent ? localAgentToken(base, agent) : Promise.resolve(given))
        .then((token) => {
            const how = agent ? `, local token for ${agent}` : token ? ", with token" : ", no token";
            console.log(`Smoke test of ${base} (${layout} paths${how})\n`);
            return runSmoke(endpoints, token);
        })
        .then(
            (checks) => {
                console.log(formatTable(checks));
                process.exit(checks.every((c) => c.ok) ? 0 : 1);
            },
            (error: unknown) => {
                console.error(error);
                process.exit(1);
            },
        );
}
