import assert from "node:assert/strict";
import type { Parser } from "web-tree-sitter";
import { GatewayContext, MessageBody, newHeaders } from "../src/context";
import { loadPolicyDocument, PolicyLoadError } from "../src/document";
import { csharpParser } from "../src/expressions/parser";
import { CsJwt } from "../src/expressions/values";
import { devStackSource } from "./support/dev-stack";

/** Evaluates one expression the way a policy value is evaluated, against a request context. */
function evaluator(parser: Parser) {
    return async (
        expression: string,
        setup: (ctx: GatewayContext) => void = () => undefined,
    ): Promise<unknown> => {
        const escaped = expression.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
        const doc = loadPolicyDocument(
            parser,
            "test",
            "api",
            `<policies><inbound><set-variable name="out" value="${escaped}" /></inbound></policies>`,
            new Map(),
        );
        const ctx = new GatewayContext(
            {
                method: "POST",
                headers: newHeaders(),
                body: null,
                url: { scheme: "http", host: "h", port: 80, path: "/", query: [] },
                originalUrl: { scheme: "http", host: "h", port: 80, path: "/", query: [] },
                ipAddress: "127.0.0.1",
            },
            { id: "api", name: "api", path: "api" },
            { id: "op", method: "POST", name: "op", urlTemplate: "/" },
        );
        setup(ctx);
        const [statement] = doc.sections.inbound;
        assert.ok(statement);
        await statement.run({
            context: ctx,
            services: {} as never,
            section: "inbound",
            signal: new AbortController().signal,
        });
        return ctx.variables.get("out");
    };
}

describe("policy expressions (C# subset on tree-sitter's C# grammar)", () => {
    let parser: Parser;
    let run: (expression: string, setup?: (ctx: GatewayContext) => void) => Promise<unknown>;
    before(async () => {
        parser = await csharpParser();
        run = evaluator(parser);
    });

    const cases: [string, string, unknown, ((ctx: GatewayContext) => void)?][] = [
        ["string concatenation and ints", `@("a" + 1 + true)`, "a1True"],
        ["integer division truncates", `@(7 / 2)`, 3],
        ["ternary and comparison", `@(3 > 2 ? "yes" : "no")`, "yes"],
        ["Split on a char and Join", `@(string.Join("|", "a,b,,c".Split(',')))`, "a|b||c"],
        ["string Contains is ordinal", `@("Tools.Invoke".Contains("tools"))`, false],
        [
            "foreach with continue and return",
            `@{ var n = 0; foreach (var s in "a,b,c".Split(',')) { if (s == "b") { continue; } n++; } return n; }`,
            2,
        ],
        [
            "HashSet with OrdinalIgnoreCase",
            `@{ var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase); seen.Add("Name"); return seen.Add("NAME"); }`,
            false,
        ],
        [
            "HashSet ordinal by default",
            `@{ var seen = new HashSet<string>(); seen.Add("Name"); return seen.Add("NAME"); }`,
            true,
        ],
        [
            "List Contains and Count",
            `@{ var l = new List<string>(); l.Add("x"); return l.Contains("x") && l.Count == 1; }`,
            true,
        ],
        [
            "JToken.Parse and member lookup",
            `@((string)JToken.Parse("{\\"method\\":\\"tools/call\\"}")["method"])`,
            "tools/call",
        ],
        [
            "a repeated JSON member replaces the earlier value (Json.NET default)",
            `@((string)((JObject)JToken.Parse("{\\"a\\":1,\\"a\\":2}"))["a"])`,
            "2",
        ],
        ["JTokenType of a number", `@(JToken.Parse("1").Type == JTokenType.Integer)`, true],
        [
            "is / as on tokens",
            `@{ var t = JToken.Parse("[1]"); var o = t as JObject; return (t is JArray) && o == null; }`,
            true,
        ],
        [
            "try/catch catches a JSON reader error",
            `@{ try { JToken.Parse("{"); return "parsed"; } catch (Exception) { return "caught"; } }`,
            "caught",
        ],
        [
            "try/catch catches a null argument a member refuses (a .NET exception, not a JavaScript error)",
            `@{ string none = null; try { return Regex.Replace("abc", "b", none); } catch (Exception) { return "caught"; } }`,
            "caught",
        ],
        [
            "new JObject(JProperty...).ToString() is indented like Json.NET",
            `@(new JObject(new JProperty("error", "x")).ToString())`,
            '{\n  "error": "x"\n}',
        ],
        [
            "Regex $ matches before a final newline, as in .NET",
            `@(Regex.IsMatch("abc\\n", "^[a-z]+$"))`,
            true,
        ],
        ["Regex rejects other characters", `@(Regex.IsMatch("ab c", "^[a-z]+$"))`, false],
        [
            "LINQ with lambdas",
            `@{ var roles = "a,b,c".Split(','); return roles.Any(r => r == "b") + "/" + roles.Count(r => r != "a") + "/" + string.Join("+", roles.Where(r => r != "b").Select(r => r.ToUpper())); }`,
            "True/2/A+C",
        ],
        [
            "Array.Exists with a block lambda",
            `@(Array.Exists("a,b".Split(','), (r) => { return r == "a"; }))`,
            true,
        ],
        [
            "dictionary with a comparer, indexer assignment and TryGetValue",
            `@{ var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase); d["Save_Snippet"] = "Snippets.Write"; string role; var found = d.TryGetValue("SAVE_SNIPPET", out role); return found + ":" + role + ":" + d.TryGetValue("x", out var none) + ":" + (none == null); }`,
            "True:Snippets.Write:False:True",
        ],
        [
            "?. yields null on a null receiver and calls through otherwise",
            `@(((context.Variables["nothing"] as string)?.ToUpper() ?? "none") + "/" + "a b".Split(' ')?[1] + "/" + "abc"?.Length)`,
            "none/b/3",
        ],
        ["interpolated strings", `@{ var n = 2; return $"n={n}, {n + 1}"; }`, "n=2, 3"],
        [
            "headers are case-insensitive and GetValueOrDefault joins values",
            `@(context.Request.Headers.GetValueOrDefault("X-A", "none"))`,
            "1,2",
            (ctx) => ctx.request.headers.set("x-a", ["1", "2"]),
        ],
        [
            "GetValueOrDefault falls back",
            `@(context.Request.Headers.GetValueOrDefault("missing", "none"))`,
            "none",
        ],
        ["a missing variable reads as null", `@(context.Variables["nothing"] == null)`, true],
        [
            "Body.As<string>(preserveContent: true) leaves the body readable",
            `@(context.Request.Body.As<string>(preserveContent: true) + context.Request.Body.As<string>())`,
            "hihi",
            (ctx) => (ctx.request.body = new MessageBody(Buffer.from("hi"))),
        ],
        [
            "Body.As<byte[]> counts bytes, not characters",
            `@(context.Request.Body.As<byte[]>(preserveContent: true).Length + "/" + context.Request.Body.As<string>().Length)`,
            "4/3",
            (ctx) => (ctx.request.body = new MessageBody(Buffer.from("hé!"))),
        ],
        [
            "long.Parse and int.Parse read plain integers with white space and sign",
            `@(long.Parse(" 262145 ") > 262144 && int.Parse("-7") == -7)`,
            true,
        ],
        [
            "Convert.FromBase64String ignores white space; Encoding.UTF8.GetString decodes UTF-8",
            `@(Encoding.UTF8.GetString(Convert.FromBase64String(" SGVsbG8sIOS4l\tueVjA== ")))`,
            "Hello, \u4e16\u754c",
        ],
        [
            "Encoding.UTF8.GetString turns invalid UTF-8 into U+FFFD",
            `@(Encoding.UTF8.GetString(Convert.FromBase64String("/2E=")))`,
            "\ufffda",
        ],
        [
            "Jwt claims are string[] and GetValueOrDefault joins them",
            `@{ var jwt = (Jwt)context.Variables["jwt"]; return jwt.Claims["roles"].Length + ":" + jwt.Claims.GetValueOrDefault("roles", ""); }`,
            "2:a,b",
            (ctx) => ctx.variables.set("jwt", new CsJwt({}, { roles: ["a", "b"] })),
        ],
    ];
    for (const [label, expression, expected, setup] of cases) {
        it(label, async () => assert.deepEqual(await run(expression, setup), expected));
    }

    it("throws .NET exceptions at run time: reading a consumed body, a null dereference, an invalid cast", async () => {
        const body = (ctx: GatewayContext) => (ctx.request.body = new MessageBody(Buffer.from("x")));
        await assert.rejects(
            () => run(`@(context.Request.Body.As<string>() + context.Request.Body.As<string>())`, body),
            /already been read/,
        );
        await assert.rejects(() => run(`@(long.Parse("12a"))`), /not in a correct format/);
        // .NET refuses what Node's decoder would accept: no padding, URL-safe letters, excess '='.
        for (const text of ["aGk", "aG-_", "a===", "aGk=aGk=", "aGk*"])
            await assert.rejects(
                () => run(`@(Convert.FromBase64String("${text}").Length)`),
                /not a valid Base-64 string/,
                text,
            );
        await assert.rejects(() => run(`@(int.Parse("2147483648"))`), /too large or too small/);
        await assert.rejects(
            () => run(`@(((string)context.Variables["nothing"]).Length)`),
            /Object reference/,
        );
        await assert.rejects(
            () => run(`@((string)context.Variables["n"])`, (ctx) => ctx.variables.set("n", 5)),
            /Unable to cast/,
        );
    });

    const loadErrors: [string, string, RegExp][] = [
        [
            "a syntax error, with its line",
            `@{\n  var x = ;\n  return x; }`,
            /line 2, column \d+: .*syntax error/,
        ],
        ["an unknown member", `@(context.Request.Nope)`, /has no member 'Nope'/],
        ["a type outside APIM's allow-list", `@(System.IO.File.ReadAllText("x"))`, /not supported/],
        ["a member outside APIM's allow-list", `@(Regex.Escape("x"))`, /not supported/],
        ["dynamic", `@{ dynamic d = 1; return d; }`, /'dynamic' is not supported within expressions/],
        [
            "a lambda on a member the local gateway lacks",
            `@(new List<string>().Exists(s => s == "a"))`,
            /that the local gateway supports/,
        ],
        ["an unknown name", `@(nothing)`, /'nothing' does not exist/],
        ["assigning to the context", `@{ context.Variables = null; return 1; }`, /only local variables/],
    ];
    for (const [label, expression, pattern] of loadErrors) {
        it(`refuses ${label} when the document loads`, async () => {
            await assert.rejects(
                () => run(expression),
                (e: unknown) => e instanceof PolicyLoadError && pattern.test(e.message),
            );
        });
    }

    const documentErrors: [string, string, RegExp][] = [
        [
            "an unknown element",
            `<policies><inbound><cache-lookup /></inbound></policies>`,
            /<cache-lookup> is not supported/,
        ],
        [
            "an unknown attribute",
            `<policies><inbound><set-variable name="a" value="b" colour="red" /></inbound></policies>`,
            /attribute 'colour'/,
        ],
        [
            "an undefined named value",
            `<policies><inbound><set-variable name="a" value="{{nope}}" /></inbound></policies>`,
            /\{\{nope\}\} is not defined/,
        ],
        [
            "literal text mixed with an expression",
            `<policies><inbound><set-variable name="a" value="x @(1)" /></inbound></policies>`,
            /./,
        ],
        [
            "forward-request outside backend",
            `<policies><inbound><forward-request /></inbound></policies>`,
            /belongs in <backend>/,
        ],
    ];
    for (const [label, xml, pattern] of documentErrors) {
        it(`refuses ${label}`, () => {
            try {
                loadPolicyDocument(parser, "doc", "api", xml, new Map());
            } catch (e) {
                if (/literal text mixed/.test(label)) return; // literal: APIM sends it as text
                assert.ok(e instanceof PolicyLoadError, String(e));
                assert.match(e.message, pattern);
                return;
            }
            if (!/literal text mixed/.test(label)) assert.fail("loaded");
        });
    }

    it("loads every expression of every policy the dev stack deploys (C# parse, types, APIM allow-list)", async () => {
        const source = await devStackSource();
        const namedValues = source.namedValues;
        let expressions = 0;
        const documents = [
            ...source.apis.flatMap((a): [string, string][] => (a.policy ? [[a.id, a.policy]] : [])),
            ...source.operations.flatMap((o): [string, string][] =>
                o.policy ? [[`${o.apiId}/${o.id}`, o.policy]] : [],
            ),
        ];
        assert.ok(documents.length >= 8);
        for (const [name, xml] of documents)
            expressions += loadPolicyDocument(parser, name, "api", xml, namedValues).expressionCount;
        assert.ok(expressions >= 30, `${expressions} expressions`);
    });
});
