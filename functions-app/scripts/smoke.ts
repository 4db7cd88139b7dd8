import { randomUUID } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { backendPaths, gatewayPaths, toolNames } from "../src/contract";
import { sampleIncidents } from "../src/sentinel";

/**
 * `npm run smoke -- <base-url> [--token T] [--layout backend|gateway]`
 *
 * Connects with the official MCP client over both transports, lists and calls every tool,
 * round-trips a snippet, posts the sample incidents to the webhook and prints a pass/fail table.
 * The same checks work against `npm start` (backend paths) and a deployed gateway (gateway paths,
 * with a token from Entra ID).
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
    layout: "backend" | "gateway";
} {
    const positional: string[] = [];
    let token = process.env.MCP_TOKEN;
    let layout: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--token") token = argv[++i];
        else if (argv[i] === "--layout") layout = argv[++i];
        else positional.push(argv[i]);
    }
    const base = (positional[0] ?? "http://127.0.0.1:7071").replace(/\/+$/, "");
    const url = new URL(base);
    const local = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    const chosen = layout ?? (local ? "backend" : "gateway");
    if (chosen !== "backend" && chosen !== "gateway")
        throw new Error(`--layout must be backend or gateway, got ${chosen}`);
    return { base, token, layout: chosen };
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
    const check = async (name: string, run: () => Promise<string>) => {
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
        await check(`${kind}: hello_mcp`, () => call(toolNames.hello, {}));
        if (kind === "streamable-http") {
            await check(`${kind}: save_snippet`, () =>
                call(toolNames.saveSnippet, { snippetname: snippetName, snippet: snippetBody }),
            );
        }
        await check(`${kind}: get_snippet (saved over Streamable HTTP)`, async () => {
            const text = await call(toolNames.getSnippet, { snippetname: snippetName });
            if (text !== snippetBody) throw new Error(`got ${JSON.stringify(text)}`);
            return "round trip ok";
        });
        await check(`${kind}: list_snippets`, async () => {
            const text = await call(toolNames.listSnippets, { prefix: snippetName });
            if (!text.includes(snippetName)) throw new Error(`snippet not listed: ${text.slice(0, 80)}`);
            return "listed";
        });
        await check(`${kind}: analyze_incident`, async () => {
            const analysis = JSON.parse(
                await call(toolNames.analyzeIncident, { incident: sampleIncidents[0] }),
            ) as {
                confidenceScore: number;
            };
            return `confidence ${analysis.confidenceScore}`;
        });
        await check(`${kind}: bad arguments give a tool error`, async () => {
            const result = await client.callTool({
                name: toolNames.getSnippet,
                arguments: { snippetname: "../x" },
            });
            if (!result.isError) throw new Error("invalid snippet name was accepted");
            return "rejected";
        });
        await client.close();
    }

    for (const incident of sampleIncidents) {
        await check(`webhook: ${incident.severity} incident ${incident.incidentId}`, async () => {
            const res = await fetch(endpoints.webhook, {
                method: "POST",
                headers: { "content-type": "application/json", ...auth },
                body: JSON.stringify(incident),
            });
            const body = (await res.json()) as { confidenceScore?: number; recommendations?: string[] };
            if (res.status !== 200)
                throw new Error(`HTTP ${res.status}: ${JSON.stringify(body).slice(0, 100)}`);
            return `score ${body.confidenceScore}, ${body.recommendations?.length} recommendations`;
        });
    }
    await check("webhook: invalid body gives 400", async () => {
        const res = await fetch(endpoints.webhook, {
            method: "POST",
            headers: { "content-type": "application/json", ...auth },
            body: JSON.stringify({ severity: "High" }),
        });
        if (res.status !== 400) throw new Error(`HTTP ${res.status}`);
        return "400";
    });
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
    const { base, token, layout } = parseArgs(process.argv.slice(2));
    const endpoints = endpointsFor(base, layout);
    console.log(`Smoke test of ${base} (${layout} paths${token ? ", with token" : ", no token"})\n`);
    runSmoke(endpoints, token).then(
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
