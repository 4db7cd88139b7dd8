/**
 * What the local gateway keeps between calls to make a call cheap, and that none of it answers a
 * request with another request's result: compiled expressions (shared by every document holding
 * the same text), verified tokens (only within their lifetime and for the audiences they were
 * checked against) and the managed identity token (reused as APIM reuses it, renewed before expiry).
 */
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Parser } from "web-tree-sitter";
import { GatewayContext, MessageBody, newHeaders } from "../src/context";
import { loadPolicyDocument } from "../src/document";
import { LocalEntra } from "../src/entra";
import { csharpParser } from "../src/expressions/parser";
import { LocalGateway } from "../src/gateway";
import { ManagedIdentityTokens } from "../src/managed-identity-tokens";
import type { MintedToken } from "../src/policies/types";
import { testSource } from "./support/test-source";

/** Reads a header and the request body's `name`; a statement per value, so both are request data. */
const perRequestPolicy = `<policies><inbound>
    <set-variable name="tenant" value="@(context.Request.Headers.GetValueOrDefault(&quot;x-tenant&quot;, &quot;none&quot;))" />
    <set-variable name="name" value="@{
        var body = context.Request.Body.As&lt;JObject&gt;(preserveContent: true);
        return (string)body[&quot;name&quot;] + &quot;:&quot; + context.Variables.GetValueOrDefault&lt;string&gt;(&quot;tenant&quot;, &quot;&quot;);
    }" />
</inbound></policies>`;

function requestWith(tenant: string, name: string): GatewayContext {
    const headers = newHeaders();
    headers.set("X-Tenant", [tenant]);
    const url = { scheme: "https", host: "gateway", port: 443, path: "/mcp", query: [] };
    return new GatewayContext(
        {
            method: "POST",
            headers,
            body: new MessageBody(Buffer.from(JSON.stringify({ name }))),
            url,
            originalUrl: url,
            ipAddress: "127.0.0.1",
        },
        { id: "mcp", name: "mcp", path: "mcp" },
        { id: "mcp-post", method: "POST", name: "mcp-post", urlTemplate: "/" },
    );
}

async function runInbound(doc: ReturnType<typeof loadPolicyDocument>, ctx: GatewayContext): Promise<void> {
    for (const statement of doc.sections.inbound)
        await statement.run({
            context: ctx,
            services: {} as never,
            section: "inbound",
            signal: new AbortController().signal,
        });
}

/** The parser, counting what it is asked to parse. */
function countingParser(parser: Parser): { parser: Parser; parses: () => number } {
    let parses = 0;
    const counting = Object.create(parser) as Parser;
    counting.parse = (...args: Parameters<Parser["parse"]>) => {
        parses++;
        return parser.parse(...args);
    };
    return { parser: counting, parses: () => parses };
}

describe("local gateway: what it keeps between calls", function () {
    this.timeout(20_000);

    describe("compiled expressions", () => {
        let parser: Parser;
        before(async () => {
            parser = await csharpParser();
        });

        it("compiles an expression text once, and each request still gets its own answer", async () => {
            const counted = countingParser(parser);
            // Text unique to this test, so no earlier load has compiled it.
            const policy = perRequestPolicy.replace("none", `none-${process.hrtime.bigint()}`);
            const first = loadPolicyDocument(counted.parser, "first", "api", policy, new Map());
            assert.equal(counted.parses(), 2, "two expressions, each parsed once");
            const second = loadPolicyDocument(counted.parser, "second", "operation", policy, new Map());
            assert.equal(counted.parses(), 2, "the second document reuses both compilations");

            const a = requestWith("contoso", "alpha");
            const b = requestWith("fabrikam", "beta");
            await runInbound(first, a);
            await runInbound(second, b);
            const again = requestWith("northwind", "gamma");
            await runInbound(first, again);
            assert.deepEqual(
                [a, b, again].map((ctx) => [ctx.variables.get("tenant"), ctx.variables.get("name")]),
                [
                    ["contoso", "alpha:contoso"],
                    ["fabrikam", "beta:fabrikam"],
                    ["northwind", "gamma:northwind"],
                ],
            );
        });

        it("a named value substituted into the text makes it a text of its own", async () => {
            const policy = `<policies><inbound><set-variable name="v" value="@(&quot;{{greeting}}&quot; + context.Request.Method)" /></inbound></policies>`;
            const hello = loadPolicyDocument(parser, "a", "api", policy, new Map([["greeting", "hello "]]));
            const bye = loadPolicyDocument(parser, "b", "api", policy, new Map([["greeting", "bye "]]));
            const [x, y] = [requestWith("t", "n"), requestWith("t", "n")];
            await runInbound(hello, x);
            await runInbound(bye, y);
            assert.deepEqual([x.variables.get("v"), y.variables.get("v")], ["hello POST", "bye POST"]);
        });

        it("a text that fails to compile reports its own document and line each time", () => {
            const broken = (line: number) =>
                `<policies>${"\n".repeat(line - 1)}<inbound><set-variable name="v" value="@(context.Nope)" /></inbound></policies>`;
            assert.throws(
                () => loadPolicyDocument(parser, "one", "api", broken(1), new Map()),
                /^PolicyLoadError: one line 1, .*Nope/,
            );
            assert.throws(
                () => loadPolicyDocument(parser, "two", "api", broken(4), new Map()),
                /^PolicyLoadError: two line 4, .*Nope/,
            );
        });
    });

    describe("verified tokens", () => {
        let entra: LocalEntra;
        // The tests move this clock; nothing here waits on the real one.
        let now = Date.UTC(2026, 0, 1, 12, 0, 0, 500);
        before(async () => {
            entra = await LocalEntra.create({
                baseUrl: "http://127.0.0.1:1",
                tenantId: "tenant",
                resourceClientId: "app",
                agents: [],
                gatewayIdentity: { objectId: "gateway", clientId: "gateway", roles: [] },
                now: () => now,
            });
        });

        /** Counts RSA verifications while `action` runs. */
        async function verifications(action: () => Promise<unknown>): Promise<number> {
            // jose verifies with the global WebCrypto, which is node:crypto's.
            const subtle = webcrypto.subtle;
            const verify = subtle.verify.bind(subtle);
            let count = 0;
            subtle.verify = (...args: Parameters<typeof verify>) => {
                count++;
                return verify(...args);
            };
            try {
                await action();
            } finally {
                // The own property shadowed the prototype's method; removing it restores that.
                delete (subtle as Partial<typeof subtle>).verify;
            }
            return count;
        }

        it("verifies a token's signature once, and still refuses it for an audience it was not checked for", async () => {
            const token = await entra.mint({ aud: "app", azp: "caller" });
            const first = await entra.validate(token, "tenant", ["app"]);
            assert.equal(first.ok, true);
            assert.equal(await verifications(() => entra.validate(token, "tenant", ["app"])), 0);
            const other = await entra.validate(token, "tenant", ["someone-else"]);
            assert.deepEqual([other.ok, other.reason], [false, "TokenAudienceNotAllowed"]);
            const foreign = await entra.validate(token, "another-tenant", ["app"]);
            assert.deepEqual([foreign.ok, foreign.reason], [false, "TokenIssuerNotAllowed"]);
        });

        it("refuses a remembered token from the second its exp names, and not a millisecond before", async () => {
            const token = await entra.mint({ aud: "app", azp: "caller" }, { expiresIn: 1 });
            const exp = (
                JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()) as {
                    exp: number;
                }
            ).exp;
            assert.equal((await entra.validate(token, "tenant", ["app"])).ok, true);
            // jose counts whole seconds: the token holds until the second `exp` begins.
            now = exp * 1000 - 1;
            assert.equal(
                await verifications(async () =>
                    assert.equal((await entra.validate(token, "tenant", ["app"])).ok, true),
                ),
                0,
            );
            now = exp * 1000;
            const later = await entra.validate(token, "tenant", ["app"]);
            assert.deepEqual([later.ok, later.reason], [false, "TokenExpired"]);
        });
    });

    describe("managed identity tokens", () => {
        it("mints once for concurrent calls, reuses until five minutes before expiry, and forgets a failed mint", async () => {
            let now = 1_000_000;
            let mints = 0;
            let failNext = false;
            const tokens = new ManagedIdentityTokens(
                async (resource): Promise<MintedToken> => {
                    mints++;
                    await new Promise((resolve) => setImmediate(resolve));
                    if (failNext) {
                        failNext = false;
                        throw new Error("token endpoint unreachable");
                    }
                    return { token: `${resource}#${mints}`, expiresOn: now + 60 * 60 * 1000 };
                },
                () => now,
            );
            const [a, b] = await Promise.all([tokens.get("api://backend"), tokens.get("api://backend")]);
            assert.deepEqual([a.token, b.token, mints], ["api://backend#1", "api://backend#1", 1]);
            assert.equal(
                (await tokens.get("https://cognitiveservices.azure.com")).token,
                "https://cognitiveservices.azure.com#2",
            );
            now += 54 * 60 * 1000;
            assert.equal(
                (await tokens.get("api://backend")).token,
                "api://backend#1",
                "55 minutes left: reused",
            );
            now += 60 * 1000 + 1;
            failNext = true;
            await assert.rejects(tokens.get("api://backend"), /unreachable/);
            assert.equal(
                (await tokens.get("api://backend")).token,
                "api://backend#4",
                "renewed after the failure",
            );
        });

        describe("through the gateway", () => {
            let backend: Server;
            let gateway: LocalGateway;
            const seen: IncomingHttpHeaders[] = [];
            const source = testSource({
                globalPolicy: `<policies><inbound /><backend><forward-request /></backend><outbound /><on-error /></policies>`,
                apis: [
                    {
                        id: "api",
                        path: "api",
                        name: "API",
                        policy: `<policies><inbound><base /><set-backend-service backend-id="tools" /><authentication-managed-identity resource="api://backend" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>`,
                    },
                ],
                operations: [
                    { apiId: "api", id: "call", method: "POST", urlTemplate: "/call", name: "call" },
                ],
            });

            before(async () => {
                backend = createServer((req, res) => {
                    seen.push(req.headers);
                    req.resume();
                    res.writeHead(200, { "content-type": "application/json" }).end("{}");
                });
                await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
                gateway = await LocalGateway.start({
                    source,
                    backendUrl: `http://127.0.0.1:${(backend.address() as AddressInfo).port}`,
                });
            });
            after(async () => {
                await gateway?.close();
                backend.closeAllConnections();
                await new Promise((resolve) => backend.close(resolve));
            });

            it("sends the backend the same valid token on every call, as APIM's cache does", async () => {
                for (let i = 0; i < 3; i++)
                    assert.equal((await fetch(`${gateway.url}/api/call`, { method: "POST" })).status, 200);
                const authorizations = new Set(seen.map((h) => h.authorization));
                assert.equal(authorizations.size, 1);
                const [authorization = ""] = authorizations;
                const checked = await gateway.entra.validate(
                    authorization.replace(/^Bearer /, ""),
                    "tenant",
                    ["api://backend"],
                );
                assert.equal(checked.ok, true);
                assert.equal(checked.payload?.oid, "gateway");
            });
        });
    });
});
