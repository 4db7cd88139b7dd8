/**
 * The gateway cases are data a harness runs; this checks the data says what it claims: every
 * catalog tool with and without its role, the reported names, the body sizes, consistent
 * expectations, and callers that do not share buckets by accident.
 */
import { mcpErrorCodes, mcpHeaders, modernProtocolVersions } from "functions-app/revisions";
import * as assert from "node:assert/strict";
import { forwardedCallerHeader, gatewayPaths, toolRoles } from "functions-app/contract";
import { devGatewayLimits, gatewayCases, gatewayScenarios, paddedPing, type GatewayCase } from "./cases";

const calledNames = (c: GatewayCase): string[] => {
    const messages = Array.isArray(c.request.body) ? c.request.body : [c.request.body];
    return messages
        .map((m) => (m as { method?: string; params?: { name?: unknown } } | undefined) ?? {})
        .filter((m) => m.method === "tools/call")
        .map((m) => String(m.params?.name));
};
const bodyBytes = (c: GatewayCase): number => Buffer.byteLength(JSON.stringify(c.request.body));
const callerOf = (c: GatewayCase): string | undefined => {
    if (c.token.kind !== "signed") return undefined;
    const claims = c.token.claims;
    const pick = (k: string) => {
        const value = claims[k];
        return typeof value === "string" ? value : undefined;
    };
    return claims.scp
        ? (pick("oid") ?? pick("sub"))
        : (pick("azp") ?? pick("appid") ?? pick("oid") ?? pick("sub"));
};

describe("gateway cases (data)", () => {
    it("have unique names", () => {
        const names = gatewayCases.map((c) => c.name);
        assert.equal(new Set(names).size, names.length);
    });

    it("call every catalog tool with its role (forwarded) and without it (refused), on both transports", () => {
        for (const [tool, role] of Object.entries(toolRoles)) {
            const calls = gatewayCases.filter(
                (c) => calledNames(c).length === 1 && calledNames(c)[0] === tool,
            );
            const holds = (c: GatewayCase) =>
                c.token.kind === "signed" && (c.token.claims.roles ?? []).includes(role);
            assert.ok(
                calls.some((c) => holds(c) && c.expect.reachesBackend && c.expect.status === 200),
                tool,
            );
            for (const path of [gatewayPaths.mcp, gatewayPaths.mcpMessage]) {
                assert.ok(
                    calls.some(
                        (c) => !holds(c) && c.request.path.startsWith(path) && c.expect.status === 403,
                    ),
                    `${tool} without ${role} on ${path}`,
                );
            }
        }
    });

    it("refuse the reported names with -32602 before any backend, whatever roles the token holds", () => {
        for (const name of ["SAVE_SNIPPET", "Save_Snippet", "toString", "constructor", "__proto__"]) {
            const cases = gatewayCases.filter((c) => calledNames(c).includes(name));
            assert.ok(cases.length > 0, name);
            for (const c of cases) {
                assert.equal(c.expect.reachesBackend, false, c.name);
                // A modern request whose Mcp-Name header names another tool is a header mismatch (400).
                const mirrored = c.request.headers[mcpHeaders.name.toLowerCase()];
                if (mirrored !== undefined && mirrored !== name) {
                    assert.equal(c.expect.rpcError?.code, mcpErrorCodes.headerMismatch, c.name);
                    assert.equal(c.expect.status, 400, c.name);
                    continue;
                }
                assert.equal(c.expect.rpcError?.code, -32602, c.name);
                // Legacy SSE and modern requests: 400 (the message endpoint's stream is the host's, the
                // modern host answers -32602 with 400); legacy Streamable HTTP: 200, as the host answers.
                const modern = c.request.headers[mcpHeaders.method.toLowerCase()] !== undefined;
                assert.equal(
                    c.expect.status,
                    c.request.path.startsWith(gatewayPaths.mcpMessage) || modern ? 400 : 200,
                    c.name,
                );
            }
        }
        const batches = gatewayCases.filter((c) => Array.isArray(c.request.body));
        assert.ok(
            batches.some((c) => c.expect.status === 403),
            "a batch mixing allowed and denied calls",
        );
        assert.ok(
            batches.some((c) => c.expect.rpcError?.batch === true && c.expect.rpcError.ids.length === 2),
        );
    });

    it("call every catalog tool as a modern request with its role (forwarded) and without it (403)", () => {
        const modern = gatewayCases.filter(
            (c) => c.request.headers[mcpHeaders.protocolVersion.toLowerCase()] === modernProtocolVersions[0],
        );
        for (const [tool, role] of Object.entries(toolRoles)) {
            const calls = modern.filter((c) => calledNames(c).length === 1 && calledNames(c)[0] === tool);
            const holds = (c: GatewayCase) =>
                c.token.kind === "signed" && (c.token.claims.roles ?? []).includes(role);
            assert.ok(
                calls.some((c) => holds(c) && c.expect.reachesBackend && c.expect.metric?.tool === tool),
                tool,
            );
            assert.ok(
                calls.some((c) => !holds(c) && c.expect.status === 403),
                `${tool} without ${role}`,
            );
        }
    });

    it("refuse each header/body disagreement with -32020 and 400 before any backend", () => {
        const mismatches = gatewayCases.filter(
            (c) => c.expect.rpcError?.code === mcpErrorCodes.headerMismatch,
        );
        for (const c of mismatches) {
            assert.equal(c.expect.status, 400, c.name);
            assert.equal(c.expect.reachesBackend, false, c.name);
        }
        for (const about of [
            /^mcp-method header value/,
            /^mcp-protocol-version header value/,
            /^mcp-name header value 'SAVE_SNIPPET' does not match body value 'save_snippet'/,
            /^the mcp-name header is required/,
        ])
            assert.ok(
                mismatches.some((c) => about.test(c.expect.rpcError?.messageIncludes ?? "")),
                String(about),
            );
    });

    it("expect identity headers exactly on forwarded requests", () => {
        for (const c of gatewayCases) {
            assert.equal(c.expect.forwarded !== undefined, c.expect.reachesBackend, c.name);
            if (c.expect.forwarded)
                assert.equal(c.expect.forwarded[forwardedCallerHeader], callerOf(c), c.name);
            if (!c.expect.reachesBackend)
                assert.ok(
                    (typeof c.expect.status === "number" && c.expect.status >= 400) ||
                        c.expect.rpcError ||
                        c.expect.batchAnswers?.every((answer) => answer.error !== undefined),
                    c.name,
                );
        }
    });

    it("give every case its own caller unless it is about two callers of one app", () => {
        const byCaller = new Map<string, string[]>();
        for (const c of gatewayCases) {
            const caller = callerOf(c);
            if (caller) byCaller.set(caller, [...(byCaller.get(caller) ?? []), c.name]);
        }
        for (const [caller, names] of byCaller)
            assert.equal(names.length, 1, `${caller}: ${names.join(" | ")}`);
        for (const s of gatewayScenarios) {
            const [spent, refused, recovered] = s.steps;
            assert.equal(spent?.times, devGatewayLimits.rateLimitCalls, s.name);
            assert.equal(refused?.expect.status, 429, s.name);
            assert.equal(recovered?.expect.status, 200, s.name);
        }
    });

    it("send bodies of the stated sizes around the limit, with and without Content-Length", () => {
        const limit = devGatewayLimits.maxRequestBytes;
        assert.equal(limit, 256 * 1024);
        for (const bytes of [200, limit, limit + 1])
            assert.equal(Buffer.byteLength(JSON.stringify(paddedPing(bytes))), bytes);
        const chunked = gatewayCases.filter((c) => c.request.framing === "chunked");
        assert.ok(chunked.some((c) => bodyBytes(c) === limit && c.expect.status === 200));
        assert.ok(chunked.some((c) => bodyBytes(c) === limit + 1 && c.expect.status === 413));
        assert.ok(chunked.some((c) => bodyBytes(c) < 1024 && c.expect.reachesBackend));
        for (const c of gatewayCases.filter((x) => x.expect.status === 413))
            assert.equal(bodyBytes(c), limit + 1, c.name);
    });
});
