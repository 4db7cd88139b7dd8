/**
 * Runs every gateway case and scenario through the local gateway, which executes the dev stack's
 * rendered policy documents in front of the real tool host (`local-gateway/`).
 */
import * as assert from "node:assert/strict";
import { existsSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import * as path from "node:path";
import { gatewayCases, gatewayScenarios } from "./cases";
import { driveCase, type GatewayUnderTest } from "./drive";

/** The part of the local gateway's harness these tests use. */
interface LocalControlPlane {
    readonly source: { readonly mcpAppClientId: string };
    readonly gateway: { readonly metrics: readonly { readonly dimensions: Record<string, string> }[] };
    readonly urls: { readonly gateway: string };
    readonly tokens: { mint(claims: Record<string, unknown>): Promise<string> };
    backendRequests(): readonly { readonly headers: IncomingHttpHeaders }[];
    stop(): Promise<void>;
}
interface Harness {
    startLocalControlPlane(options: { stack: string; recordBackend: boolean }): Promise<LocalControlPlane>;
}

const harnessPath = path.resolve(__dirname, "..", "..", "local-gateway", "src", "harness.ts");

describe("gateway cases through the local gateway (dev stack policies)", function () {
    this.timeout(120_000);
    let plane: LocalControlPlane | undefined;
    let gateway: GatewayUnderTest;

    before(async function () {
        if (!existsSync(harnessPath)) return this.skip();
        // A path only known at run time: loaded through the test runner's TypeScript hook.
        const harness = require(harnessPath) as Harness;
        plane = await harness.startLocalControlPlane({ stack: "dev", recordBackend: true });
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
