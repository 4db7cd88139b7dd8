/**
 * The gateway's argument validation is the MCP API policy's own C# (the `mcpInvalid` expression),
 * executed by the local gateway's interpreter. Checked here against two independent judges on
 * generated arguments for every catalog tool: ajv on the JSON Schema the hosts publish in
 * tools/list, and the hosts' own argument validation. The gateway must refuse exactly what the
 * schema refuses (ASCII text, where characters and bytes agree), never what the hosts would run,
 * and answer as the hosts do: a tool error (SEP-1303) in the hosts' own words.
 */
import * as assert from "node:assert/strict";
import Ajv from "ajv";
import fc from "fast-check";
import type { Parser } from "web-tree-sitter";
import { inputSchemaFor, tools, validateArguments, type ToolDefinition } from "functions-app/catalog";
import { renderGatewayPolicies } from "../../components/gateway/policies";
import { loadPolicyDocument } from "../../local-gateway/src/document";
import { runMcpInbound } from "../../local-gateway/src/inbound";
import { csharpParser } from "../../local-gateway/src/expressions/parser";

const rendered = renderGatewayPolicies({
    backendId: "tools-backend",
    toolHost: "node",
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

/** A number shown in a problem ("got number 1e+21"): printed by each runtime its own way. */
const numberShown = /got number [-0-9.eE+]+/g;

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
        const ctx = await runMcpInbound(doc, Buffer.from(body));
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
                        // SEP-1303: the host's own tool error, word for word, except how a number
                        // given for a string is printed (.NET writes 1e21 as 1E+21, JavaScript 1e+21).
                        const host = validateArguments(tool.arguments, args);
                        assert.equal(host.ok, false, JSON.stringify(args));
                        assert.deepEqual(JSON.parse(answer.replace(numberShown, "got number #")), {
                            jsonrpc: "2.0",
                            id: 1,
                            result: {
                                content: [
                                    {
                                        type: "text",
                                        text: `Invalid arguments for ${tool.name}: ${host.ok ? "" : host.errors.join("; ")}`.replace(
                                            numberShown,
                                            "got number #",
                                        ),
                                    },
                                ],
                                isError: true,
                            },
                        });
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

    it("names every argument at fault in one tool error, as the host words it", async () => {
        const args = { snippetname: "../x", snippet: 5, extra: true };
        const answer = JSON.parse(await verdict("save_snippet", args)) as {
            result: { isError: boolean; content: { text: string }[] };
        };
        assert.equal(answer.result.isError, true);
        const text = answer.result.content[0]?.text ?? "";
        for (const part of ["extra: unknown argument", "snippetname: must be", "snippet: must be a string"])
            assert.ok(text.includes(part), text);
        const host = validateArguments(tools.find((t) => t.name === "save_snippet")?.arguments ?? [], args);
        assert.equal(text, `Invalid arguments for save_snippet: ${host.ok ? "" : host.errors.join("; ")}`);
    });

    it("counts UTF-8 bytes against a length limit, as the hosts do", async () => {
        // 30 characters, 90 bytes: over save_snippet's 64-byte name limit only when counted in bytes.
        const answer = await verdict("save_snippet", { snippetname: "\u20ac".repeat(30), snippet: "x" });
        assert.match(answer, /snippetname: must be at most 64 bytes \(UTF-8\), got 90/);
    });

    it("answers malformed arguments (not an object) with JSON-RPC -32602", async () => {
        const answer = JSON.parse(await verdict("save_snippet", "text")) as { error: { code: number } };
        assert.equal(answer.error.code, -32602);
    });
});
