/**
 * People's sign-in with MCP clients on the Azure side: the `mcpClientAuth` keys as the parser reads
 * them, the Entra resources of each mode, and the dev stack synthesized in front door mode: the
 * front door's app with its managed identity credential and no secret, its APIM APIs and per-IP
 * limits, the resource metadata naming it, its outputs, and the policy pack passing that stack and
 * refusing it once a password is added to the app.
 */
import * as assert from "node:assert/strict";
import { readClientAuth, vsCodeClientId } from "../../components/config/client-auth";
import { runOffline } from "../../policypacks/control-plane/offline";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import { synthesize, type SynthResult } from "../../scripts/lib/synthesize";
import { parseStackConfig } from "../../components/config/parse";
import { shippedConfig, shippedStack } from "../support/shipped-stacks";

type Obj = Record<string, unknown>;

const ofType = (stack: SynthResult, type: string) => stack.resources.filter((r) => r.type === type);

describe("MCP client sign-in (mcpClientAuth)", function () {
    this.timeout(120_000);

    describe("configuration", () => {
        const read = (mode: string | undefined, ids: unknown) => {
            const problems: string[] = [];
            const config = readClientAuth(mode, ids, (key, message) => problems.push(`${key}: ${message}`));
            return { config, problems };
        };
        it("defaults to off and accepts the three modes", () => {
            for (const mode of ["off", "direct", "frontDoor"])
                assert.deepEqual(read(mode, []).problems, [], mode);
            assert.equal(read("off", []).config.mode, "off");
        });
        it("refuses an unknown mode, ids that are not GUIDs or repeat, and pre-authorized ids outside direct mode", () => {
            assert.match(
                read("oauth", []).problems[0] ?? "",
                /^mcpClientAuth: must be one of off, direct, frontDoor/,
            );
            assert.match(
                read("direct", ["vscode"]).problems[0] ?? "",
                /^mcpPreAuthorizedClientIds\[0\]: must be an app \(client\) id GUID/,
            );
            assert.match(
                read("direct", [vsCodeClientId, vsCodeClientId.toUpperCase()]).problems[0] ?? "",
                /listed twice/,
            );
            assert.match(
                read("frontDoor", [vsCodeClientId]).problems[0] ?? "",
                /applies only with mcpClientAuth: direct/,
            );
            assert.deepEqual(read("direct", [vsCodeClientId]).config.preAuthorizedClientIds, [
                vsCodeClientId,
            ]);
        });
        it("refuses the front door on the AKS backend, which does not run it yet", () => {
            const result = parseStackConfig(
                { ...shippedConfig("prod"), "agents-control-plane:mcpClientAuth": "frontDoor" },
                { stack: "prod", today: new Date("2026-12-01T00:00:00Z") },
            );
            assert.ok(
                !result.ok &&
                    result.errors.some((e) =>
                        /mcpClientAuth: frontDoor runs on the functions backend only/.test(e),
                    ),
            );
        });
    });

    describe("Entra resources per mode (test program)", () => {
        let modes: SynthResult;
        before(async () => {
            modes = await synthesize({
                stack: "dev",
                program: "tests/program/programs/client-sign-in-modes.ts",
            });
        });
        const under = (prefix: string, type: string) =>
            ofType(modes, type).filter((r) => r.name.startsWith(prefix));

        it("off creates nothing", () => {
            assert.deepEqual(
                modes.resources
                    .filter((r) => r.custom && r.name.startsWith("sign-in-off"))
                    .map((r) => r.name),
                [],
            );
        });
        it("direct pre-authorizes the configured clients (VS Code) for MCP.Access and creates no app", () => {
            const [pre] = under(
                "sign-in-direct",
                "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized",
            );
            assert.ok(pre);
            assert.equal(pre.inputs.authorizedClientId, vsCodeClientId);
            assert.deepEqual(pre.inputs.permissionIds, ["8eee1d54-cd00-41aa-8d90-39203627caf2"]);
            assert.equal(pre.inputs.applicationId, "/applications/4682d1c3-2d4c-4b47-aec8-05d40471238d");
            assert.deepEqual(under("sign-in-direct", "azuread:index/application:Application"), []);
        });
        it("front door: an app with no password, its callback, MCP.Access, and a managed identity credential", () => {
            const [app] = under("sign-in-frontdoor", "azuread:index/application:Application");
            assert.ok(app);
            assert.equal(app.inputs.password, undefined);
            assert.ok((app.inputs.tags as string[]).includes("mcp-front-door"));
            assert.deepEqual((app.inputs.web as Obj).redirectUris, [
                "https://acp-test.azure-api.net/oauth/callback",
            ]);
            assert.deepEqual(app.inputs.requiredResourceAccesses, [
                {
                    resourceAppId: "0b910234-e7a6-4154-ba5e-eea992f57ac3",
                    resourceAccesses: [{ id: "8eee1d54-cd00-41aa-8d90-39203627caf2", type: "Scope" }],
                },
            ]);
            const [fic] = under(
                "sign-in-frontdoor",
                "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            );
            assert.ok(fic);
            assert.equal(
                fic.inputs.issuer,
                "https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/v2.0",
            );
            assert.equal(fic.inputs.subject, "2f0bb067-dda4-4465-8c5f-a29762ba1d2f");
            assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
            for (const type of [
                "azuread:index/applicationPassword:ApplicationPassword",
                "azuread:index/applicationCertificate:ApplicationCertificate",
            ])
                assert.deepEqual(under("sign-in-frontdoor", type), [], type);
            const [pre] = under(
                "sign-in-frontdoor",
                "azuread:index/applicationPreAuthorized:ApplicationPreAuthorized",
            );
            assert.ok(pre, "the MCP app pre-authorizes the front door for MCP.Access");
        });
    });

    describe("dev stack in front door mode", () => {
        let stack: SynthResult;
        before(async () => {
            stack = await synthesize(shippedStack("dev", { mcpClientAuth: "frontDoor" }));
        });

        it("trusts the Functions backend's identity: the credential's subject is the identity its roles are granted to", () => {
            const [fic] = ofType(
                stack,
                "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            ).filter((r) => r.name.includes("front-door"));
            assert.ok(fic);
            const blobOwner = stack.resources.find((r) => r.name.endsWith("functions-blob-owner"));
            assert.ok(blobOwner);
            assert.equal(fic.inputs.subject, blobOwner.inputs.principalId);
            assert.match(
                String(fic.inputs.issuer),
                /^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}\/v2\.0$/,
            );
        });

        it("routes the front door's paths to the backend with no token check and per-IP limits on register and token", () => {
            const apis = ofType(stack, "azure-native:apimanagement:Api").map((r) => [
                r.inputs.apiId,
                r.inputs.path,
            ]);
            assert.deepEqual(
                apis.filter(([id]) => String(id).startsWith("front-door")),
                [
                    ["front-door", "oauth"],
                    ["front-door-metadata", ".well-known/oauth-authorization-server"],
                ],
            );
            const policies = ofType(stack, "azure-native:apimanagement:ApiOperationPolicy").filter((r) =>
                String(r.inputs.operationId).startsWith("oauth-"),
            );
            const byOp = new Map(policies.map((p) => [String(p.inputs.operationId), String(p.inputs.value)]));
            assert.match(
                byOp.get("oauth-register")!,
                /rate-limit-by-key calls="20"[^>]*context.Request.IpAddress/,
            );
            assert.match(
                byOp.get("oauth-token")!,
                /rate-limit-by-key calls="60"[^>]*context.Request.IpAddress/,
            );
            assert.doesNotMatch(byOp.get("oauth-authorize")!, /rate-limit-by-key/);
            assert.match(byOp.get("oauth-metadata")!, /rewrite-uri template="\/api\/oauth\/metadata"/);
            const api = ofType(stack, "azure-native:apimanagement:ApiPolicy").find(
                (r) => r.inputs.apiId === "front-door",
            )!;
            assert.doesNotMatch(String(api.inputs.value), /validate-azure-ad-token/);
            assert.match(String(api.inputs.value), /authentication-managed-identity/);
        });

        it("gives the Functions app the front door's settings", () => {
            const gatewayUrl = String(stack.outputs.gatewayUrl);
            const [settings] = ofType(stack, "azure-native:web:WebAppApplicationSettings");
            assert.ok(settings);
            // The whole map is stored as a secret (it holds the App Insights connection string).
            const wrapped = settings.inputs.properties as { value?: Record<string, unknown> };
            const props = wrapped.value ?? (settings.inputs.properties as Record<string, unknown>);
            assert.equal(props.FRONT_DOOR_ISSUER, `${gatewayUrl}/oauth`);
            assert.equal(props.FRONT_DOOR_RESOURCE, `${gatewayUrl}/mcp`);
            assert.equal(
                props.FRONT_DOOR_CLIENT_ID,
                (stack.outputs.clientSignIn as { frontDoor: Obj }).frontDoor.clientId,
            );
            assert.equal(props.FRONT_DOOR_SCOPE, `${String(stack.outputs.mcpAppIdUri)}/MCP.Access`);
            assert.match(
                String(props.FRONT_DOOR_AUTHORITY),
                /^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}$/,
            );
            assert.ok(
                !JSON.stringify(props).includes("4dabf18193072939515e22adb298388d"),
                "no secret values",
            );
        });

        it("names the front door as the authorization server and exports its URLs", () => {
            const gatewayUrl = String(stack.outputs.gatewayUrl);
            const nv = ofType(stack, "azure-native:apimanagement:NamedValue").find(
                (r) => r.inputs.namedValueId === "authorization-server",
            )!;
            assert.equal(nv.inputs.value, `${gatewayUrl}/oauth`);
            const out = stack.outputs.clientSignIn as { mode: string; frontDoor: Obj };
            assert.equal(out.mode, "frontDoor");
            assert.equal(out.frontDoor.issuer, `${gatewayUrl}/oauth`);
            assert.equal(
                out.frontDoor.metadataUrl,
                `${gatewayUrl}/.well-known/oauth-authorization-server/oauth`,
            );
            assert.equal(out.frontDoor.tokenEndpoint, `${gatewayUrl}/oauth/token`);
            assert.match(String(out.frontDoor.clientId), /^[0-9a-f-]{36}$/);
        });

        it("passes the policy pack, and fails it once a client secret is added to the front door's app", async () => {
            const run = async (resources: RecordedResource[]) => {
                const outcome = await runOffline(
                    { stack: "dev", configOverrides: {}, json: true },
                    () => Promise.resolve({ resources, outputs: {} }),
                    () => undefined,
                    () => undefined,
                );
                return (outcome.result?.violations ?? []).filter((v) => v.enforcementLevel === "mandatory");
            };
            assert.deepEqual(await run(stack.resources), []);
            const app = stack.resources.find(
                (r) => Array.isArray(r.inputs.tags) && r.inputs.tags.includes("mcp-front-door"),
            )!;
            const secret: RecordedResource = {
                type: "azuread:index/applicationPassword:ApplicationPassword",
                name: "front-door-secret",
                urn: app.urn
                    .replace(/[^:]+$/, "front-door-secret")
                    .replace(
                        "azuread:index/application:Application",
                        "azuread:index/applicationPassword:ApplicationPassword",
                    ),
                ...(app.parent === undefined ? {} : { parent: app.parent }),
                custom: true,
                inputs: { applicationId: "/applications/front-door", displayName: "quick fix" },
            };
            const found = (await run([...stack.resources, secret])).map((v) => v.policy);
            assert.ok(found.includes("front-door-secretless"), found.join(", "));
        });
    });
});
