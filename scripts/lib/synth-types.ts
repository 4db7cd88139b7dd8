/** Shapes shared by synthesize() and its worker process. */

/** One resource as the program registered it. */
export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    /** URN of the parent resource (components and the resources inside them). */
    readonly parent?: string;
    /** URNs the engine orders this resource after (explicit dependsOn and input dependencies). */
    readonly dependencies?: readonly string[];
    /** Per input property, the URNs its value came from (what the engine gives policies). */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    /** Earlier URNs this resource answers to (its aliases, resolved), so a move keeps its state. */
    readonly aliases?: readonly string[];
    /** False for component resources. */
    readonly custom: boolean;
    /**
     * Inputs in Pulumi's wire form: secrets stay wrapped as `{[specialSigKey]: specialSecretSig, value}`
     * (both exported by `@pulumi/pulumi/runtime/rpc`).
     */
    readonly inputs: Record<string, unknown>;
}

export interface SynthResult {
    readonly resources: RecordedResource[];
    /** Stack outputs, resolved; secret values wrapped the same way as in inputs. */
    readonly outputs: Record<string, unknown>;
}

export interface SynthRequest {
    readonly stack: string;
    /** Absent or undefined: `Pulumi.<stack>.yaml` at the repository root. */
    readonly stackFile?: string | undefined;
    readonly configOverrides?: Record<string, string> | undefined;
    /**
     * Module (path from the repository root) whose export runs instead of `index.ts`: a test
     * program that builds one component in several variants under the same mocks.
     */
    readonly program?: string;
}

export type WorkerResponse =
    | ({ ok: true; durationMs: number } & SynthResult)
    | { ok: false; error: string; resources: RecordedResource[] };
