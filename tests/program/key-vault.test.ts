/**
 * The control plane's Key Vault as the program registers it, for the Functions (dev) and AKS
 * (prod) stacks: vault settings Azure enforces or cannot undo, who may write and read which
 * secret, the order a first deployment needs (grants in effect before the write and before
 * APIM fetches the secret), the private endpoint on the AKS network, and the stack output.
 */
import * as assert from "node:assert/strict";
import { builtInRoles, stableGuid } from "../../components/azure/ids";
import { functionsKeyNamedValue } from "../../components/gateway/mcp-apis";
import { alertWebhookSecretName } from "../../components/security/control-plane-vault";
import { privateLinkZones } from "../../components/network/network";
import { keyVaultName, keyVaultNameProblems, keyVaultSecretName } from "../../components/security/names";
import { mockDeployerObjectId, mockSubscriptionId } from "../../scripts/lib/mocks";
import type { RecordedResource, SynthResult } from "../../scripts/lib/synthesize";
import { alertWebhookUrls, vaultStacks } from "../support/vault-stacks";
import { synthesizedOnce } from "../support/synthesized-once";
import { plain, roleOf, stackView } from "../support/synth";
import { dependencyGraph } from "./graph";

type Obj = Record<string, unknown>;
const webhooks: readonly string[] = alertWebhookUrls;

describe("Key Vault names", () => {
    it("fits every allowed prefix and environment into Azure's 3-24 character rule", () => {
        for (const prefix of ["ab", "acp", "abcdefghij"]) {
            for (const env of ["d", "dev", "prod", "a-b", "a--b", "abcdefghijklmnop", "x-y-z-w-v-u-t-s-"]) {
                const name = keyVaultName(`${prefix}-${env}`, "0a1b2c");
                assert.deepEqual(keyVaultNameProblems(name), [], name);
                assert.ok(name.endsWith("-kv-0a1b2c"), name);
            }
        }
        assert.equal(keyVaultName("acp-dev", "0a1b2c"), "acp-dev-kv-0a1b2c");
    });

    it("states Azure's rule for names it would refuse", () => {
        for (const bad of ["ab", "1vault", "vault-", "va--ult", "a".repeat(25), "vault_name"]) {
            assert.equal(keyVaultNameProblems(bad).length, 1, bad);
        }
        assert.throws(() => keyVaultSecretName("mcp_extension_key"), /1-127 letters, digits or hyphens/);
    });
});

describe("Key Vault in the synthesized stacks", function () {
    this.timeout(60_000);
    let dev: SynthResult;
    let prod: SynthResult;
    before(async () => {
        [dev, prod] = await Promise.all([
            synthesizedOnce(vaultStacks.dev),
            synthesizedOnce(vaultStacks.prod),
        ]);
    });

    it("creates an RBAC vault with soft delete, purge protection and no public network access", () => {
        for (const stack of [dev, prod]) {
            const vault = stackView(stack).one("azure-native:keyvault:Vault");
            const p = vault.inputs.properties as Obj;
            assert.equal(p.enableRbacAuthorization, true);
            assert.deepEqual(p.accessPolicies, []);
            assert.equal(p.enableSoftDelete, true);
            assert.equal(p.softDeleteRetentionInDays, 90);
            assert.equal(p.enablePurgeProtection, true);
            assert.equal(p.publicNetworkAccess, "Disabled");
            // APIM's named values come through trusted-service access, which the bypass admits.
            assert.deepEqual(p.networkAcls, {
                bypass: "AzureServices",
                defaultAction: "Deny",
                ipRules: [],
                virtualNetworkRules: [],
            });
            assert.deepEqual(keyVaultNameProblems(String(vault.inputs.vaultName)), []);
            const diagnostics = stackView(stack)
                .ofType("azure-native:monitor:DiagnosticSetting")
                .filter((d) =>
                    String(d.inputs.resourceUri).endsWith(`/Vault/${String(vault.inputs.vaultName)}`),
                );
            assert.equal(diagnostics.length, 1);
            assert.deepEqual(diagnostics[0]?.inputs.logs, [{ categoryGroup: "allLogs", enabled: true }]);
        }
    });

    it("lets the deployer write secrets only after its grant is in effect, with its own principal type", () => {
        for (const [stack, type] of [
            [dev, "User"],
            [prod, "ServicePrincipal"],
        ] as const) {
            const view = stackView(stack);
            const vault = view.one("azure-native:keyvault:Vault");
            const writer = view
                .ofType("azure-native:authorization:RoleAssignment")
                .filter((r) => roleOf(r) === builtInRoles.keyVaultSecretsOfficer);
            assert.equal(writer.length, 1);
            const [grant] = writer as [RecordedResource];
            assert.equal(grant.inputs.principalId, mockDeployerObjectId);
            assert.equal(grant.inputs.principalType, type);
            assert.match(String(grant.inputs.scope), new RegExp(`/Vault/${String(vault.inputs.vaultName)}$`));
            const graph = dependencyGraph(stack.resources);
            for (const secret of view.ofType("azure-native:keyvault:Secret")) {
                const waits = graph
                    .dependenciesOf(secret)
                    .filter((r) => r.type.endsWith(":RolePropagation") && graph.waitsFor(r, grant));
                assert.equal(waits.length, 1, `${secret.name} waits for the writer's grant`);
                assert.ok(Number(waits[0]?.inputs.seconds) >= 300);
            }
        }
    });

    it("stores the alert webhook URLs as vault secrets and keeps them secret in the action group", () => {
        const view = stackView(dev);
        const secrets = view.ofType("azure-native:keyvault:Secret");
        for (const [i, url] of webhooks.entries()) {
            const secret = secrets.find((s) => s.inputs.secretName === alertWebhookSecretName(i + 1));
            assert.ok(secret, `webhook ${i + 1} in the vault`);
            const props = plain(secret.inputs.properties, true) as Obj;
            assert.equal(props.value, url);
            assert.equal(props.contentType, "alert-webhook-url");
        }
        const group = view.one("azure-native:monitor:ActionGroup");
        const receivers = plain(group.inputs.webhookReceivers, true) as Obj[];
        assert.deepEqual(
            receivers.map((r) => r.serviceUri),
            webhooks,
        );
        // Nothing reads them from the vault: no role assignment is scoped to them.
        const scopes = view
            .ofType("azure-native:authorization:RoleAssignment")
            .map((r) => String(r.inputs.scope));
        assert.ok(!scopes.some((s) => /alert-webhook/.test(s)), scopes.join("\n"));
    });

    it("has APIM read the Functions key from the vault only after its read grant on that secret is in effect", () => {
        const view = stackView(dev);
        const graph = dependencyGraph(dev.resources);
        const apim = view.one("azure-native:apimanagement:ApiManagementService");
        const secret = dev.resources.find(
            (r) =>
                r.type === "azure-native:keyvault:Secret" && r.inputs.secretName === functionsKeyNamedValue,
        )!;
        const named = dev.resources.find(
            (r) =>
                r.type === "azure-native:apimanagement:NamedValue" &&
                r.inputs.namedValueId === functionsKeyNamedValue,
        )!;
        assert.ok(secret && named);
        const readers = view
            .ofType("azure-native:authorization:RoleAssignment")
            .filter((r) => roleOf(r) === builtInRoles.keyVaultSecretsUser);
        assert.equal(readers.length, 1, "one read grant: the gateway on the key");
        const [reader] = readers as [RecordedResource];
        // The secret's own id: the gateway can read this secret and no other.
        assert.match(String(reader.inputs.scope), new RegExp(`/Secret/${functionsKeyNamedValue}$`));
        assert.equal(reader.inputs.principalType, "ServicePrincipal");
        // The service's system identity (the mocks derive its principal id from the resource).
        assert.equal(reader.inputs.principalId, stableGuid("mock", apim.type, apim.name, "principal"));
        assert.ok(graph.waitsFor(reader, secret));
        const wait = graph
            .dependenciesOf(named)
            .find((r) => r.type.endsWith(":RolePropagation") && graph.waitsFor(r, reader));
        assert.ok(wait, "the named value waits for the read grant to take effect");
        assert.ok(Number(wait.inputs.seconds) >= 300);
        // The backend presenting {{mcp-extension-key}} comes after the named value.
        assert.ok(graph.waitsFor(view.one("azure-native:apimanagement:Backend"), named));
        assert.equal(
            (named.inputs.keyVault as Obj).secretIdentifier,
            `https://${String(view.one("azure-native:keyvault:Vault").inputs.vaultName)}.vault.azure.net/secrets/${functionsKeyNamedValue}`,
        );
    });

    it("gives the AKS stack's vault one private endpoint, registered in the network's one Key Vault zone linked once to the VNet", () => {
        const view = stackView(prod);
        const vault = view.one("azure-native:keyvault:Vault");
        const vaultName = String(vault.inputs.vaultName);
        const vnet = view.one("azure-native:network:VirtualNetwork");
        const endpoints = view
            .ofType("azure-native:network:PrivateEndpoint")
            .filter((e) =>
                (e.inputs.privateLinkServiceConnections as Obj[]).some((c) =>
                    String(c.privateLinkServiceId).endsWith(`/Vault/${vaultName}`),
                ),
            );
        assert.equal(endpoints.length, 1);
        const [endpoint] = endpoints as [RecordedResource];
        assert.deepEqual((endpoint.inputs.privateLinkServiceConnections as Obj[])[0]?.groupIds, ["vault"]);
        assert.match(String((endpoint.inputs.subnet as Obj).id), /\/subnets\/private-endpoints$/);

        // Azure refuses a second zone of one name linked to the same VNet: the network holds it, once.
        const zones = view
            .ofType("azure-native:privatedns:PrivateZone")
            .filter((z) => z.inputs.privateZoneName === privateLinkZones.keyVault);
        assert.equal(zones.length, 1);
        const [zone] = zones as [RecordedResource];
        assert.equal(zone.parent, view.one("agents:network:Network").urn);
        const links = view
            .ofType("azure-native:privatedns:VirtualNetworkLink")
            .filter((l) => l.inputs.privateZoneName === privateLinkZones.keyVault);
        assert.equal(links.length, 1);
        assert.equal(
            (links[0]?.inputs.virtualNetwork as Obj).id,
            `/subscriptions/${mockSubscriptionId}/resourceGroups/${String(vnet.inputs.resourceGroupName)}/providers/Microsoft.network/VirtualNetwork/${String(vnet.inputs.virtualNetworkName)}`,
        );
        const groups = view
            .ofType("azure-native:network:PrivateDnsZoneGroup")
            .filter((g) => g.inputs.privateEndpointName === endpoint.inputs.privateEndpointName);
        assert.equal(groups.length, 1);
        assert.deepEqual(groups[0]?.propertyDependencies?.privateDnsZoneConfigs, [zone.urn]);

        // AKS has no Functions key, so nothing reads the vault through APIM and no secret is stored.
        assert.equal(view.ofType("azure-native:keyvault:Secret").length, 0);
        assert.ok(
            view.ofType("azure-native:apimanagement:NamedValue").every((n) => n.inputs.secret === false),
        );
        // The Functions stack reaches nothing privately: no endpoint, no zone.
        assert.equal(stackView(dev).ofType("azure-native:network:PrivateEndpoint").length, 0);
        assert.equal(stackView(dev).ofType("azure-native:privatedns:PrivateZone").length, 0);
    });

    it("keeps a deployed prod stack's vault endpoint, zone and link: their earlier URNs through aliases, their Azure names as created", () => {
        const view = stackView(prod);
        const vaultName = String(view.one("azure-native:keyvault:Vault").inputs.vaultName);
        const before = (type: string, name: string) =>
            `urn:pulumi:prod::agents-control-plane::agents:security:KeyVault$${type}::acp-prod-secrets${name}`;
        // What such a stack holds in its state (URNs as the mock runtime forms them) and in Azure.
        const deployed: { urn: string; inputs: Obj }[] = [
            {
                urn: before("azure-native:privatedns:PrivateZone", "-zone"),
                inputs: { privateZoneName: "privatelink.vaultcore.azure.net" },
            },
            {
                urn: before("azure-native:privatedns:VirtualNetworkLink", "-zone-link"),
                inputs: {
                    privateZoneName: "privatelink.vaultcore.azure.net",
                    virtualNetworkLinkName: `${vaultName}-link`,
                },
            },
            {
                urn: before("azure-native:network:PrivateEndpoint", "-pe"),
                inputs: { privateEndpointName: `${vaultName}-pe` },
            },
            {
                urn: before("azure-native:network:PrivateDnsZoneGroup", "-pe-dns"),
                inputs: { privateEndpointName: `${vaultName}-pe`, privateDnsZoneGroupName: "default" },
            },
        ];
        for (const { urn, inputs } of deployed) {
            const claims = prod.resources.filter((r) => r.urn === urn || r.aliases?.includes(urn));
            assert.equal(claims.length, 1, `one resource takes over ${urn}`);
            const [now] = claims as [RecordedResource];
            for (const [key, value] of Object.entries(inputs))
                assert.equal(now.inputs[key], value, `${urn}: ${key}`);
        }
        const endpoint = prod.resources.find(
            (r) => r.urn === before("azure-native:network:PrivateEndpoint", "-pe"),
        );
        assert.equal(
            (endpoint?.inputs.privateLinkServiceConnections as Obj[])[0]?.name,
            `${vaultName}-vault`,
        );
    });

    it("exports the vault's name and URI", () => {
        for (const stack of [dev, prod]) {
            const vault = stackView(stack).one("azure-native:keyvault:Vault");
            const name = String(vault.inputs.vaultName);
            assert.deepEqual(stack.outputs.keyVault, { name, uri: `https://${name}.vault.azure.net/` });
        }
    });
});
