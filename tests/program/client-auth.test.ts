/**
 * People's sign-in with MCP clients on the Azure side: the `mcpClientAuth` keys as the parser reads
 * them, the Entra resources of each mode, and the dev stack synthesized in front door mode: the
 * front door's app with its managed identity credential and no secret, its APIM APIs and per-IP
 * limits, the resource metadata naming it, its outputs, and the policy pack passing that stack and
 * refusing it once a password is added to the app; and the prod stack (AKS) in front door mode: the
 * settings in the pods, the container and its one role, the credential trusting the workload's
 * service account, the pack passing.
 */
import * as assert from "node:assert/strict";
import { readClientAuth, vsCodeClientId } from "../../components/config/client-auth";
import { runOffline } from "../../policypacks/control-plane/offline";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import { synthesize, type SynthResult } from "../../scripts/lib/synthesize";
import { parseStackConfig } from "../../components/config/parse";
import { shippedConfig, shippedStack } from "../support/shipped-stacks";
import { plain, roleOf, stackView } from "../support/synth";
import { stableGuid } from "../../components/azure/ids";
import { planNetwork } from "../../components/network/plan";

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
        it("accepts the front door on the AKS backend", () => {
            const result = parseStackConfig(
                { ...shippedConfig("prod"), "agents-control-plane:mcpClientAuth": "frontDoor" },
                { stack: "prod", today: new Date("2026-12-01T00:00:00Z") },
            );
            assert.deepEqual(result.ok ? [] : result.errors, []);
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
    describe("prod stack (AKS) in front door mode", () => {
        let stack: SynthResult;
        before(async () => {
            stack = await synthesize(shippedStack("prod", { mcpClientAuth: "frontDoor" }));
        });
        const view = () => stackView(stack);
        /** Id the mock runtime gives an azure-native resource (scripts/lib/mocks.ts). */
        const mockId = (r: RecordedResource, nameInput: string) => {
            const [, module, kind] = r.type.split(":");
            return `/subscriptions/66666666-7777-4888-9999-000000000000/resourceGroups/${String(r.inputs.resourceGroupName)}/providers/Microsoft.${module}/${kind}/${String(r.inputs[nameInput])}`;
        };
        /** The workload's objects as prod applies them (run command). */
        const workloadObjects = () =>
            plain(
                view().one("pulumi-nodejs:dynamic/agents-aks:ClusterObjects").inputs.objects,
                true,
            ) as Obj[];

        it("runs the front door in the pods: FRONT_DOOR_* beside the host's own settings, the assertion from the projected token", () => {
            const deployment = workloadObjects().find((o) => o.kind === "Deployment");
            assert.ok(deployment);
            const template = (deployment.spec as Obj).template as {
                metadata: Obj;
                spec: { containers: Obj[] };
            };
            assert.equal((template.metadata.labels as Obj)["azure.workload.identity/use"], "true");
            const [container] = template.spec.containers;
            assert.ok(container);
            const list = container.env as { name: string; value: string }[];
            const env = new Map(list.map((e) => [e.name, e.value]));
            const gatewayUrl = String(stack.outputs.gatewayUrl);
            assert.equal(env.get("FRONT_DOOR_ISSUER"), `${gatewayUrl}/oauth`);
            assert.equal(env.get("FRONT_DOOR_RESOURCE"), `${gatewayUrl}/mcp`);
            assert.equal(
                env.get("FRONT_DOOR_CLIENT_ID"),
                (stack.outputs.clientSignIn as { frontDoor: Obj }).frontDoor.clientId,
            );
            assert.equal(env.get("FRONT_DOOR_SCOPE"), `${String(stack.outputs.mcpAppIdUri)}/MCP.Access`);
            assert.match(
                String(env.get("FRONT_DOOR_AUTHORITY")),
                /^https:\/\/login\.microsoftonline\.com\/[0-9a-f-]{36}$/,
            );
            assert.equal(env.get("FRONT_DOOR_CLIENT_ASSERTION"), "federated-token-file");
            // The host refuses the front door without token validation (only the gateway may call it).
            assert.ok(env.get("AUTH_ISSUER"));
            // Each name once: a service setting never shadows the host's own.
            assert.equal(env.size, list.length);
        });

        it("creates the oauth-front-door container and grants the workload identity Blob Data Contributor on it alone", () => {
            const containers = view().ofType("azure-native:storage:BlobContainer");
            assert.deepEqual(containers.map((c) => c.inputs.containerName).sort(), [
                "oauth-front-door",
                "snippets",
            ]);
            const frontDoor = containers.find((c) => c.inputs.containerName === "oauth-front-door");
            assert.ok(frontDoor);
            assert.equal(frontDoor.inputs.publicAccess, "None");
            const uami = view().one(
                "azure-native:managedidentity:UserAssignedIdentity",
                "-workload-identity",
            );
            const principal = stableGuid("mock", uami.type, uami.name, "principal");
            const onFrontDoor = view()
                .ofType("azure-native:authorization:RoleAssignment")
                .filter((r) => r.inputs.scope === mockId(frontDoor, "containerName"));
            assert.deepEqual(
                onFrontDoor.map((g) => [g.inputs.principalId, roleOf(g), g.inputs.principalType]),
                [[principal, "ba92f5b4-2d11-453d-a403-e96b0029c9fe", "ServicePrincipal"]],
            );
        });

        it("has the front door's app trust the workload's service account on the cluster's OIDC issuer", () => {
            const fics = ofType(
                stack,
                "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
            ).filter((r) => r.name.includes("front-door"));
            assert.equal(fics.length, 1);
            const [fic] = fics;
            assert.ok(fic);
            // The same token the workload identity's own credential matches: one issuer, one subject.
            const own = view().one(
                "azure-native:managedidentity:FederatedIdentityCredential",
                "-workload-federation",
            );
            assert.equal(fic.inputs.issuer, (stack.outputs.backend as Obj).oidcIssuerUrl);
            assert.equal(fic.inputs.issuer, own.inputs.issuer);
            assert.equal(fic.inputs.subject, "system:serviceaccount:mcp-tools:mcp-tools");
            assert.equal(fic.inputs.subject, own.inputs.subject);
            assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
            assert.equal(fic.inputs.displayName, "tool-backend-aks-workload");
        });

        it("keeps the gateway's front door routes, and the pods admit only the gateway's subnet", () => {
            const apis = ofType(stack, "azure-native:apimanagement:Api")
                .map((r) => [r.inputs.apiId, r.inputs.path])
                .filter(([id]) => String(id).startsWith("front-door"));
            assert.deepEqual(apis, [
                ["front-door", "oauth"],
                ["front-door-metadata", ".well-known/oauth-authorization-server"],
            ]);
            const policy = workloadObjects().find(
                (o) =>
                    o.kind === "NetworkPolicy" && String((o.metadata as Obj).name).endsWith("-gateway-only"),
            );
            assert.ok(policy);
            const spec = policy.spec as {
                ingress: { from: { ipBlock: { cidr: string } }[]; ports: { port: number }[] }[];
            };
            assert.equal(spec.ingress.length, 1);
            const [rule] = spec.ingress;
            assert.ok(rule);
            // prod's VNet is 10.60.0.0/16 (Pulumi.prod.yaml): the gateway's subnet, and nothing else.
            assert.deepEqual(
                rule.from.map((f) => f.ipBlock.cidr),
                [planNetwork("10.60.0.0/16").gateway],
            );
            assert.deepEqual(
                rule.ports.map((p) => p.port),
                [8080],
            );
        });

        it("passes the policy pack with no violation", async () => {
            const outcome = await runOffline(
                { stack: "prod", configOverrides: {}, json: true },
                () => Promise.resolve({ resources: stack.resources, outputs: {} }),
                () => undefined,
                () => undefined,
            );
            const violations = (outcome.result?.violations ?? []).filter(
                (v) => v.enforcementLevel === "mandatory",
            );
            assert.deepEqual(violations, []);
        });
    });
});
