/**
 * The pack over this repository's own stacks, synthesized under the mock runtime: every stack
 * file passes the way the CI workflow's offline step runs it, and a deliberately weakened dev stack
 * fails with the expected violations.
 */
import { offlineArgsFromCommandLine } from "../../scripts/lib/policy-command";
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { parse, stringify } from "yaml";
import { RecordedResource } from "../../policypacks/control-plane/evaluate";
import { Synthesize, runOffline } from "../../policypacks/control-plane/offline";
import { synthesize } from "../../scripts/lib/synthesize";

const root = path.resolve(__dirname, "../..");
const stacks = readdirSync(root)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined);

interface WorkflowStep {
    readonly name?: string;
    readonly run?: string;
}

/**
 * The offline job's `npm run policy` step as CI runs it: its stack matrix and, per stack, the
 * arguments after `npm run policy --` (the matrix variable substituted, quotes not supported).
 */
function ciPolicyStep(): { stacks: string[]; argsFor: (stack: string) => string[] } {
    const workflow = parse(readFileSync(path.join(root, ".github/workflows/infrastructure.yml"), "utf8")) as {
        jobs: { offline: { strategy: { matrix: { stack: string[] } }; steps: WorkflowStep[] } };
    };
    const { offline } = workflow.jobs;
    const runs = offline.steps.map((s) => s.run ?? "").filter((r) => r.startsWith("npm run policy -- "));
    assert.equal(runs.length, 1, "the offline job has one npm run policy step");
    const [run] = runs;
    assert.ok(run !== undefined);
    assert.ok(!/["'\\]/.test(run), `the step is plain words: ${run}`);
    return {
        stacks: offline.strategy.matrix.stack,
        argsFor: (stack) =>
            run
                .slice("npm run policy -- ".length)
                .replace(/\$\{\{\s*matrix\.stack\s*\}\}/g, stack)
                .trim()
                .split(/\s+/),
    };
}

/**
 * A copy of Pulumi.dev.yaml whose per-agent rate limit is above the pack's maximum. The program
 * accepts any limit up to its own bound, so this weakening goes through the program's real output.
 */
function weakenedStackFile(): string {
    const doc = parse(readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config: Record<string, unknown>;
    };
    doc.config["agents-control-plane:rateLimitCalls"] = 5000;
    const file = path.join(mkdtempSync(path.join(tmpdir(), "weakened-dev-")), "Pulumi.dev.yaml");
    writeFileSync(file, stringify(doc));
    return file;
}

/**
 * The weakenings the program refuses or offers no switch for, applied to the recorded graph after
 * synthesis: the MCP API policy loses its token validation, the snippets storage account allows
 * shared keys, a federated credential trusts every workflow of a repository (config validation
 * rejects wildcard subjects), the function app's diagnostic setting is dropped and an alert query
 * names a column the gateway log does not have.
 */
function weakenGraph(resources: RecordedResource[]): RecordedResource[] {
    const mutated = (r: RecordedResource, inputs: Record<string, unknown>): RecordedResource => ({
        ...r,
        inputs,
    });
    const apiPolicy = resources.find(
        (r) => r.type === "azure-native:apimanagement:ApiPolicy" && r.inputs.apiId === "mcp",
    );
    const storage = resources.find((r) => r.type === "azure-native:storage:StorageAccount");
    const fic = resources.find(
        (r) =>
            r.type ===
                "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential" &&
            String(r.inputs.issuer) === "https://token.actions.githubusercontent.com",
    );
    const alertRule = resources.find(
        (r) => r.type === "azure-native:monitor:ScheduledQueryRule" && r.name.endsWith("-auth-failures"),
    );
    const functionDiag = resources.find(
        (r) =>
            r.type === "azure-native:monitor:DiagnosticSetting" &&
            /\/(WebApp|sites)\//.test(String(r.inputs.resourceUri)),
    );
    assert.ok(
        apiPolicy && storage && functionDiag && fic && alertRule,
        "the dev stack has an MCP API policy, a storage account, a function app diagnostic setting, a GitHub federated credential and an auth-failures alert",
    );
    const xml = String(apiPolicy.inputs.value);
    const withoutValidation = xml.replace(/<validate-azure-ad-token[\s\S]*?<\/validate-azure-ad-token>/, "");
    assert.notEqual(withoutValidation, xml);
    return resources
        .filter((r) => r !== functionDiag)
        .map((r) =>
            r === apiPolicy
                ? mutated(r, { ...r.inputs, value: withoutValidation })
                : r === storage
                  ? mutated(r, { ...r.inputs, allowSharedKeyAccess: true })
                  : r === fic
                    ? mutated(r, { ...r.inputs, subject: "repo:contoso/agents-control-plane:*" })
                    : r === alertRule
                      ? mutated(
                            r,
                            JSON.parse(
                                JSON.stringify(r.inputs).replace("ResponseCode", "ResponseCod"),
                            ) as Record<string, unknown>,
                        )
                      : r,
        );
}

describe("policy pack: this repository's stacks", function () {
    this.timeout(120_000);

    it("finds the stack files", () => {
        assert.ok(stacks.includes("dev"), `stacks found: ${stacks.join(", ")}`);
    });

    it("runs the CI workflow's offline policy step on every stack file", () => {
        assert.deepEqual([...ciPolicyStep().stacks].sort(), [...stacks].sort());
    });

    for (const stack of stacks) {
        it(`passes Pulumi.${stack}.yaml with no mandatory violation, run as the CI workflow's offline step runs it`, async () => {
            let report = "";
            let errors = "";
            const outcome = await runOffline(
                offlineArgsFromCommandLine(ciPolicyStep().argsFor(stack)),
                synthesize,
                (t) => (report += t),
                (t) => (errors += t),
            );
            assert.equal(outcome.exitCode, 0, `${errors}${report}`);
            const result = outcome.result!;
            const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
            assert.deepEqual(
                mandatory.map((v) => `${v.policy} ${v.resourceName ?? ""}: ${v.message}`),
                [],
            );
            // The gateway checks really ran: the stack has APIs whose operations reach a backend.
            for (const policy of ["apim-api-validates-tokens", "diagnostics-to-workspace", "required-tags"]) {
                assert.ok(!result.notApplicable.some((n) => n.policy === policy), `${policy} did not apply`);
            }
        });
    }

    it("fails a weakened dev stack with every weakening reported and exit code 1", async () => {
        const stackFile = weakenedStackFile();
        const weakened: Synthesize = async (options) => {
            const synthesized = await synthesize(options);
            return { ...synthesized, resources: weakenGraph(synthesized.resources) };
        };
        let out = "";
        const outcome = await runOffline(
            { stack: "dev", stackFile, configOverrides: { allowExampleIdentities: "true" }, json: false },
            weakened,
            (t) => (out += t),
            () => undefined,
        );
        assert.equal(outcome.exitCode, 1);
        const found = (outcome.result?.violations ?? []).map((v) => `${v.policy}: ${v.message}`);
        const expected: RegExp[] = [
            /^apim-api-validates-tokens: API "mcp" \(\/mcp\) operation "mcp-post": requests reach the backend without token validation/,
            /^apim-subscriptionless-requires-token-validation: API "mcp" .* subscriptionRequired is false and nothing validates the caller/,
            /^storage-no-shared-keys: Set allowSharedKeyAccess: false/,
            /^fic-concrete-subject: The subject "repo:contoso\/agents-control-plane:\*" contains a wildcard/,
            /^diagnostics-to-workspace: Function app ".*" has no diagnostic setting/,
            /^apim-rate-limit-within-maximum: .*allows 5000 calls per 60s/,
            /^monitoring-queries-analyze: Fix the query at criteria\.allOf\[0\]\.query: line 2, column 9 at `ResponseCod`: The name 'ResponseCod' does not refer to any known column/,
        ];
        for (const e of expected) {
            assert.ok(
                found.some((f) => e.test(f)),
                `missing ${e}; found:\n${found.join("\n")}`,
            );
        }
        assert.match(out, /FAILED/);
    });

    it("exits non-zero from the command line for the weakened stack file", async () => {
        const stackFile = weakenedStackFile();
        const run = promisify(execFile);
        const failed = await run(
            process.execPath,
            [
                "--import",
                "tsx",
                "scripts/policy.ts",
                "--stack",
                "dev",
                "--stack-file",
                stackFile,
                "--config",
                "allowExampleIdentities=true",
            ],
            {
                cwd: root,
            },
        ).then(
            () => undefined,
            (e: { code?: number; stdout?: string }) => e,
        );
        assert.ok(failed, "the run should fail");
        assert.equal(failed.code, 1);
        assert.match(failed.stdout ?? "", /apim-rate-limit-within-maximum\s+mandatory\s+\S+/);
        // Both APIs (MCP and Sentinel) take the stack's rate limit.
        assert.match(
            failed.stdout ?? "",
            /Stack dev: \d+ resources in \d+ components checked, 2 violation\(s\), 2 mandatory\. FAILED/,
        );
    });
});
