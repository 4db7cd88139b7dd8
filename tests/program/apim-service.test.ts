/**
 * What the gateway sends to API Management for every SKU the configuration accepts, synthesized
 * under the mock runtime: no Consumption-only client-certificate flag (the classic tiers reject the
 * SDK's `false`), and the Azure Monitor logger created before the diagnostic that refers to it.
 */
import * as assert from "node:assert/strict";
import { apimSkus } from "../../components/config/types";
import { mockSubscriptionId } from "../../scripts/lib/mocks";
import { synthesize, type RecordedResource, type SynthResult } from "../../scripts/lib/synthesize";

describe("API Management inputs per SKU (synthesized)", function () {
    this.timeout(60_000);
    let result: SynthResult;
    const ofType = (type: string, parent?: string): RecordedResource[] =>
        result.resources.filter((r) => r.type === type && (parent === undefined || r.parent === parent));

    before(async () => {
        result = await synthesize({ stack: "dev", program: "tests/program/programs/gateway-per-sku.ts" });
    });

    it("the SDK alone sends enableClientCertificate: false, which the classic tiers reject", () => {
        const control = result.resources.find((r) => r.name === "sdk-default");
        assert.equal(control?.inputs.enableClientCertificate, false);
    });

    for (const sku of apimSkus) {
        describe(sku, () => {
            const gateway = (): RecordedResource => {
                const g = result.resources.find((r) => r.name === `gw-${sku.toLowerCase()}`);
                assert.ok(g && g.type === "agents:gateway:Gateway", `no gateway for ${sku}`);
                return g;
            };

            it("leaves enableClientCertificate out of the service", () => {
                const [service] = ofType("azure-native:apimanagement:ApiManagementService", gateway().urn);
                assert.ok(service);
                assert.deepEqual(service.inputs.sku, { name: sku, capacity: 1 });
                assert.ok(
                    !("enableClientCertificate" in service.inputs),
                    `sent enableClientCertificate: ${String(service.inputs.enableClientCertificate)}`,
                );
            });

            it("creates the azuremonitor logger, then the diagnostic that uses it", () => {
                const loggers = ofType("azure-native:apimanagement:Logger", gateway().urn);
                const monitors = loggers.filter((l) => l.inputs.loggerId === "azuremonitor");
                const [monitor] = monitors;
                assert.ok(
                    monitor && monitors.length === 1,
                    `one azuremonitor logger, got ${monitors.length}`,
                );
                assert.equal(monitor.inputs.loggerType, "azureMonitor");
                assert.equal(monitor.inputs.serviceName, `acp-test-${sku.toLowerCase()}`);
                const [diagnostic] = ofType("azure-native:apimanagement:Diagnostic", gateway().urn).filter(
                    (d) => d.inputs.diagnosticId === "azuremonitor",
                );
                assert.ok(diagnostic);
                // The mock runtime's id for that logger: the diagnostic names the resource, not a guess.
                assert.equal(
                    diagnostic.inputs.loggerId,
                    `/subscriptions/${mockSubscriptionId}/resourceGroups/acp-test-rg/providers/Microsoft.apimanagement/Logger/azuremonitor`,
                );
                // Registered only once the logger existed: it depends on it.
                assert.ok(result.resources.indexOf(monitor) < result.resources.indexOf(diagnostic));
            });
        });
    }
});
