import * as assert from "node:assert/strict";
import {
    escapePolicyExpressions,
    parsePolicyDocument,
} from "../../policypacks/control-plane/lib/apim-document";
import {
    effectiveSection,
    reachesBackend,
    replacesCallerAuthorization,
    tokenValidationIndex,
} from "../../policypacks/control-plane/lib/apim-pipeline";

function doc(xml: string, format = "rawxml") {
    const parsed = parsePolicyDocument(xml, format);
    assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
    return parsed.document;
}

const validate =
    '<validate-azure-ad-token tenant-id="t"><audiences><audience>a</audience></audiences></validate-azure-ad-token>';

describe("policy pack: APIM policy documents", () => {
    it("escapes rawxml expressions, skipping brackets inside C# string literals", () => {
        const raw =
            '<set-header name="x"><value>@(context.Request.Headers.GetValueOrDefault("a)b", "<&>"))</value></set-header>';
        assert.equal(
            escapePolicyExpressions(raw),
            '<set-header name="x"><value>@(context.Request.Headers.GetValueOrDefault(&quot;a)b&quot;, &quot;&lt;&amp;&gt;&quot;))</value></set-header>',
        );
        const block = '<set-body>@{ var x = 1; if (x < 2) { return "}"; } return ""; }</set-body>';
        assert.equal(
            escapePolicyExpressions(block),
            "<set-body>@{ var x = 1; if (x &lt; 2) { return &quot;}&quot;; } return &quot;&quot;; }</set-body>",
        );
    });

    it("reads an expression back exactly as written", () => {
        const d = doc(
            '<policies><inbound><set-header name="x"><value>@(a == "b" && c < 2)</value></set-header></inbound></policies>',
        );
        assert.equal(d.sections.inbound?.[0]?.children[0]?.text, '@(a == "b" && c < 2)');
    });

    it("explains what is wrong with a document", () => {
        const cases: [string | undefined, string | undefined, RegExp][] = [
            ["<policies><inbound></policies>", "xml", /not well-formed XML: .*line 1/],
            ["<fragment/><fragment/>", "xml", /not well-formed XML|exactly one root/],
            ["<inbound />", "xml", /root element is <inbound>, expected <policies>/],
            ["", "xml", /empty/],
            [undefined, "rawxml", /empty/],
            ["https://example.com/policy.xml", "xml-link", /keeps the policy outside the program/],
        ];
        for (const [value, format, message] of cases) {
            const parsed = parsePolicyDocument(value, format);
            assert.equal(parsed.ok, false, `${value} should not parse`);
            assert.match(parsed.ok ? "" : parsed.error, message);
        }
    });

    it("expands <base /> at its position, scope by scope, ending in the built-in forward-request", () => {
        const global = doc(
            `<policies><inbound>${validate}</inbound><backend><forward-request /></backend></policies>`,
        );
        const api = doc(
            '<policies><inbound><set-header name="a" /><base /><set-header name="b" /></inbound></policies>',
        );
        const op = doc(
            '<policies><inbound><base /><set-header name="c" /></inbound><backend><base /></backend></policies>',
        );
        const names = effectiveSection([op, api, global], "inbound").map((e) => e.attributes.name ?? e.name);
        assert.deepEqual(names, ["a", "validate-azure-ad-token", "b", "c"]);
        assert.equal(tokenValidationIndex([op, api, global]), 1);
        assert.deepEqual(
            effectiveSection([undefined, undefined], "backend").map((e) => e.name),
            ["forward-request"],
        );
        // A scope that omits a section does not inherit it.
        assert.deepEqual(effectiveSection([doc("<policies><inbound /></policies>"), global], "backend"), []);
    });

    it("knows when a request never reaches the backend", () => {
        const answers = doc(
            '<policies><inbound><return-response><set-status code="200" /></return-response></inbound><backend><base /></backend></policies>',
        );
        assert.equal(reachesBackend([answers]), false);
        const conditional = doc(
            '<policies><inbound><choose><when condition="@(true)"><return-response /></when></choose></inbound><backend><base /></backend></policies>',
        );
        assert.equal(reachesBackend([conditional]), true);
    });

    it("accepts only an unconditional replacement of the caller's Authorization header", () => {
        const chain = (inbound: string) => [
            doc(`<policies><inbound>${inbound}</inbound><backend><forward-request /></backend></policies>`),
        ];
        assert.equal(
            replacesCallerAuthorization(chain('<authentication-managed-identity resource="api://x" />')),
            true,
        );
        assert.equal(
            replacesCallerAuthorization(chain('<set-header name="authorization" exists-action="delete" />')),
            true,
        );
        assert.equal(
            replacesCallerAuthorization(
                chain(
                    '<set-header name="Authorization" exists-action="override"><value>Bearer {{token}}</value></set-header>',
                ),
            ),
            true,
        );
        assert.equal(
            replacesCallerAuthorization(
                chain(
                    '<set-header name="Authorization" exists-action="override"><value>@(context.Request.Headers["Authorization"])</value></set-header>',
                ),
            ),
            false,
        );
        assert.equal(
            replacesCallerAuthorization(
                chain(
                    '<choose><when condition="@(true)"><authentication-managed-identity resource="x" /></when></choose>',
                ),
            ),
            false,
        );
        assert.equal(replacesCallerAuthorization(chain("")), false);
    });
});
