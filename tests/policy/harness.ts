/**
 * Table-driven policy cases: each names one policy, builds a realistic stack and says whether
 * that policy must pass it or flag it with a given message. Only the named policy runs, through
 * the same in-process evaluator the offline compliance run uses.
 */
import * as assert from "node:assert/strict";
import { PolicyPackConfig } from "@pulumi/policy";
import { EvaluationResult, RecordedResource, evaluate } from "../../policypacks/control-plane/evaluate";
import { policies } from "../../policypacks/control-plane/policies";
import { withChange } from "./fixtures";

export interface PolicyCase {
    readonly policy: string;
    /** What the stack does, e.g. "a wildcard subject". */
    readonly title: string;
    readonly resources: () => RecordedResource[];
    /** Violating cases: a message the policy must report. Compliant cases leave it out. */
    readonly message?: RegExp;
    readonly config?: PolicyPackConfig;
}

export async function runPolicy(
    name: string,
    resources: RecordedResource[],
    config?: PolicyPackConfig,
): Promise<EvaluationResult> {
    const policy = policies.find((p) => p.name === name);
    assert.ok(policy, `no policy named ${name}`);
    return evaluate(resources, { policies: [policy], ...(config === undefined ? {} : { config }) });
}

/** Whether the policy looked at something (it was not "not applicable" to every resource / the stack). */
export function applied(
    result: EvaluationResult,
    name: string,
    resources: readonly RecordedResource[],
): boolean {
    const skipped = result.notApplicable.filter((n) => n.policy === name);
    if (skipped.some((n) => n.urn === undefined)) {
        return false;
    }
    const stackPolicy = policies.find((p) => p.name === name && "validateStack" in p);
    return stackPolicy !== undefined || resources.some((r) => !skipped.some((n) => n.urn === r.urn));
}

/** The messages a policy reports over `resources`, after checking it applied to them at all. */
export async function violationMessages(name: string, resources: RecordedResource[]): Promise<string[]> {
    const result = await runPolicy(name, resources);
    assert.ok(applied(result, name, resources), `${name} did not apply`);
    return result.violations.map((v) => v.message);
}

export function describeCases(cases: readonly PolicyCase[]): void {
    for (const c of cases) {
        if (c.message === undefined) {
            it(`${c.policy} passes ${c.title}`, async () => {
                const resources = c.resources();
                const result = await runPolicy(c.policy, resources, c.config);
                assert.deepEqual(
                    result.violations.map((v) => v.message),
                    [],
                );
                assert.ok(applied(result, c.policy, resources), `${c.policy} did not apply to any resource`);
            });
        } else {
            const message = c.message;
            it(`${c.policy} flags ${c.title}`, async () => {
                const result = await runPolicy(c.policy, c.resources(), c.config);
                assert.ok(result.violations.length > 0, `${c.policy} reported nothing`);
                assert.ok(
                    result.violations.some((v) => message.test(v.message)),
                    `expected a message matching ${message}, got:\n${result.violations.map((v) => v.message).join("\n")}`,
                );
                for (const v of result.violations) {
                    assert.equal(v.policy, c.policy);
                    assert.equal(v.enforcementLevel, "mandatory");
                }
            });
        }
    }
}

/** A copy of the stack with one APIM policy document edited; fails if the edit changes nothing. */
export function withPolicyXml(
    stack: readonly RecordedResource[],
    name: string,
    edit: (xml: string) => string,
): RecordedResource[] {
    return withChange(stack, name, (inputs) => {
        const before = String(inputs.value);
        const after = edit(before);
        assert.notEqual(after, before, `the edit did not change ${name}`);
        inputs.value = after;
    });
}
