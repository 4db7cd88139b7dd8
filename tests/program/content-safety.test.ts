/**
 * The Content Safety account the dev stack (contentSafety: audit) deploys for gateway screening, as
 * the program declares it: Entra-only, the gateway's identity granted Cognitive Services User on it
 * alone, diagnostics to the workspace, and the MCP API policy that calls it waiting for that grant.
 */
import * as assert from "node:assert/strict";
import { builtInRoles } from "../../components/azure/ids";
import { contentSafetyEndpointNamedValue } from "../../components/gateway/policies";
import { synthesize, type SynthResult } from "../../scripts/lib/synthesize";
import { shippedStack } from "../support/shipped-stacks";
import { roleOf, stackView } from "../support/synth";

describe("content safety in the synthesized dev stack", function () {
    this.timeout(120_000);
    let dev: SynthResult;
    before(async () => {
        dev = await synthesize(shippedStack("dev"));
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
