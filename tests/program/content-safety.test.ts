/**
 * The Content Safety account the shipped stacks deploy for gateway screening, as the program
 * declares it: Entra-only, the gateway's identity granted Cognitive Services User on it alone,
 * diagnostics to the workspace, and the MCP API policy that calls it waiting for that grant. In
 * dev (Functions, a gateway outside any VNet) the account is public; in prod (AKS, the gateway in
 * the backend's VNet) it answers only through a private endpoint in that VNet.
 */
import * as assert from "node:assert/strict";
import { builtInRoles } from "../../components/azure/ids";
import { contentSafetyEndpointNamedValue } from "../../components/gateway/policies";
import { planNetwork } from "../../components/network/plan";
import type { RecordedResource, SynthResult } from "../../scripts/lib/synthesize";
import { sharedDevAndProd, sharedStacks, sharedSynthesis } from "../support/shared-synthesis";
import { roleOf, stackView } from "../support/synth";
import { flowAllowed, hostIn } from "./nsg-flows";

type Obj = Record<string, unknown>;

const types = {
    account: "azure-native:cognitiveservices:Account",
    privateEndpoint: "azure-native:network:PrivateEndpoint",
    dnsZoneGroup: "azure-native:network:PrivateDnsZoneGroup",
    zone: "azure-native:privatedns:PrivateZone",
    zoneLink: "azure-native:privatedns:VirtualNetworkLink",
    vnet: "azure-native:network:VirtualNetwork",
    nsg: "azure-native:network:NetworkSecurityGroup",
    apim: "azure-native:apimanagement:ApiManagementService",
    namedValue: "azure-native:apimanagement:NamedValue",
    apiPolicy: "azure-native:apimanagement:ApiPolicy",
} as const;

const cognitiveServicesZone = "privatelink.cognitiveservices.azure.com";

/** The private endpoints whose connection targets the account (its id ends with its name). */
function endpointsTo(result: SynthResult, account: RecordedResource): RecordedResource[] {
    const name = String(account.inputs.accountName);
    return stackView(result)
        .ofType(types.privateEndpoint)
        .filter((pe) =>
            (pe.inputs.privateLinkServiceConnections as Obj[]).some((c) =>
                String(c.privateLinkServiceId).endsWith(`/Account/${name}`),
            ),
        );
}

/** The MCP API's policy document and its recorded dependencies. */
function mcpPolicy(result: SynthResult): RecordedResource {
    const policy = stackView(result)
        .ofType(types.apiPolicy)
        .find((p) => p.inputs.apiId === "mcp");
    assert.ok(policy, "the MCP API has a policy");
    return policy;
}

describe("content safety in the synthesized dev stack", function () {
    this.timeout(120_000);
    let dev: SynthResult;
    before(async () => {
        dev = await sharedSynthesis(sharedStacks.dev);
    });

    it("creates a Content Safety account that accepts only Entra tokens, with diagnostics", () => {
        const view = stackView(dev);
        const account = view.one("azure-native:cognitiveservices:Account");
        assert.equal(account.inputs.kind, "ContentSafety");
        const properties = account.inputs.properties as Record<string, unknown>;
        assert.equal(properties.disableLocalAuth, true);
        assert.equal(properties.customSubDomainName, account.inputs.accountName);
        const diagnostics = view
            .ofType("azure-native:monitor:DiagnosticSetting")
            .filter((d) => String(d.inputs.resourceUri).endsWith(`/${String(account.inputs.accountName)}`));
        assert.equal(diagnostics.length, 1);
        assert.match(String(diagnostics[0]?.inputs.workspaceId), /operationalinsights/i);
    });

    it("grants the gateway's identity Cognitive Services User on that account only", () => {
        const view = stackView(dev);
        const apim = view.one("azure-native:apimanagement:ApiManagementService");
        const account = view.one("azure-native:cognitiveservices:Account");
        const grants = view
            .ofType("azure-native:authorization:RoleAssignment")
            .filter((g) => roleOf(g) === builtInRoles.cognitiveServicesUser);
        assert.equal(grants.length, 1);
        const [grant] = grants;
        assert.match(String(grant?.inputs.scope), new RegExp(`/${String(account.inputs.accountName)}$`));
        assert.equal(grant?.inputs.principalType, "ServicePrincipal");
        assert.ok(String(grant?.inputs.principalId).length > 0);
        assert.ok(apim.inputs.identity);
    });

    it("screens with audit, calls the account's endpoint and waits for the grant", () => {
        const view = stackView(dev);
        const account = view.one("azure-native:cognitiveservices:Account");
        const named = view
            .ofType("azure-native:apimanagement:NamedValue")
            .find((n) => n.inputs.namedValueId === contentSafetyEndpointNamedValue);
        assert.equal(
            named?.inputs.value,
            `https://${String(account.inputs.accountName)}.cognitiveservices.azure.com/`,
        );
        assert.equal(named?.inputs.secret, false);
        const policy = view
            .ofType("azure-native:apimanagement:ApiPolicy")
            .find((p) => p.inputs.apiId === "mcp");
        const xml = String(policy?.inputs.value);
        for (const api of ["text:shieldPrompt", "text:analyze"])
            assert.equal(
                xml.split(`{{${contentSafetyEndpointNamedValue}}}contentsafety/${api}`).length - 1,
                2,
                api,
            );
        assert.match(xml, /<dimension name="mode" value="audit" \/>/);
        const grant = view
            .ofType("azure-native:authorization:RoleAssignment")
            .find((g) => roleOf(g) === builtInRoles.cognitiveServicesUser);
        assert.ok(
            grant && (policy?.dependencies ?? []).includes(grant.urn),
            "the policy waits for the grant",
        );
    });
});

describe("content safety's network path in the synthesized stacks", function () {
    // Two syntheses in the first hook: seconds on an idle machine, a minute or more on a busy one.
    this.timeout(180_000);
    let dev: SynthResult;
    let prod: SynthResult;
    before(async () => {
        [dev, prod] = await sharedDevAndProd();
    });

    it("prod (AKS): the account has no public network access and denies by default", () => {
        const account = stackView(prod).one(types.account);
        const properties = account.inputs.properties as Obj;
        assert.equal(properties.publicNetworkAccess, "Disabled");
        assert.deepEqual(properties.networkAcls, {
            defaultAction: "Deny",
            ipRules: [],
            virtualNetworkRules: [],
        });
        assert.equal(properties.disableLocalAuth, true);
        assert.equal(properties.customSubDomainName, account.inputs.accountName);
    });

    it("prod: one private endpoint (group account) in the VNet's endpoint subnet, registered in the cognitiveservices zone linked to that VNet", () => {
        const { ofType, one } = stackView(prod);
        const account = one(types.account);
        const vnet = one(types.vnet);
        const endpoints = endpointsTo(prod, account);
        assert.equal(endpoints.length, 1);
        const endpoint = endpoints[0]!;
        const [connection] = endpoint.inputs.privateLinkServiceConnections as Obj[];
        assert.deepEqual(connection?.groupIds, ["account"]);
        const subnetId = String((endpoint.inputs.subnet as Obj).id);
        assert.match(
            subnetId,
            new RegExp(
                `/virtualNetworks?/${String(vnet.inputs.virtualNetworkName)}/subnets/private-endpoints$`,
                "i",
            ),
        );

        const zones = ofType(types.zone).filter((z) => z.inputs.privateZoneName === cognitiveServicesZone);
        assert.equal(zones.length, 1, "one zone for the account's private name");
        const zone = zones[0]!;
        const group = ofType(types.dnsZoneGroup).find(
            (g) => g.inputs.privateEndpointName === endpoint.inputs.privateEndpointName,
        );
        assert.ok(group, "the endpoint registers its address in a zone");
        const [config] = group.inputs.privateDnsZoneConfigs as Obj[];
        assert.ok(
            String(config?.privateDnsZoneId).endsWith(`/PrivateZone/${String(zone.inputs.privateZoneName)}`),
            "the zone group names the cognitiveservices zone",
        );
        const links = ofType(types.zoneLink).filter(
            (l) => l.inputs.privateZoneName === cognitiveServicesZone,
        );
        assert.equal(links.length, 1);
        assert.equal(
            String((links[0]!.inputs.virtualNetwork as Obj).id),
            subnetId.replace(/\/subnets\/private-endpoints$/, ""),
            "the zone resolves for the VNet the gateway is connected to",
        );
        const apim = one(types.apim);
        assert.equal(
            String((apim.inputs.virtualNetworkConfiguration as Obj).subnetResourceId),
            subnetId.replace(/private-endpoints$/, "apim"),
        );
    });

    it("prod: the gateway still calls the custom-subdomain URL, and its policy waits for the endpoint's DNS record", () => {
        const { ofType, one } = stackView(prod);
        const account = one(types.account);
        const named = ofType(types.namedValue).find(
            (n) => n.inputs.namedValueId === contentSafetyEndpointNamedValue,
        );
        assert.equal(
            named?.inputs.value,
            `https://${String(account.inputs.accountName)}.cognitiveservices.azure.com/`,
        );
        const endpoint = endpointsTo(prod, account)[0]!;
        const group = ofType(types.dnsZoneGroup).find(
            (g) => g.inputs.privateEndpointName === endpoint.inputs.privateEndpointName,
        )!;
        const policy = mcpPolicy(prod);
        assert.ok(
            (policy.dependencies ?? []).includes(group.urn),
            "the screening policy goes live only once the private name resolves",
        );
        const grant = ofType("azure-native:authorization:RoleAssignment").find(
            (g) => roleOf(g) === builtInRoles.cognitiveServicesUser,
        );
        assert.ok(grant && (policy.dependencies ?? []).includes(grant.urn));
    });

    it("prod: the security groups as synthesized let the gateway's subnet reach the endpoint's subnet on 443", () => {
        const { ofType, one } = stackView(prod);
        const space = ((one(types.vnet).inputs.addressSpace as Obj).addressPrefixes as string[])[0]!;
        const plan = planNetwork(space);
        const rulesOf = (nsgSuffix: string) => {
            const nsg = ofType(types.nsg).find((n) =>
                String(n.inputs.networkSecurityGroupName).endsWith(`-${nsgSuffix}-nsg`),
            );
            assert.ok(nsg, nsgSuffix);
            return nsg.inputs.securityRules as Parameters<typeof flowAllowed>[0];
        };
        const flow = { source: hostIn(plan.gateway), destination: hostIn(plan.privateEndpoints), port: 443 };
        assert.ok(flowAllowed(rulesOf("apim"), rulesOf("private-endpoints"), flow, space));
    });

    it("dev (Functions): a public account (Entra only), no endpoint, no zone, no firewall rules", () => {
        const { ofType, one } = stackView(dev);
        const account = one(types.account);
        const properties = account.inputs.properties as Obj;
        assert.equal(properties.publicNetworkAccess, "Enabled");
        assert.equal(properties.networkAcls, undefined);
        assert.equal(properties.disableLocalAuth, true);
        assert.deepEqual(endpointsTo(dev, account), []);
        assert.equal(ofType(types.privateEndpoint).length, 0);
        assert.equal(
            ofType(types.zone).filter((z) => z.inputs.privateZoneName === cognitiveServicesZone).length,
            0,
        );
        assert.equal(one(types.apim).inputs.virtualNetworkConfiguration, undefined);
    });
});
