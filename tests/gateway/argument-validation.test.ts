/**
 * The gateway's argument validation is the MCP API policy's own C# (the `mcpInvalid` expression),
 * executed by the local gateway's interpreter. Checked here against two independent judges on
 * generated arguments for every catalog tool: ajv on the JSON Schema the hosts publish in
 * tools/list, and the hosts' own argument validation. The gateway must refuse exactly what the
 * schema refuses (ASCII text, where characters and UTF-16 units agree) and never refuse what the
 * hosts would run.
 */
import * as assert from "node:assert/strict";
import Ajv from "ajv";
import fc from "fast-check";
import type { Parser } from "web-tree-sitter";
import { inputSchemaFor, tools, validateArguments, type ToolDefinition } from "functions-app/catalog";
import { renderGatewayPolicies } from "../../components/gateway/policies";
import { GatewayContext, MessageBody, newHeaders } from "../../local-gateway/src/context";
import { loadPolicyDocument } from "../../local-gateway/src/document";
import { csharpParser } from "../../local-gateway/src/expressions/parser";

const rendered = renderGatewayPolicies({
    backendId: "tools-backend",
    rateLimitCalls: 120,
    rateLimitPeriodSeconds: 60,
    maxRequestBodyKb: 256,
    resourceName: "MCP tools",
    corsAllowedOrigins: [],
}).mcpApi;

/** The rendered `mcpInvalid` statement alone, after the variables it reads. */
function validationDocument(): string {
    const statement = /<set-variable name="mcpInvalid" value="@\{[\s\S]*?\}" \/>/.exec(rendered)?.[0];
    assert.ok(statement, "the MCP API policy has no mcpInvalid statement");
    return `<policies><inbound><set-variable name="mcpModern" value="@(false)" />${statement}</inbound></policies>`;
}

type Verdict = (tool: string, args: unknown) => Promise<string>;

function gatewayVerdict(parser: Parser): Verdict {
    const doc = loadPolicyDocument(parser, "mcp-api", "api", validationDocument(), new Map());
    return async (tool, args) => {
        const body = JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: tool, arguments: args },
        });
        const url = { scheme: "https", host: "gateway", port: 443, path: "/mcp", query: [] };
        const ctx = new GatewayContext(
            {
                method: "POST",
                headers: newHeaders(),
                body: new MessageBody(Buffer.from(body)),
                url,
                originalUrl: url,
                ipAddress: "127.0.0.1",
            },
            { id: "mcp", name: "mcp", path: "mcp" },
            { id: "mcp-post", method: "POST", name: "mcp-post", urlTemplate: "/" },
        );
        for (const statement of doc.sections.inbound)
            await statement.run({
                context: ctx,
                services: {} as never,
                section: "inbound",
                signal: new AbortController().signal,
            });
        return String(ctx.variables.get("mcpInvalid"));
    };
}

/** Arguments around each tool's schema: right and wrong types, lengths at and over limits, extras. */
function argumentsFor(tool: ToolDefinition): fc.Arbitrary<Record<string, unknown>> {
    const schema = inputSchemaFor(tool.arguments);
    const ascii = (max: number) =>
        fc.string({ unit: fc.constantFrom("a", "Z", "0", "-", "_", ".", " ", ",", "\n"), maxLength: max });
    const member = (property: Record<string, unknown>): fc.Arbitrary<unknown> => {
        const max = typeof property.maxLength === "number" ? property.maxLength : 40;
        const right =
            property.type === "string"
                ? fc.oneof(
                      ascii(Math.min(max, 8)),
                      fc.constant("a".repeat(max)),
                      fc.constant("a".repeat(max + 1)),
                  )
                : property.type === "object"
                  ? fc.dictionary(fc.constantFrom("x", "y"), fc.jsonValue({ maxDepth: 1 }))
                  : property.type === "boolean"
                    ? fc.boolean()
                    : fc.oneof(
                          fc.integer({ min: -2, max: 60 }),
                          fc.double({ min: -2, max: 60, noNaN: true }),
                      );
        return fc.oneof({ weight: 4, arbitrary: right }, fc.constant(null), fc.jsonValue({ maxDepth: 1 }));
    };
    const members = Object.fromEntries(
        Object.entries(schema.properties).map(([name, property]) => [name, member(property)]),
    );
    return fc.record({ ...members, extra: fc.constantFrom(1, "x") }, { requiredKeys: [] });
}

describe("gateway argument validation (the policy's C#) against the published schemas", function () {
    this.timeout(30_000);
    let verdict: Verdict;
    const ajv = new Ajv({ allErrors: true, strict: false });

    before(async () => {
        verdict = gatewayVerdict(await csharpParser());
    });

    for (const tool of tools) {
        it(`${tool.name}: refuses exactly what the schema refuses, never what the hosts run`, async () => {
            const validate = ajv.compile(inputSchemaFor(tool.arguments));
            await fc.assert(
                fc.asyncProperty(argumentsFor(tool), async (args) => {
                    // The hosts read an absent and a null argument alike; so does the gateway.
                    const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== null));
                    const answer = await verdict(tool.name, args);
                    const refused = answer !== "";
                    assert.equal(refused, !validate(given), `${JSON.stringify(args)} -> ${answer}`);
                    if (refused) {
                        assert.equal(validateArguments(tool.arguments, args).ok, false, JSON.stringify(args));
                        assert.match(answer, /"code": -32602/);
                    }
                }),
                { numRuns: 60, seed: 16 },
            );
        });
    }

    it("anchors patterns as JSON Schema does: a final newline does not satisfy $", async () => {
        // .NET's $ also matches before a final newline; the published pattern's does not.
        assert.notEqual(await verdict("list_snippets", { prefix: "gw\n" }), "");
        assert.equal(await verdict("list_snippets", { prefix: "gw" }), "");
    });

    it("names every argument at fault in one -32602 answer", async () => {
        const answer = JSON.parse(
            await verdict("save_snippet", { snippetname: "../x", snippet: 5, extra: true }),
        ) as { error: { code: number; message: string } };
        assert.equal(answer.error.code, -32602);
        for (const part of [
            "extra: unknown argument",
            "snippetname: must match the pattern",
            "snippet: must be a string",
        ])
            assert.ok(answer.error.message.includes(part), answer.error.message);
    });
});
