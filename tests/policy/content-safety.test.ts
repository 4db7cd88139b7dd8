/**
 * The content safety policies: table cases, and the private-path rule over the synthesized dev
 * (Functions) and prod (AKS) stacks: prod passes as built and fails once weakened the way a
 * careless change would (public access back on, the private endpoint gone); dev is not judged.
 */
import * as assert from "node:assert/strict";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";
import type { SynthResult } from "../../scripts/lib/synthesize";
import { sharedDevAndProd } from "../support/shared-synthesis";
import { contentSafetyCases } from "./cases/content-safety";
import { describeCases, runPolicy, violationMessages } from "./harness";

const rule = "ai-services-private-with-vnet-gateway";
const accountType = "azure-native:cognitiveservices:Account";

/** The stack with the Content Safety account's properties edited (the shared synthesis stays untouched). */
function withAccountProperties(
    resources: readonly RecordedResource[],
    edit: (properties: Record<string, unknown>) => void,
): RecordedResource[] {
    return resources.map((r) => {
        if (r.type !== accountType) return r;
        const inputs = structuredClone(r.inputs);
        edit(inputs.properties as Record<string, unknown>);
        return { ...r, inputs };
    });
}

/** The Content Safety account's private endpoint and its DNS zone group, by name. */
function isAccountEndpoint(r: RecordedResource): boolean {
    return (
        (r.type === "azure-native:network:PrivateEndpoint" ||
            r.type === "azure-native:network:PrivateDnsZoneGroup") &&
        /-content-safety-pe(-dns)?$/.test(r.name)
    );
}

function violations(resources: RecordedResource[]): Promise<string[]> {
    return violationMessages(rule, resources);
}

describe("policy pack: content safety", () => describeCases(contentSafetyCases));

describe("policy pack: content safety over the synthesized stacks", function () {
    this.timeout(180_000);
    let dev: SynthResult;
    let prod: SynthResult;

    before(async () => {
        [dev, prod] = await sharedDevAndProd();
    });

    it(`${rule} passes prod as built and does not judge dev`, async () => {
        assert.deepEqual(await violations(prod.resources), []);
        const devResult = await runPolicy(rule, dev.resources);
        assert.deepEqual(devResult.violations, []);
        assert.ok(
            devResult.notApplicable.some((n) =>
                /no production Azure AI services account/.test(n.reason ?? ""),
            ),
        );
    });

    it(`${rule} does not judge a production stack whose gateway is in no VNet (Functions): its account can only be public`, async () => {
        const result = await runPolicy(rule, dev.resources, {
            [rule]: { productionEnvironments: ["dev"] },
        });
        assert.deepEqual(result.violations, []);
        assert.ok(result.notApplicable.some((n) => n.reason === "no gateway is connected to a VNet"));
    });

    it(`${rule} catches prod's account with public access turned back on`, async () => {
        const stack = withAccountProperties(prod.resources, (p) => (p.publicNetworkAccess = "Enabled"));
        const found = await violations(stack);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(
            found[0] ?? "",
            /^Set properties.publicNetworkAccess: "Disabled" on the prod ContentSafety account ".*-content-safety-account" \(found Enabled\): gateway ".*-gateway-apim" is in a VNet/,
        );
    });

    it(`${rule} catches prod's account with its firewall opened`, async () => {
        const stack = withAccountProperties(prod.resources, (p) => {
            p.networkAcls = { defaultAction: "Allow" };
        });
        const found = await violations(stack);
        assert.deepEqual(found.length, 1, found.join("\n"));
        assert.match(found[0] ?? "", /^Set properties.networkAcls.defaultAction: "Deny" .* \(found Allow\)/);
    });

    it(`${rule} catches prod with the account's private endpoint removed`, async () => {
        const stack = prod.resources.filter((r) => !isAccountEndpoint(r));
        assert.equal(stack.length, prod.resources.length - 2, "the endpoint and its zone group");
        const found = await violations(stack);
        assert.equal(found.length, 1, found.join("\n"));
        assert.match(found[0] ?? "", /^No private endpoint reaches the prod ContentSafety account/);
    });
});
