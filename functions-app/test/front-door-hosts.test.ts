/**
 * The front door as each host serves it outside the local gateway: the Functions app's HTTP
 * triggers (routes, methods, and the request/response adaptation, driven with the library's own
 * HttpRequest), and the settings both hosts read from their environment.
 */
import * as assert from "node:assert/strict";
import { HttpRequest, type HttpResponseInit } from "@azure/functions";
import { readFrontDoorEnvironment } from "../src/front-door/environment";
import { FrontDoor } from "../src/front-door/front-door";
import { registerFrontDoorTriggers, type HttpTriggerRegistry } from "../src/front-door/functions-triggers";
import { MemoryFrontDoorStore } from "../src/front-door/store";
import { EntraUpstream } from "../src/front-door/upstream";

const issuer = "https://apim.example.net/oauth";

function frontDoor(): FrontDoor {
    return new FrontDoor({
        issuer,
        resource: "https://apim.example.net/mcp",
        resourceName: "MCP tools",
        scope: "api://mcp/MCP.Access",
        store: new MemoryFrontDoorStore(),
        upstream: new EntraUpstream({
            authority: "https://login.example.net/tenant",
            clientId: "00000000-0000-4000-8000-000000000001",
            scope: "api://mcp/MCP.Access",
            redirectUri: `${issuer}/callback`,
            clientAssertion: () => Promise.resolve("assertion"),
        }),
    });
}

describe("front door on the Functions host and from the environment", () => {
    const registered = new Map<string, Parameters<HttpTriggerRegistry["http"]>[1]>();
    before(() => {
        const door = frontDoor();
        registerFrontDoorTriggers({ http: (name, options) => registered.set(name, options) }, () => door);
    });
    const call = (
        name: string,
        init: ConstructorParameters<typeof HttpRequest>[0],
    ): Promise<HttpResponseInit> => registered.get(name)!.handler(new HttpRequest(init));
    const headerList = (r: HttpResponseInit) => r.headers as [string, string][];

    it("registers one anonymous trigger per endpoint under /api/oauth", () => {
        assert.deepEqual(
            [...registered].map(([name, o]) => [name, o.route, o.methods.join(), o.authLevel]),
            [
                ["oauth-metadata", "oauth/metadata", "GET", "anonymous"],
                ["oauth-register", "oauth/register", "POST", "anonymous"],
                ["oauth-authorize", "oauth/authorize", "GET", "anonymous"],
                ["oauth-consent", "oauth/consent", "POST", "anonymous"],
                ["oauth-callback", "oauth/callback", "GET", "anonymous"],
                ["oauth-token", "oauth/token", "POST", "anonymous"],
            ],
        );
    });

    it("registers a client and shows the consent page with its cookie, through the triggers", async () => {
        const metadata = await call("oauth-metadata", {
            method: "GET",
            url: "https://fn/api/oauth/metadata",
        });
        assert.equal((JSON.parse(bodyText(metadata)) as { issuer: string }).issuer, issuer);
        const registration = await call("oauth-register", {
            method: "POST",
            url: "https://fn/api/oauth/register",
            headers: { "content-type": "application/json" },
            body: {
                string: JSON.stringify({
                    client_name: "Fn client",
                    redirect_uris: ["http://127.0.0.1:9/cb"],
                }),
            },
        });
        assert.equal(registration.status, 201);
        const clientId = (JSON.parse(bodyText(registration)) as { client_id: string }).client_id;
        const page = await call("oauth-authorize", {
            method: "GET",
            url: "https://fn/api/oauth/authorize",
            query: {
                response_type: "code",
                client_id: clientId,
                redirect_uri: "http://127.0.0.1:9/cb",
                code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                code_challenge_method: "S256",
                resource: "https://apim.example.net/mcp",
                state: "s",
            },
        });
        assert.equal(page.status, 200);
        assert.match(bodyText(page), /Fn client/);
        const cookies = headerList(page).filter(([n]) => n === "set-cookie");
        const [cookie] = cookies;
        assert.ok(cookie && cookies.length === 1, "one cookie");
        assert.match(
            cookie[1],
            /^__Host-mcp_fd_csrf=[^;]+; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/,
        );
    });

    it("refuses a body over 16 KiB before reading it", async () => {
        const answer = await call("oauth-token", {
            method: "POST",
            url: "https://fn/api/oauth/token",
            headers: { "content-length": String(64 * 1024) },
            body: { string: "x" },
        });
        assert.equal(answer.status, 413);
    });

    it("reads its settings from the environment, off unless FRONT_DOOR_ISSUER is set, each problem named", () => {
        assert.deepEqual(readFrontDoorEnvironment({}), { errors: [] });
        const ok = readFrontDoorEnvironment({
            FRONT_DOOR_ISSUER: "https://apim.example.net/oauth/",
            FRONT_DOOR_RESOURCE: "https://apim.example.net/mcp",
            FRONT_DOOR_CLIENT_ID: "00000000-0000-4000-8000-000000000001",
            FRONT_DOOR_AUTHORITY: "https://login.microsoftonline.com/tenant/",
            FRONT_DOOR_SCOPE: "api://mcp/MCP.Access",
        });
        assert.deepEqual(ok.errors, []);
        assert.equal(ok.settings?.issuer, "https://apim.example.net/oauth");
        assert.equal(ok.settings?.authority, "https://login.microsoftonline.com/tenant");
        assert.equal(ok.settings?.registrationCap, 1000);
        const bad = readFrontDoorEnvironment({
            FRONT_DOOR_ISSUER: "https://x/oauth",
            FRONT_DOOR_REGISTRATION_CAP: "0",
        });
        assert.deepEqual(
            bad.errors.map((e) => e.slice(0, e.indexOf(":"))),
            [
                "FRONT_DOOR_RESOURCE",
                "FRONT_DOOR_AUTHORITY",
                "FRONT_DOOR_CLIENT_ID",
                "FRONT_DOOR_SCOPE",
                "FRONT_DOOR_REGISTRATION_CAP",
            ],
        );
    });
});

/** The body of a trigger's answer, which the front door always gives as text. */
function bodyText(response: HttpResponseInit): string {
    const body = response.body;
    assert.ok(typeof body === "string", "a text body");
    return body;
}
