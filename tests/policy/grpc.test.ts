import * as assert from "node:assert/strict";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";
import { evaluate } from "../../policypacks/control-plane/evaluate";
import { policies } from "../../policypacks/control-plane/policies";
import { compliantStack, withChange, without } from "./fixtures";
import {
    RunningPack,
    analyzeRequest,
    analyzeStackRequest,
    analyzer,
    configureRequest,
    startPack,
} from "./pack-process";

function diagnostics(response: proto.AnalyzeResponse) {
    return response.getDiagnosticsList().map((d) => ({
        policy: d.getPolicyname(),
        message: d.getMessage(),
        level: d.getEnforcementlevel(),
        urn: d.getUrn(),
    }));
}

const runners: ("tsx" | "pulumi")[] =
    process.env.POLICY_PACK_RUNNER === "pulumi" ? ["tsx", "pulumi"] : ["tsx"];

for (const runner of runners) {
    describe(`policy pack: the real pack process over the analyzer gRPC protocol (${runner})`, function () {
        this.timeout(60_000);
        let pack: RunningPack;

        before(async () => {
            pack = await startPack(runner);
        });
        after(async () => {
            await pack?.stop();
        });

        it("describes itself and every policy with its configuration schema", async () => {
            const info = await analyzer.info(pack.client);
            assert.equal(info.getName(), "agents-control-plane");
            assert.equal(info.getVersion(), "0.1.0");
            assert.equal(info.getSupportsconfig(), true);
            const served = info.getPoliciesList();
            assert.deepEqual(
                served.map((p) => p.getName()),
                policies.map((p) => p.name),
            );
            const regions = served.find((p) => p.getName() === "allowed-regions");
            assert.equal(regions?.getEnforcementlevel(), proto.EnforcementLevel.MANDATORY);
            const schema = regions?.getConfigschema()?.getProperties()?.toJavaScript() as Record<
                string,
                { type: string }
            >;
            assert.equal(schema.allowedRegions?.type, "array");
            assert.equal(
                served.find((p) => p.getName() === "diagnostics-to-workspace")?.getPolicyType(),
                proto.PolicyType.POLICY_TYPE_STACK,
            );
        });

        it("flags a resource before it is created (analyze)", async () => {
            const stack = withChange(
                compliantStack(),
                "backend-storage",
                (i) => (i.allowSharedKeyAccess = true),
            );
            const storage = stack.find((r) => r.name === "backend-storage")!;
            const found = diagnostics(await analyzer.analyze(pack.client, analyzeRequest(storage)));
            assert.deepEqual(
                found.map((d) => [d.policy, d.level]),
                [["storage-no-shared-keys", proto.EnforcementLevel.MANDATORY]],
            );
            assert.match(
                found[0]?.message ?? "",
                /^Storage accounts accept Entra identities only.*\nSet allowSharedKeyAccess: false/,
            );
            const clean = compliantStack().find((r) => r.name === "backend-storage")!;
            assert.deepEqual(diagnostics(await analyzer.analyze(pack.client, analyzeRequest(clean))), []);
        });

        it("applies policy configuration sent with configure", async () => {
            const storage = compliantStack().find((r) => r.name === "backend-storage")!;
            await analyzer.configure(
                pack.client,
                configureRequest({ "allowed-regions": { allowedRegions: ["swedencentral"] } }),
            );
            try {
                const found = diagnostics(await analyzer.analyze(pack.client, analyzeRequest(storage)));
                assert.deepEqual(
                    found.map((d) => d.policy),
                    ["allowed-regions"],
                );
                assert.match(
                    found[0]?.message ?? "",
                    /Region "westeurope" is not allowed; use one of swedencentral/,
                );
            } finally {
                await analyzer.configure(pack.client, configureRequest({}));
            }
        });

        it("reports exactly what the in-process evaluator reports", async () => {
            let stack = without(compliantStack(), "diag-func");
            stack = withChange(stack, "backend-storage", (i) => {
                i.allowSharedKeyAccess = true;
                i.minimumTlsVersion = "TLS1_0";
            });
            stack = withChange(stack, "identity-github-deployer-fic", (i) => (i.subject = "repo:contoso/*"));
            stack = withChange(stack, "gateway-mcp-api", (i) => (i.protocols = ["http", "https"]));
            stack = withChange(stack, "backend-blob-owner", (i) => delete i.principalType);
            const fromProcess: string[] = [];
            for (const r of stack) {
                for (const d of diagnostics(await analyzer.analyze(pack.client, analyzeRequest(r)))) {
                    fromProcess.push(`${d.policy} ${r.urn} ${d.message}`);
                }
            }
            for (const d of diagnostics(
                await analyzer.analyzeStack(pack.client, analyzeStackRequest(stack)),
            )) {
                fromProcess.push(`${d.policy} ${d.urn} ${d.message}`);
            }
            const inProcess = (await evaluate(stack)).violations.map(
                (v) => `${v.policy} ${v.urn} ${v.description}\n${v.message}`,
            );
            assert.equal(inProcess.length, 6);
            assert.ok(fromProcess.some((f) => f.startsWith("rbac-principal-type ")));
            assert.deepEqual([...fromProcess].sort(), [...inProcess].sort());
        });

        it("flags the stack after a preview (analyzeStack)", async () => {
            const stack = without(compliantStack(), "diag-storage-blob");
            const found = diagnostics(await analyzer.analyzeStack(pack.client, analyzeStackRequest(stack)));
            const storageUrn = stack.find((r) => r.name === "backend-storage")!.urn;
            assert.deepEqual(
                found.map((d) => [d.policy, d.urn]),
                [["diagnostics-to-workspace", storageUrn]],
            );
            assert.match(
                found[0]?.message ?? "",
                /Storage account "backend-storage" has no diagnostic setting/,
            );
            assert.deepEqual(
                diagnostics(await analyzer.analyzeStack(pack.client, analyzeStackRequest(compliantStack()))),
                [],
            );
        });
    });
}
