/**
 * Runs the pack's policies in-process over recorded resources, the way the policy runtime
 * (`@pulumi/policy`'s analyzer server) runs them for the CLI: inputs go through a protobuf
 * Struct and the runtime's own deserializer (secrets unwrapped, assets rebuilt), are wrapped in
 * the runtime's unknown-checking proxy, enforcement levels come from configuration over the
 * policy's own level over the pack's, and `notApplicable`, `getConfig`, `isType`/`asType` behave
 * as they do there. Resource policies see each resource's inputs (`analyze`); stack policies see
 * every resource at once (`analyzeStack`, which in a real deployment receives outputs: here the
 * recorded inputs stand in for them, with ids and dependencies when the recording has them).
 */
import {
    EnforcementLevel,
    Policies,
    PolicyPackConfig,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import { resolvePolicyConfig } from "./lib/policy-config";
import { ResourceCount, countResources } from "./lib/resource-count";
import { UnknownValueError, deserializeProperties, unknownCheckingProxy } from "./lib/runtime";
import { packName, packSettings, policies as packPolicies } from "./policies";

/** One resource as the program registered it (what `synthesize()` records). */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly parent?: string;
    /** False for a component (it groups resources and creates nothing); absent counts as a resource. */
    readonly custom?: boolean;
    readonly inputs: Readonly<Record<string, unknown>>;
    /** The id the resource got, when known (the stack stage can then match references by id). */
    readonly id?: string;
    /** URNs this resource depends on, per input property, when recorded. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface Violation {
    readonly policy: string;
    readonly description: string;
    /** What the policy reported (the CLI prints it after the description). */
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly stage: "resource" | "stack";
    /** Undefined for a stack-stage violation (as the engine reports it). */
    readonly urn?: string | undefined;
    readonly resourceName?: string | undefined;
    readonly resourceType?: string | undefined;
}

export interface NotApplicable {
    readonly policy: string;
    /** Undefined for a stack policy. */
    readonly urn?: string | undefined;
    readonly reason?: string | undefined;
}

export interface EvaluationResult {
    readonly violations: readonly Violation[];
    readonly notApplicable: readonly NotApplicable[];
    /** What was evaluated: resources and the components that group them. */
    readonly count: ResourceCount;
}

export interface EvaluationOptions {
    /** Policy configuration, as in a `--policy-pack-config` file. */
    readonly config?: PolicyPackConfig | undefined;
    readonly stackTags?: Readonly<Record<string, string>>;
    /** Defaults to the pack's policies. */
    readonly policies?: Policies;
}

class NotApplicableError extends Error {
    constructor(readonly reason: string | undefined) {
        super(reason ?? "Policy does not apply");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

/** Inputs as a policy sees them: via a protobuf Struct and the runtime's deserializer, proxied. */
function propsOf(inputs: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const plain = JSON.parse(JSON.stringify(inputs)) as Record<string, JavaScriptValue>;
    return unknownCheckingProxy(deserializeProperties(Struct.fromJavaScript(plain), false));
}

function optionsOf(r: RecordedResource): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent === undefined ? {} : { parent: r.parent }),
    };
}

/** The type a validation was built for with `validateResourceOfType`, if any. */
function pulumiTypeOf(fn: object): string | undefined {
    const t = (fn as { __pulumiType?: unknown }).__pulumiType;
    return typeof t === "string" && t !== "" ? t : undefined;
}

function isTypeOf(type: string, resourceClass: object): boolean {
    const t = pulumiTypeOf(resourceClass);
    if (t !== undefined) {
        return t === type;
    }
    const isInstance = (resourceClass as { isInstance?: (o: object) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function freezeMap(tags: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
    return new Map(Object.entries(tags));
}

/** Evaluates `policies` (the pack's by default) over the recorded resources. */
export async function evaluate(
    resources: readonly RecordedResource[],
    options: EvaluationOptions = {},
): Promise<EvaluationResult> {
    const policies = options.policies ?? packPolicies;
    const config = resolvePolicyConfig(policies, options.config);
    const stackTags = freezeMap(options.stackTags ?? {});
    const violations: Violation[] = [];
    const notApplicable: NotApplicable[] = [];
    const byUrn = new Map(resources.map((r) => [r.urn, r]));

    const levelOf = (p: { name: string; enforcementLevel?: EnforcementLevel }): EnforcementLevel => {
        const level =
            config.get(p.name)?.enforcementLevel ??
            p.enforcementLevel ??
            packSettings.enforcementLevel ??
            "advisory";
        return level === "remediate" ? "mandatory" : level;
    };
    const getConfigFor =
        (name: string) =>
        <T extends object>(): T =>
            ({ ...config.get(name)?.properties }) as T;
    const record =
        (
            p: { name: string; description: string },
            level: EnforcementLevel,
            stage: Violation["stage"],
            urn?: string,
        ) =>
        (message: string): void => {
            const r = urn === undefined ? undefined : byUrn.get(urn);
            violations.push({
                policy: p.name,
                description: p.description,
                message,
                enforcementLevel: level,
                stage,
                urn,
                resourceName: r?.name,
                resourceType: r?.type,
            });
        };
    const onError = (
        p: { name: string; description: string },
        stage: Violation["stage"],
        urn: string | undefined,
        e: unknown,
    ): void => {
        if (e instanceof NotApplicableError) {
            notApplicable.push({ policy: p.name, urn, reason: e.reason });
        } else if (e instanceof UnknownValueError) {
            record(
                p,
                "advisory",
                stage,
                urn,
            )(`can't run policy '${p.name}' from policy pack '${packName}' during preview: ${e.message}`);
        } else {
            const detail = e instanceof Error ? e.message : String(e);
            throw new Error(`Error validating ${urn ?? "the stack"} with policy '${p.name}': ${detail}`);
        }
    };

    const resourcePolicies = policies.filter(
        (p): p is ResourceValidationPolicy => "validateResource" in p && p.validateResource !== undefined,
    );
    for (const r of resources) {
        for (const p of resourcePolicies) {
            const level = levelOf(p);
            const validations: ResourceValidation[] = Array.isArray(p.validateResource)
                ? p.validateResource
                : [p.validateResource!];
            if (level === "disabled") {
                continue;
            }
            const [single] = validations;
            const only = validations.length === 1 && single ? pulumiTypeOf(single) : undefined;
            if (only !== undefined && only !== r.type) {
                notApplicable.push({
                    policy: p.name,
                    urn: r.urn,
                    reason: `Policy only applies to resources of type '${only}'`,
                });
                continue;
            }
            for (const validation of validations) {
                const props = propsOf(r.inputs);
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props,
                    urn: r.urn,
                    name: r.name,
                    opts: optionsOf(r),
                    stackTags,
                    isType: (cls) => isTypeOf(r.type, cls),
                    asType: (cls) => (isTypeOf(r.type, cls) ? (props as never) : undefined),
                    getConfig: getConfigFor(p.name),
                    notApplicable: throwNotApplicable,
                };
                try {
                    await Promise.resolve(
                        validation(args, (message) => record(p, level, "resource", r.urn)(message)),
                    );
                } catch (e) {
                    onError(p, "resource", r.urn, e);
                }
            }
        }
    }

    const stackPolicies = policies.filter(
        (p): p is StackValidationPolicy => "validateStack" in p && p.validateStack !== undefined,
    );
    for (const p of stackPolicies) {
        const level = levelOf(p);
        if (level === "disabled") {
            continue;
        }
        const args: StackValidationArgs = {
            resources: policyResources(resources),
            stackTags,
            getConfig: getConfigFor(p.name),
            notApplicable: throwNotApplicable,
        };
        try {
            await Promise.resolve(
                p.validateStack(args, (message, urn) => record(p, level, "stack", urn)(message)),
            );
        } catch (e) {
            onError(p, "stack", undefined, e);
        }
    }
    return { violations, notApplicable, count: countResources(resources) };
}

/** The stack view: one PolicyResource per recorded resource, parents and dependencies linked. */
function policyResources(resources: readonly RecordedResource[]): PolicyResource[] {
    const built = resources.map((r) => {
        const inputs = r.id === undefined ? r.inputs : { id: r.id, ...r.inputs };
        const props = propsOf(inputs);
        const resource: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isTypeOf(r.type, cls),
            asType: (cls) => (isTypeOf(r.type, cls) ? (props as never) : undefined),
        };
        return { record: r, resource };
    });
    const byUrn = new Map(built.map((b) => [b.resource.urn, b.resource]));
    const lookup = (urns: readonly string[]) =>
        urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    for (const { record: r, resource } of built) {
        const parent = r.parent === undefined ? undefined : byUrn.get(r.parent);
        if (parent !== undefined) {
            resource.parent = parent;
        }
        const deps = new Set<string>();
        for (const [key, urns] of Object.entries(r.propertyDependencies ?? {})) {
            resource.propertyDependencies[key] = lookup(urns);
            urns.forEach((u) => deps.add(u));
        }
        resource.dependencies = lookup([...deps]);
    }
    return built.map((b) => b.resource);
}

/** Whether any violation blocks the deployment. */
export function hasMandatoryViolation(result: EvaluationResult): boolean {
    return result.violations.some((v) => v.enforcementLevel === "mandatory");
}
