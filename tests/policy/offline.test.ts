import * as assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { RecordedResource } from "../../policypacks/control-plane/evaluate";
import { OfflineArgs, Synthesize, runOffline } from "../../policypacks/control-plane/offline";
import { compliantStack, withChange } from "./fixtures";

/** A synthesizer that returns a fixed graph and remembers what it was asked. */
function fakeSynthesize(resources: RecordedResource[]) {
    const calls: Parameters<Synthesize>[0][] = [];
    const synthesize: Synthesize = (options) => {
        calls.push(options);
        return Promise.resolve({ resources, outputs: {} });
    };
    return { synthesize, calls };
}

async function run(given: Partial<OfflineArgs>, resources: RecordedResource[]) {
    const fake = fakeSynthesize(resources);
    let out = "";
    let err = "";
    const outcome = await runOffline(
        { stack: "dev", configOverrides: {}, json: false, ...given },
        fake.synthesize,
        (t) => (out += t),
        (t) => (err += t),
    );
    return { ...outcome, out, err, calls: fake.calls };
}

describe("policy pack: offline compliance run", () => {
    it("passes a compliant stack with exit code 0", async () => {
        const r = await run({}, compliantStack());
        assert.equal(r.exitCode, 0);
        assert.equal(r.out, "Stack dev: 54 resources checked, 0 violation(s), 0 mandatory. PASSED\n");
        assert.deepEqual(r.calls, [{ stack: "dev", configOverrides: {} }]);
    });

    it("prints a table row per violation and exits 1 on a mandatory one", async () => {
        const stack = withChange(compliantStack(), "backend-storage", (i) => (i.allowSharedKeyAccess = true));
        const r = await run({ configOverrides: { "agents-control-plane:backend": "functions" } }, stack);
        assert.equal(r.exitCode, 1);
        const [header = "", row = ""] = r.out.split("\n");
        assert.match(header, /^POLICY\s+ENFORCEMENT\s+RESOURCE\s+MESSAGE$/);
        assert.match(
            row,
            /^storage-no-shared-keys\s+mandatory\s+StorageAccount backend-storage\s+Set allowSharedKeyAccess: false/,
        );
        assert.match(r.out, /Stack dev: 54 resources checked, 1 violation\(s\), 1 mandatory. FAILED/);
        assert.deepEqual(r.calls[0]?.configOverrides, { "agents-control-plane:backend": "functions" });
    });

    it("exits 0 when violations are only advisory under the team's policy configuration", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "policy-config-"));
        const file = path.join(dir, "policy-config.json");
        writeFileSync(file, JSON.stringify({ "storage-no-shared-keys": "advisory" }));
        const stack = withChange(compliantStack(), "backend-storage", (i) => (i.allowSharedKeyAccess = true));
        const r = await run(
            {
                stackFile: "Pulumi.dev.yaml",
                policyConfig: JSON.parse(readFileSync(file, "utf8")) as PolicyPackConfig,
                json: true,
            },
            stack,
        );
        assert.equal(r.exitCode, 0);
        const violations = JSON.parse(r.out) as { policy: string; enforcementLevel: string }[];
        assert.deepEqual(
            violations.map((v) => [v.policy, v.enforcementLevel]),
            [["storage-no-shared-keys", "advisory"]],
        );
        assert.equal(r.calls[0]?.stackFile, "Pulumi.dev.yaml");
    });

    it("exits 2 on invalid policy configuration", async () => {
        const dir = mkdtempSync(path.join(tmpdir(), "policy-config-"));
        const file = path.join(dir, "policy-config.json");
        writeFileSync(file, JSON.stringify({ "allowed-regions": { allowedRegions: [1] } }));
        const policyConfig = JSON.parse(readFileSync(file, "utf8")) as PolicyPackConfig;
        const r = await run({ policyConfig }, compliantStack());
        assert.equal(r.exitCode, 2);
        assert.match(r.err, /allowed-regions.allowedRegions\[0\]: expected string, got integer/);
    });

    it("exits 2 when the stack cannot be synthesized", async () => {
        let err = "";
        const outcome = await runOffline(
            { stack: "dev", configOverrides: {}, json: false },
            () => Promise.reject(new Error("agents-control-plane:apimSku: unknown SKU")),
            () => undefined,
            (t) => (err += t),
        );
        assert.equal(outcome.exitCode, 2);
        assert.match(err, /Could not synthesize stack dev: agents-control-plane:apimSku: unknown SKU/);
    });
});
