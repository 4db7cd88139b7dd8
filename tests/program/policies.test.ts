import * as assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { backendPaths, forwardedCallerHeader, toolRoles } from "../../functions-app/src/contract";
import {
    gatewayNamedValues,
    mcpOperations,
    renderGatewayPolicies,
    toolRoleTable,
} from "../../components/gateway/policies";
import { namedValueReferences, renderPolicy } from "../../components/gateway/render";

const settings = {
    backendId: "tools-backend",
    rateLimitCalls: 120,
    rateLimitPeriodSeconds: 60,
    maxRequestBodyKb: 256,
    metricNamespace: "agents-control-plane",
    resourceName: "Contoso MCP tools",
};
const policies = renderGatewayPolicies(settings);
const all: [string, string][] = [
    ["mcp-api", policies.mcpApi],
    ["sentinel-api", policies.sentinelApi],
    ["protected-resource-metadata", policies.protectedResourceMetadata],
    ...Object.entries(policies.mcpOperations),
];
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "", preserveOrder: false });

type Node = Record<string, unknown>;
/** Every element named `tag` anywhere under `node`. */
function find(node: unknown, tag: string): Node[] {
    const out: Node[] = [];
    const walk = (n: unknown): void => {
        if (Array.isArray(n)) return n.forEach(walk);
        if (typeof n !== "object" || n === null) return;
        for (const [k, v] of Object.entries(n)) {
            if (k === tag)
                (Array.isArray(v) ? v : [v]).forEach((x) =>
                    out.push(typeof x === "object" && x !== null ? (x as Node) : { "#text": x }),
                );
            walk(v);
        }
    };
    walk(node);
    return out;
}
const section = (xml: string, name: string): unknown =>
    (parser.parse(xml) as { policies: Node }).policies[name];

describe("APIM policies", () => {
    for (const [name, xml] of all) {
        it(`${name}: well-formed, only defined named values, no leftover markers`, () => {
            assert.equal(XMLValidator.validate(xml), true);
            assert.ok(xml.startsWith("<policies>"));
            assert.doesNotMatch(xml, /\$\(/);
            const defined = new Set<string>(Object.values(gatewayNamedValues));
            for (const ref of namedValueReferences(xml))
                assert.ok(defined.has(ref), `{{${ref}}} is not defined`);
            for (const s of ["inbound", "backend", "outbound", "on-error"])
                assert.ok(section(xml, s) !== undefined, s);
            // Policies must never buffer a response body into memory (SSE must stream).
            assert.doesNotMatch(xml, /context\.Response\.Body/);
        });
    }

    it("validates Entra tokens for the MCP app on the MCP API", () => {
        const [v] = find(section(policies.mcpApi, "inbound"), "validate-azure-ad-token");
        assert.equal(v["tenant-id"], "{{mcp-tenant-id}}");
        assert.equal(v["failed-validation-httpcode"], "401");
        assert.deepEqual((v.audiences as Node).audience, ["{{mcp-app-client-id}}", "{{mcp-app-id-uri}}"]);
    });

    it("rate-limits per caller app id with Retry-After, never on the Authorization header", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const [rl] = find(section(xml, "inbound"), "rate-limit-by-key");
            assert.equal(rl.calls, "120");
            assert.equal(rl["renewal-period"], "60");
            assert.equal(rl["retry-after-header-name"], "Retry-After");
            assert.match(String(rl["counter-key"]), /callerAppId/);
            assert.doesNotMatch(String(rl["counter-key"]), /Authorization/);
        }
        const caller = find(section(policies.mcpApi, "inbound"), "set-variable").find(
            (v) => v.name === "callerAppId",
        );
        assert.match(
            String(caller?.value),
            /GetValueOrDefault\("azp", jwt\.Claims\.GetValueOrDefault\("appid"/,
        );
    });

    it("streams backend responses and reaches the backend with the gateway's managed identity", () => {
        const [fwd] = find(section(policies.mcpApi, "backend"), "forward-request");
        assert.equal(fwd["buffer-response"], "false");
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const inbound = section(xml, "inbound");
            const [mi] = find(inbound, "authentication-managed-identity");
            assert.equal(mi.resource, "{{backend-audience}}");
            const deleted = find(inbound, "set-header").filter((h) => h.name === "Authorization");
            assert.deepEqual(
                deleted.map((h) => h["exists-action"]),
                ["delete"],
                "the caller's token is removed before the backend call",
            );
            assert.equal(find(inbound, "set-backend-service")[0]["backend-id"], "tools-backend");
            assert.doesNotMatch(xml, /x-functions-key|master.?key|[?&]code=/i);
        }
    });

    it("names the calling agent to the backend from the validated token, replacing any caller-sent value", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const inbound = section(xml, "inbound");
            const headers = find(inbound, "set-header").filter((h) => h.name === forwardedCallerHeader);
            assert.equal(headers.length, 1);
            assert.equal(headers[0]["exists-action"], "override");
            assert.match(
                String(find(headers[0], "value")[0]["#text"]),
                /context\.Variables\["callerAppId"\]/,
            );
        }
        // callerAppId is read from the token's azp, falling back to appid (v1 tokens).
        assert.match(
            policies.mcpApi,
            /GetValueOrDefault\(&quot;azp&quot;, jwt\.Claims\.GetValueOrDefault\(&quot;appid&quot;/,
        );
    });

    it("answers a failed token check with 401 and WWW-Authenticate resource_metadata", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const onError = section(xml, "on-error");
            const [status] = find(onError, "set-status");
            assert.equal(status.code, "401");
            const www = find(onError, "set-header").find((h) => h.name === "WWW-Authenticate");
            assert.equal(www?.value, 'Bearer resource_metadata="{{prm-url}}"');
        }
    });

    it("refuses MCP bodies it cannot read the way the backend does, before the tool-role check", () => {
        const inbound = section(policies.mcpApi, "inbound");
        const tools = find(inbound, "set-variable").find((v) => v.name === "mcpTools");
        const expression = String(tools?.value);
        // Unparseable bodies and case-variant or repeated member names are refused, not waved through.
        assert.doesNotMatch(expression, /catch \(Exception\) \{\s*return "";/);
        assert.match(expression, /catch \(Exception\) \{\s*return "!invalid";/);
        assert.match(expression, /StringComparer\.OrdinalIgnoreCase/);
        const refusal = find(inbound, "when").find((w) => String(w.condition).includes('"!invalid"'));
        assert.ok(refusal, "a 400 answer for ambiguous bodies");
        assert.equal(find(refusal, "set-status")[0].code, "400");
        // The refusal comes before the role check reads the tool names.
        assert.ok(policies.mcpApi.indexOf("!invalid&quot;)") < policies.mcpApi.indexOf('name="deniedTool"'));
    });

    it("keeps metric dimensions to catalog tool names", () => {
        const metric = find(section(policies.mcpApi, "outbound"), "emit-metric")[0];
        const tool = find(metric, "dimension").find((d) => d.name === "tool");
        assert.match(String(tool?.value), /\(other\)/);
    });

    it("enforces the contract's tool -> role map and a request size limit", () => {
        assert.equal(toolRoleTable().split(";").length, Object.keys(toolRoles).length);
        assert.ok(policies.mcpApi.includes(toolRoleTable()));
        const [vc] = find(section(policies.mcpApi, "inbound"), "validate-content");
        assert.equal(vc["max-size"], String(256 * 1024));
        assert.equal(vc["size-exceeded-action"], "prevent");
    });

    it("requires the incident-analysis role on the Sentinel webhook, JSON only", () => {
        const inbound = section(policies.sentinelApi, "inbound");
        const [claim] = find(find(inbound, "required-claims")[0], "claim");
        assert.equal(claim.name, "roles");
        assert.equal(claim.value, "Incidents.Analyze");
        const [vc] = find(inbound, "validate-content");
        assert.equal(vc["unspecified-content-type-action"], "prevent");
        assert.equal(find(inbound, "rewrite-uri")[0].template, backendPaths.sentinelWebhook);
    });

    it("maps each MCP operation to the backend path both backends serve", () => {
        for (const op of mcpOperations) {
            const [rw] = find(section(policies.mcpOperations[op.id], "inbound"), "rewrite-uri");
            assert.equal(rw.template, op.backendPath);
        }
    });

    it("publishes Protected Resource Metadata as JSON pointing at Entra", () => {
        const [body] = find(section(policies.protectedResourceMetadata, "inbound"), "set-body");
        const json = JSON.parse(String(body["#text"])) as Record<string, unknown>;
        assert.equal(json.resource, "{{mcp-resource-url}}");
        assert.deepEqual(json.authorization_servers, [
            "https://login.microsoftonline.com/{{mcp-tenant-id}}/v2.0",
        ]);
        assert.deepEqual(json.scopes_supported, ["{{mcp-app-id-uri}}/MCP.Access"]);
    });

    describe("renderer", () => {
        const named = new Set(["known"]);
        it("fills and escapes values", () => {
            assert.equal(
                renderPolicy("t", '<policies><a b="$(x)" /></policies>', { x: 'a"<&' }, named),
                '<policies><a b="a&quot;&lt;&amp;" /></policies>',
            );
        });
        it("drops the leading documentation comment", () => {
            assert.equal(
                renderPolicy(
                    "t",
                    "<!-- doc -->\n<policies />".replace("<policies />", "<policies></policies>"),
                    {},
                    named,
                ),
                "<policies></policies>",
            );
        });
        it("throws on a missing value", () => {
            assert.throws(
                () => renderPolicy("t", "<policies>$(x)$(y)</policies>", { x: 1 }, named),
                /no value for \$\(y\)/,
            );
        });
        it("throws on a value no marker uses", () => {
            assert.throws(
                () => renderPolicy("t", "<policies></policies>", { x: 1 }, named),
                /not used by the template: x/,
            );
        });
        it("throws on an undefined named value", () => {
            assert.throws(
                () => renderPolicy("t", "<policies>{{known}}{{other}}</policies>", {}, named),
                /\{\{other\}\} is not a named value/,
            );
        });
        it("refuses values that would inject a marker", () => {
            assert.throws(
                () => renderPolicy("t", "<policies>$(x)</policies>", { x: "{{known}}" }, named),
                /contains a template marker/,
            );
        });
        it("throws on a malformed marker", () => {
            assert.throws(() => renderPolicy("t", "<policies>$(1x)</policies>", {}, named), /malformed/);
        });
    });
});
