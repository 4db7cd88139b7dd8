import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { parseStackConfig } from "../../components/config/parse";
import { shippedConfig } from "../support/shipped-stacks";

interface Step {
    readonly uses?: string;
    readonly with?: Record<string, unknown>;
}
interface Job {
    readonly "runs-on": string | string[];
    readonly steps: Step[];
}

/** Jobs that run `pulumi up`, with the stack each deploys (the part after the org). */
function deployJobs(): { name: string; stack: string; job: Job }[] {
    const workflow = parse(readFileSync(".github/workflows/infrastructure.yml", "utf8")) as {
        jobs: Record<string, Job>;
    };
    return Object.entries(workflow.jobs).flatMap(([name, job]) =>
        job.steps
            .filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === "up")
            .map((s) => ({ name, job, stack: String(s.with?.["stack-name"]).split("/").pop() ?? "" })),
    );
}

describe("the deployment workflow against the stacks it deploys", () => {
    it("never sends a hosted runner to a private cluster's API server", () => {
        const jobs = deployJobs();
        assert.deepEqual(jobs.map((j) => j.stack).sort(), ["dev", "prod"]);
        for (const { name, stack, job } of jobs) {
            const parsed = parseStackConfig(shippedConfig(stack), {
                stack,
                today: new Date("2026-12-01T00:00:00Z"),
            });
            assert.ok(parsed.ok, parsed.ok ? "" : parsed.errors.join("\n"));
            const { backend, aks } = parsed.config;
            const hosted = [job["runs-on"]].flat().some((label) => /^(ubuntu|windows|macos)-/.test(label));
            if (backend === "aks" && aks.privateCluster && hosted) {
                // A hosted runner has no path into the stack's VNet: the objects must go through ARM.
                assert.equal(aks.workloadDelivery, "runCommand", `${name} deploys ${stack}`);
            }
            if (backend === "aks" && aks.workloadDelivery === "runCommand") {
                // Deletes fetch fresh tokens from the Azure CLI session azure/login opens.
                assert.ok(
                    job.steps.some((s) => s.uses?.startsWith("azure/login@")),
                    `${name} signs in the CLI`,
                );
            }
        }
    });
});
