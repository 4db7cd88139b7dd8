import * as assert from "node:assert/strict";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { backendPaths, forwardedCallerHeader, forwardedRolesHeader, toolRoles } from "functions-app/contract";
import {
    gatewayNamedValues,
    mcpOperations,
    renderGatewayPolicies,
    toolRoleTable,
} from "../../components/gateway/policies";
import { namedValueReferences, renderPolicy } from "../../components/gateway/render";

const settings = {
    backendId: "tools-backend",
    toolHost: "node" as const,
    rateLimitCalls: 120,
    rateLimitPeriodSeconds: 60,
    maxRequestBodyKb: 256,
    resourceName: "Contoso MCP tools",
    corsAllowedOrigins: ["https://portal.example.com", "http://localhost:6274"],
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
        const entries: [string, unknown][] = Object.entries(n);
        for (const [k, v] of entries) {
            if (k === tag)
                (Array.isArray(v) ? v : [v]).forEach((x: unknown) =>
                    out.push(typeof x === "object" && x !== null ? (x as Node) : { "#text": x }),
                );
            walk(v);
        }
    };
    walk(node);
    return out;
}
/** The first element named `tag` under `node`; fails when there is none. */
function first(node: unknown, tag: string): Node {
    const [found] = find(node, tag);
    assert.ok(found, `no <${tag}>`);
    return found;
}
/** The rendered policy of the MCP operation `id`; fails when there is none. */
function operationPolicy(id: string): string {
    const xml = policies.mcpOperations[id];
    assert.ok(xml !== undefined, `no policy rendered for operation ${id}`);
    return xml;
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
        const v = first(section(policies.mcpApi, "inbound"), "validate-azure-ad-token");
        assert.equal(v["tenant-id"], "{{mcp-tenant-id}}");
        assert.equal(v["failed-validation-httpcode"], "401");
        assert.deepEqual((v.audiences as Node).audience, ["{{mcp-app-client-id}}", "{{mcp-app-id-uri}}"]);
    });

    it("rate-limits per caller with Retry-After, never on the Authorization header", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const rl = first(section(xml, "inbound"), "rate-limit-by-key");
            assert.equal(rl.calls, "120");
            assert.equal(rl["renewal-period"], "60");
            assert.equal(rl["retry-after-header-name"], "Retry-After");
            assert.match(String(rl["counter-key"]), /context\.Variables\["callerId"\]/);
            assert.doesNotMatch(String(rl["counter-key"]), /Authorization/);
        }
    });

    it("keys the caller on the user for delegated tokens and on the app for app-only tokens, refusing tokens with neither", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const inbound = section(xml, "inbound");
            const caller = String(find(inbound, "set-variable").find((v) => v.name === "callerId")?.value);
            // scp marks a delegated token: oid (else sub); otherwise azp, else appid.
            assert.match(
                caller,
                /GetValueOrDefault\("scp", ""\) != ""\s*\? jwt\.Claims\.GetValueOrDefault\("oid", jwt\.Claims\.GetValueOrDefault\("sub", ""\)\)\s*: jwt\.Claims\.GetValueOrDefault\("azp", jwt\.Claims\.GetValueOrDefault\("appid"/,
            );
            assert.doesNotMatch(caller, /"unknown"/);
            const refusal = find(inbound, "when").find((w) =>
                /context\.Variables\["callerId"\]\)\s*== ""/.test(String(w.condition)),
            );
            assert.ok(refusal, "a refusal for tokens that name no caller");
            assert.equal(first(refusal, "set-status").code, "401");
            const www = find(refusal, "set-header").find((h) => h.name === "WWW-Authenticate");
            assert.match(String(www?.value), /error="invalid_token".*resource_metadata="\{\{prm-url\}\}"/);
            // The refusal comes before the rate limit spends anyone's quota.
            assert.ok(xml.indexOf('name="callerId"') < xml.indexOf("<rate-limit-by-key"));
        }
    });

    it("streams backend responses and reaches the backend with the gateway's managed identity", () => {
        const fwd = first(section(policies.mcpApi, "backend"), "forward-request");
        assert.equal(fwd["buffer-response"], "false");
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const inbound = section(xml, "inbound");
            const mi = first(inbound, "authentication-managed-identity");
            assert.equal(mi.resource, "{{backend-audience}}");
            const deleted = find(inbound, "set-header").filter((h) => h.name === "Authorization");
            assert.deepEqual(
                deleted.map((h) => h["exists-action"]),
                ["delete"],
                "the caller's token is removed before the backend call",
            );
            assert.equal(first(inbound, "set-backend-service")["backend-id"], "tools-backend");
            // The Functions key travels on the APIM backend entity, never in a policy.
            assert.doesNotMatch(xml, /x-functions-key|master.?key|[?&]code=|mcp-extension-key/i);
        }
    });

    it("names the caller and its validated roles to the backend, replacing caller-sent values", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const inbound = section(xml, "inbound");
            const headers = find(inbound, "set-header").filter((h) => h.name === forwardedCallerHeader);
            const [header] = headers;
            assert.ok(
                header && headers.length === 1,
                `one ${forwardedCallerHeader} header, found ${headers.length}`,
            );
            assert.equal(header["exists-action"], "override");
            assert.match(String(first(header, "value")["#text"]), /context\.Variables\["callerId"\]/);
            // Roles: any caller value removed unconditionally, then the validated roles set when there are any.
            const roles = find(inbound, "set-header").filter((h) => h.name === forwardedRolesHeader);
            assert.deepEqual(
                roles.map((h) => h["exists-action"]),
                ["delete", "override"],
            );
            assert.ok(
                xml.indexOf(`name="${forwardedRolesHeader}" exists-action="delete"`) <
                    xml.indexOf(`name="${forwardedRolesHeader}" exists-action="override"`),
            );
            const granted = String(
                find(inbound, "set-variable").find((v) => v.name === "forwardedRoles")?.value,
            );
            assert.ok(
                granted.includes(
                    '"Tools.Invoke,Snippets.Read,Snippets.Write,Incidents.Analyze,Memory.Read,Memory.Write,Knowledge.Search".Split',
                ),
            );
        }
    });

    it("answers a failed token check with 401 and WWW-Authenticate resource_metadata", () => {
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            const onError = section(xml, "on-error");
            const status = first(onError, "set-status");
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
        assert.equal(first(refusal, "set-status").code, "400");
        // The refusal comes before the role check reads the tool names.
        assert.ok(policies.mcpApi.indexOf("!invalid&quot;)") < policies.mcpApi.indexOf('name="deniedTool"'));
    });

    it("keeps metric dimensions to catalog tool names and one value per batch", () => {
        const metric = first(section(policies.mcpApi, "outbound"), "emit-metric");
        const dims = find(metric, "dimension");
        assert.match(String(dims.find((d) => d.name === "agent")?.value), /Variables\["callerId"\]/);
        assert.match(String(dims.find((d) => d.name === "tool")?.value), /"\(several\)"/);
    });

    it("refuses tool names that are not exactly a catalog name with -32602, before the role check", () => {
        const inbound = section(policies.mcpApi, "inbound");
        const tools = String(find(inbound, "set-variable").find((v) => v.name === "mcpTools")?.value);
        assert.ok(tools.includes(`"${toolRoleTable()}".Split(';')`), "the catalog comes from the contract");
        assert.match(tools, /entry\.Split\('='\)\[0\] == tool/);
        assert.match(tools, /return "!unknown";/);
        const refusal = find(inbound, "when").find((w) => String(w.condition).includes('"!unknown"'));
        assert.ok(refusal);
        const answer = String(
            find(refusal, "set-variable").find((v) => v.name === "unknownToolAnswer")?.value,
        );
        assert.match(answer, /-32602/);
        // Legacy SSE: 400 (the answer cannot travel on the stream); Streamable HTTP: 200 with the JSON-RPC answer.
        const legacy = first(refusal, "when");
        assert.match(String(legacy.condition), /"mcpTransport", "streamable"\) == "legacy-sse"/);
        assert.equal(first(legacy, "set-status").code, "400");
        assert.equal(first(first(refusal, "otherwise"), "set-status").code, "200");
        assert.ok(
            policies.mcpApi.indexOf('name="unknownToolAnswer"') <
                policies.mcpApi.indexOf('name="deniedTool"'),
        );
        // Each operation names its transport before the API policy runs.
        for (const op of mcpOperations) {
            const opInbound = section(operationPolicy(op.id), "inbound") as Node;
            const variable = first(opInbound, "set-variable");
            assert.deepEqual([variable.name, variable.value], ["mcpTransport", op.transport]);
            const xml = operationPolicy(op.id);
            assert.ok(xml.indexOf('name="mcpTransport"') < xml.indexOf("<base />"));
        }
    });

    it("enforces the request size limit without requiring Content-Length", () => {
        assert.equal(toolRoleTable().split(";").length, Object.keys(toolRoles).length);
        for (const xml of [policies.mcpApi, policies.sentinelApi]) {
            assert.doesNotMatch(xml, /code="411"/);
            const inbound = section(xml, "inbound");
            const measure = String(
                find(inbound, "set-variable").find((v) => v.name === "bodyTooLarge")?.value,
            );
            assert.match(measure, /long\.Parse\(declared\) > 262144\)/);
            assert.match(measure, /Body\.As<byte\[\]>\(preserveContent: true\)\.Length > 262144/);
            const refusal = find(inbound, "when").find((w) => String(w.condition).includes('"bodyTooLarge"'));
            assert.equal(first(refusal, "set-status").code, "413");
        }
        // The measurement runs before the body is parsed for tool names.
        assert.ok(
            policies.mcpApi.indexOf('name="bodyTooLarge"') < policies.mcpApi.indexOf('name="mcpTools"'),
        );
    });

    it("requires the incident-analysis role on the Sentinel webhook, JSON only", () => {
        const inbound = section(policies.sentinelApi, "inbound");
        const claim = first(first(inbound, "required-claims"), "claim");
        assert.equal(claim.name, "roles");
        assert.equal(claim.value, "Incidents.Analyze");
        const vc = first(inbound, "validate-content");
        assert.equal(vc["unspecified-content-type-action"], "prevent");
        assert.equal(first(inbound, "rewrite-uri").template, backendPaths.sentinelWebhook);
    });

    it("maps each MCP operation to the backend path both backends serve", () => {
        for (const op of mcpOperations) {
            const rw = first(section(operationPolicy(op.id), "inbound"), "rewrite-uri");
            assert.equal(rw.template, op.backendPath);
        }
    });

    it("publishes Protected Resource Metadata as JSON naming the authorization server's named value", () => {
        const body = first(section(policies.protectedResourceMetadata, "inbound"), "set-body");
        const json = JSON.parse(String(body["#text"])) as Record<string, unknown>;
        assert.equal(json.resource, "{{mcp-resource-url}}");
        // Entra's v2 issuer, or the OAuth front door (tests/program/client-auth.test.ts checks the value per mode).
        assert.deepEqual(json.authorization_servers, ["{{authorization-server}}"]);
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
