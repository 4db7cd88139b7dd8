/**
 * Starts the policy pack as the Pulumi CLI does (a process in the pack's directory that serves
 * the analyzer over gRPC and prints its port on stdout) and talks to it with the CLI's protocol.
 */
import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";
import type { RecordedResource } from "../../policypacks/control-plane/evaluate";

export const packDir = path.resolve(__dirname, "../../policypacks/control-plane");

export interface RunningPack {
    readonly port: number;
    readonly client: AnalyzerClient;
    stop(): Promise<void>;
}

/**
 * `tsx` starts the pack's index.ts the way `pulumi preview --policy-pack` runs it; with `pulumi`
 * the CLI's own runner (`@pulumi/pulumi/cmd/run-policy-pack`, ts-node with type checking) is used.
 */
export async function startPack(runner: "tsx" | "pulumi" = "tsx", timeoutMs = 30_000): Promise<RunningPack> {
    const args =
        runner === "tsx"
            ? ["--import", "tsx", "index.ts"]
            : [require.resolve("@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."];
    const child = spawn(process.execPath, args, { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
    const port = await firstLine(child, timeoutMs);
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return {
        port,
        client,
        stop: async () => {
            client.close();
            if (child.exitCode === null && child.signalCode === null) {
                const exited = new Promise((resolve) => child.once("exit", resolve));
                child.kill("SIGTERM");
                await exited;
            }
        },
    };
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`the pack printed no port within ${timeoutMs} ms: ${err}`));
        }, timeoutMs);
        child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
        child.stdout?.on("data", (d: Buffer) => {
            out += d.toString();
            const line = /^(\d+)\s*$/m.exec(out);
            if (line !== null) {
                clearTimeout(timer);
                resolve(Number(line[1]));
            }
        });
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`the pack exited with ${code} before printing its port: ${err}`));
        });
    });
}

type Callback<Res> = (e: grpc.ServiceError | null, r: Res) => void;

function promised<Res>(invoke: (cb: Callback<Res>) => unknown): Promise<Res> {
    return new Promise((resolve, reject) => invoke((e, r) => (e ? reject(e) : resolve(r))));
}

/** The analyzer calls the CLI makes, as promises. */
export const analyzer = {
    info: (client: AnalyzerClient) =>
        promised<proto.AnalyzerInfo>((cb) => client.getAnalyzerInfo(new Empty(), cb)),
    configure: (client: AnalyzerClient, request: proto.ConfigureAnalyzerRequest) =>
        promised<Empty>((cb) => client.configure(request, cb)),
    analyze: (client: AnalyzerClient, request: proto.AnalyzeRequest) =>
        promised<proto.AnalyzeResponse>((cb) => client.analyze(request, cb)),
    analyzeStack: (client: AnalyzerClient, request: proto.AnalyzeStackRequest) =>
        promised<proto.AnalyzeResponse>((cb) => client.analyzeStack(request, cb)),
};

function struct(value: Readonly<Record<string, unknown>>): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, JavaScriptValue>);
}

function options(parent?: string): proto.AnalyzerResourceOptions {
    const o = new proto.AnalyzerResourceOptions();
    o.setProtect(false);
    o.setCustomtimeouts(new proto.AnalyzerResourceOptions.CustomTimeouts());
    if (parent !== undefined) {
        o.setParent(parent);
    }
    return o;
}

/** What the engine sends before a resource is created. */
export function analyzeRequest(r: RecordedResource): proto.AnalyzeRequest {
    return new proto.AnalyzeRequest()
        .setType(r.type)
        .setUrn(r.urn)
        .setName(r.name)
        .setProperties(struct(r.inputs))
        .setOptions(options(r.parent));
}

/** What the engine sends after a preview or update: every resource of the stack. */
export function analyzeStackRequest(resources: readonly RecordedResource[]): proto.AnalyzeStackRequest {
    const list = resources.map((r) => {
        const props = r.id === undefined ? r.inputs : { id: r.id, ...r.inputs };
        const res = new proto.AnalyzerResource()
            .setType(r.type)
            .setUrn(r.urn)
            .setName(r.name)
            .setProperties(struct(props))
            .setOptions(options(r.parent));
        if (r.parent !== undefined) {
            res.setParent(r.parent);
        }
        return res;
    });
    return new proto.AnalyzeStackRequest().setResourcesList(list);
}

/** The `configure` call the CLI makes with the policy configuration. */
export function configureRequest(
    config: Record<string, Record<string, unknown>>,
): proto.ConfigureAnalyzerRequest {
    const request = new proto.ConfigureAnalyzerRequest();
    for (const [policy, props] of Object.entries(config)) {
        const pc = new proto.PolicyConfig();
        pc.setEnforcementlevel(proto.EnforcementLevel.MANDATORY);
        pc.setProperties(struct(props));
        request.getPolicyconfigMap().set(policy, pc);
    }
    return request;
}
