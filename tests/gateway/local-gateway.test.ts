/**
 * Runs every gateway case and scenario through the local gateway, which executes the dev stack's
 * rendered policy documents in front of the real tool host (`local-gateway/`).
 */
import * as assert from "node:assert/strict";
import { startLocalControlPlane, type LocalControlPlane } from "../../local-gateway/src/harness";
import { gatewayCases, gatewayScenarios } from "./cases";
import { driveCase, type GatewayUnderTest } from "./drive";

describe("gateway cases through the local gateway (dev stack policies)", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane | undefined;
    let gateway: GatewayUnderTest;

    before(async () => {
        plane = await startLocalControlPlane({ stack: "dev", recordBackend: true });
        const started = plane;
        gateway = {
            url: started.urls.gateway,
            mintToken: (claims) => started.tokens.mint({ aud: started.source.mcpAppClientId, ...claims }),
            backendRequests: () => started.backendRequests(),
            metrics: () => started.gateway.metrics,
        };
    });
    after(async () => plane?.stop());

    it("answers every case as expected", async () => {
        const failures: string[] = [];
        for (const c of gatewayCases) {
            const problems = await driveCase(gateway, c);
            if (problems.length > 0) failures.push(`${c.name}: ${problems.join("; ")}`);
        }
        assert.deepEqual(failures, []);
    });

    for (const scenario of gatewayScenarios) {
        it(scenario.name, async () => {
            for (const step of scenario.steps) {
                for (let i = 1; i <= step.times; i++) {
                    const problems = await driveCase(gateway, step);
                    assert.deepEqual(problems, [], `${step.note}, request ${i} of ${step.times}`);
                }
            }
        });
    }
});
