/**
 * Runs the program once under Pulumi's mock runtime and writes what it registered as JSON to the
 * file named by argv[3] (argv[2] is the JSON request). One process per synthesis: the Pulumi
 * runtime is process-global.
 */
import { rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { projectName } from "../../components/project";
import { mockCall, mockNewResource } from "./mocks";
import { wrapSecret } from "./secret-wire";
import { readStackFile, stackFilePath } from "./stack-file";
import type { RecordedResource, SynthRequest, WorkerResponse } from "./synth-types";

const project = projectName;

interface AliasSpec {
    getName(): string;
    getType(): string;
    getStack(): string;
    getProject(): string;
    getParenturn(): string;
    getNoparent(): boolean;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): {
        forEach(callback: (deps: { getUrnsList(): string[] }, key: string) => void): void;
    };
    getAliasesList(): { getUrn(): string; getSpec(): AliasSpec | undefined }[];
}
interface RegisterResponse {
    getUrn(): string;
}
type Callback = (err: Error | null, resp?: RegisterResponse) => void;
interface MonitorLike {
    registerResource(req: RegisterRequest, cb: Callback): unknown;
}

async function main(): Promise<void> {
    const [, , requestJson, out] = process.argv;
    if (requestJson === undefined || out === undefined)
        throw new Error("usage: synth-worker.ts <request as JSON> <result file>");
    const request = JSON.parse(requestJson) as SynthRequest;
    const started = Date.now();
    const resources: RecordedResource[] = [];
    const respond = (r: WorkerResponse): void => writeFileSync(out, JSON.stringify(r));
    const fail = (err: unknown): void => {
        respond({ ok: false, error: err instanceof Error ? err.message : String(err), resources });
        process.exit(1);
    };
    process.on("unhandledRejection", fail);
    process.on("uncaughtException", fail);

    try {
        const file = readStackFile(request.stackFile ?? stackFilePath(request.stack));
        const config: Record<string, string> = { ...file.config };
        for (const [key, value] of Object.entries(request.configOverrides ?? {})) {
            config[key.includes(":") ? key : `${project}:${key}`] = value;
        }
        const undecryptable = file.secureKeys.filter(
            (k) => !(k in (request.configOverrides ?? {})) && !(k in config),
        );
        if (undecryptable.length > 0) {
            throw new Error(
                `cannot decrypt secure values offline: ${undecryptable.join(", ")}; pass them as configOverrides`,
            );
        }
        pulumi.runtime.setAllConfig(config, file.secureKeys);

        const pending = new Map<string, RecordedResource>();
        const parents = new Map<string, string>();
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    const key = `${args.type}::${args.name}`;
                    if (pending.has(key)) throw new Error(`two resources named ${key}`);
                    pending.set(key, {
                        type: args.type,
                        name: args.name,
                        urn: "",
                        custom: args.custom ?? true,
                        inputs: recordable(args.inputs as Record<string, unknown>),
                    });
                    return mockNewResource(args);
                },
                call: (args) => mockCall(args),
            },
            project,
            request.stack,
            false,
        );
        // Record each resource's parent and URN as the monitor sees them.
        const monitor = settings.getMonitor() as unknown as MonitorLike;
        const register = monitor.registerResource.bind(monitor);
        monitor.registerResource = (req, cb) => {
            const key = `${req.getType()}::${req.getName()}`;
            if (req.getParent()) parents.set(key, req.getParent());
            const dependencies = req.getDependenciesList();
            // Per input, the resources its value came from, as the engine gives them to policies.
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps, key) => {
                const urns = deps.getUrnsList();
                if (urns.length > 0) propertyDependencies[key] = urns;
            });
            const aliases = req
                .getAliasesList()
                .map((a) => aliasUrn(req, a.getUrn(), a.getSpec(), request.stack));
            return register(req, (err, resp) => {
                const r = pending.get(key);
                if (!err && resp && r) {
                    const parent = parents.get(key);
                    resources.push({
                        ...r,
                        urn: resp.getUrn(),
                        ...(parent ? { parent } : {}),
                        ...(dependencies.length > 0 ? { dependencies } : {}),
                        ...(Object.keys(propertyDependencies).length > 0 ? { propertyDependencies } : {}),
                        ...(aliases.length > 0 ? { aliases } : {}),
                    });
                }
                cb(err, resp);
            });
        };

        const entry = request.program ? path.resolve(__dirname, "../..", request.program) : "../../index";
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require(entry) as () => Promise<Record<string, unknown>>;
        const exported = await program();
        const outputs = await resolve(exported);
        await drain();
        // The package is built per process; a synthesis has no use for it afterwards.
        rmSync(path.join(os.tmpdir(), "agents-control-plane-package", String(process.pid)), {
            recursive: true,
            force: true,
        });
        respond({
            ok: true,
            durationMs: Date.now() - started,
            resources,
            outputs: outputs as Record<string, unknown>,
        });
        process.exit(0);
    } catch (err) {
        fail(err);
    }
}

/** A URN's own type: the last `$`-separated part of its type segment (`urn:pulumi:s::p::a$b::name` -> `b`). */
function ownTypeOf(urn: string): string {
    const qualified = urn.split("::")[2];
    if (qualified === undefined) throw new Error(`${urn} is not a resource URN`);
    return qualified.slice(qualified.lastIndexOf("$") + 1);
}

/** The URN an alias stands for: given outright, or what the resource's URN was under the spec. */
function aliasUrn(req: RegisterRequest, urn: string, spec: AliasSpec | undefined, stack: string): string {
    if (urn || !spec) return urn;
    const type = spec.getType() || req.getType();
    const name = spec.getName() || req.getName();
    const parent = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
    // As the mock monitor forms URNs: only the parent's own type qualifies the child's.
    const qualifiedType = parent ? `${ownTypeOf(parent)}$${type}` : type;
    return `urn:pulumi:${spec.getStack() || stack}::${spec.getProject() || project}::${qualifiedType}::${name}`;
}

/** Waits until every outstanding registration has been answered. */
async function drain(): Promise<void> {
    const waitForRPCs = (settings as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
    if (waitForRPCs) await waitForRPCs();
}

/** Outputs -> plain JSON, keeping secrets wrapped as in recorded inputs. */
async function resolve(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const [inner, secret] = await Promise.all([
            new Promise<unknown>((res) => value.apply((v) => res(v))),
            (value as unknown as { isSecret: Promise<boolean> }).isSecret,
        ]);
        const resolved = await resolve(inner);
        return secret ? wrapSecret(resolved) : resolved;
    }
    if (Array.isArray(value)) return Promise.all(value.map(resolve));
    if (value && typeof value === "object") {
        const entries = await Promise.all(
            Object.entries(value).map(async ([k, v]) => [k, await resolve(v)] as const),
        );
        return Object.fromEntries(entries);
    }
    return value;
}

/** Inputs as JSON; a dynamic provider's serialized code is summarized, not copied. */
function recordable(inputs: Record<string, unknown>): Record<string, unknown> {
    const copy: Record<string, unknown> = { ...inputs };
    if (typeof copy.__provider === "string")
        copy.__provider = `[serialized dynamic provider, ${copy.__provider.length} chars]`;
    return JSON.parse(JSON.stringify(copy)) as Record<string, unknown>;
}

void main();
