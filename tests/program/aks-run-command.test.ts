import * as assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync } from "node:fs";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { strFromU8, unzipSync } from "fflate";
import {
    runClusterCommand,
    RunCommandError,
    runCommandApiVersion,
    type RunCommandRequest,
} from "../../components/aks/run-command/client";
import {
    applyCommand,
    contextZip,
    deleteCommand,
    removedObjects,
    type KubeObject,
} from "../../components/aks/run-command/commands";
import {
    clusterObjectsDiff,
    clusterObjectsProvider,
    objectsDigest,
    type ClusterObjectsInputs,
    type ClusterObjectsOutputs,
} from "../../components/aks/run-command/provider";
import { usableToken } from "../../components/aks/run-command/tokens";
import { asSerialized } from "./serialized";

interface Recorded {
    readonly method: string;
    readonly url: string;
    /** The Authorization header, undefined when the request carried none. */
    readonly auth: string | undefined;
    readonly body: string;
}

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, fake: FakeArm) => unknown;

interface FakeArm {
    readonly url: string;
    readonly requests: Recorded[];
    close(): Promise<void>;
}

/** A fake Azure Resource Manager on 127.0.0.1 whose run command behaviour each test scripts. */
async function fakeArm(handler: Handler): Promise<FakeArm> {
    const requests: Recorded[] = [];
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const fake: FakeArm = {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
    // Handlers get the fake itself, so the listener is attached once it exists.
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c.toString()));
        req.on("end", () => {
            requests.push({
                method: req.method ?? "",
                url: req.url ?? "",
                auth: req.headers.authorization,
                body,
            });
            handler(req, body, res, fake);
        });
    });
    return fake;
}

const clusterId =
    "/subscriptions/66666666-7777-4888-9999-000000000000/resourceGroups/acp-prod-rg/providers/Microsoft.ContainerService/managedClusters/acp-prod-aks";

function json(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** 202 with the Location of command `id`'s result, as ARM answers a submitted command. */
function accepted(res: ServerResponse, fake: FakeArm, id: string): void {
    res.writeHead(202, {
        location: `${fake.url}${clusterId}/commandResults/${id}?api-version=${runCommandApiVersion}`,
    }).end();
}

function finished(
    res: ServerResponse,
    id: string,
    properties: { provisioningState: string; exitCode?: number; logs?: string; reason?: string },
): void {
    json(res, 200, { id, properties });
}

/** A clock that only moves when the client sleeps. */
function fakeClock() {
    let t = 0;
    const slept: number[] = [];
    return {
        slept,
        now: () => t,
        sleep: (ms: number) => {
            slept.push(ms);
            t += ms;
            return Promise.resolve();
        },
    };
}

const namespaceObject: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "mcp-tools" } };
const budgetObject: KubeObject = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "mcp-tools", namespace: "mcp-tools" },
};
const objects: KubeObject[] = [
    namespaceObject,
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "mcp-tools", namespace: "mcp-tools" } },
    budgetObject,
];
const rollout = { namespace: "mcp-tools", deployment: "mcp-tools", timeoutSeconds: 600 };

/** The files a submitted command carried, unzipped from its base64 `context`. */
function contextFiles(body: string): Record<string, unknown> {
    const request = JSON.parse(body) as { context: string };
    const files = unzipSync(new Uint8Array(Buffer.from(request.context, "base64")));
    return Object.fromEntries(Object.entries(files).map(([n, bytes]) => [n, JSON.parse(strFromU8(bytes))]));
}

describe("AKS run command client against a fake ARM endpoint", () => {
    let fake: FakeArm | undefined;
    afterEach(async () => {
        await fake?.close();
        fake = undefined;
    });
    const base = (f: FakeArm): RunCommandRequest => ({
        armBaseUrl: f.url,
        clusterId,
        armToken: "arm-t0ken",
        clusterToken: "cluster-t0ken",
        command: applyCommand(objects, [], rollout).command,
        pollIntervalMs: 5,
        initialBackoffMs: 5,
    });

    it("submits the command with the files and the cluster token, then polls until it succeeded", async () => {
        let polls = 0;
        fake = await fakeArm((req, _body, res, f) => {
            if (req.method === "POST") return accepted(res, f, "cmd-1");
            polls++;
            if (polls < 3) return res.writeHead(202).end();
            finished(res, "cmd-1", { provisioningState: "Succeeded", exitCode: 0, logs: "applied" });
        });
        const { command, files } = applyCommand(objects, [], rollout);
        const result = await runClusterCommand({ ...base(fake), command, context: contextZip(files) });
        assert.deepEqual(result, { commandId: "cmd-1", exitCode: 0, logs: "applied" });

        const [submit, ...results] = fake.requests;
        assert.ok(submit);
        assert.equal(submit.url, `${clusterId}/runCommand?api-version=${runCommandApiVersion}`);
        assert.equal(submit.auth, "Bearer arm-t0ken");
        const sent = JSON.parse(submit.body) as { command: string; clusterToken: string };
        assert.equal(sent.clusterToken, "cluster-t0ken");
        assert.equal(sent.command, command);
        assert.match(
            sent.command,
            /^kubectl apply --server-side --force-conflicts --field-manager=agents-control-plane -f apply\.json && kubectl rollout status deployment\/mcp-tools -n mcp-tools --timeout=600s$/,
        );
        assert.deepEqual(contextFiles(submit.body), {
            "apply.json": { apiVersion: "v1", kind: "List", items: objects },
        });
        assert.equal(results.length, 3);
        for (const r of results) {
            assert.equal(r.url, `${clusterId}/commandResults/cmd-1?api-version=${runCommandApiVersion}`);
            assert.equal(r.auth, "Bearer arm-t0ken");
        }
    });

    it("fails with the command's output when kubectl exits non-zero", async () => {
        const logs =
            'deployment.apps/mcp-tools configured\nerror: deployment "mcp-tools" exceeded its progress deadline\n';
        fake = await fakeArm((req, _body, res, f) =>
            req.method === "POST"
                ? accepted(res, f, "cmd-2")
                : finished(res, "cmd-2", { provisioningState: "Succeeded", exitCode: 1, logs }),
        );
        await assert.rejects(runClusterCommand(base(fake)), (error: unknown) => {
            assert.ok(error instanceof RunCommandError);
            assert.match(error.message, /^command cmd-2 ended Succeeded with exit code 1; its output:\n/);
            assert.ok(error.message.includes("exceeded its progress deadline"), error.message);
            return true;
        });
        assert.equal(fake.requests.filter((r) => r.method === "POST").length, 1, "not resubmitted");
    });

    it("fails with the reason when AKS could not run the command", async () => {
        fake = await fakeArm((req, _body, res, f) =>
            req.method === "POST"
                ? accepted(res, f, "cmd-3")
                : finished(res, "cmd-3", { provisioningState: "Failed", reason: "ImagePullBackoff" }),
        );
        await assert.rejects(
            runClusterCommand(base(fake)),
            /command cmd-3 ended Failed with exit code -1 \(ImagePullBackoff\)/,
        );
    });

    it("retries ARM's 403 while the deployer's role propagates, without real waits", async () => {
        const clock = fakeClock();
        let submits = 0;
        fake = await fakeArm((req, _body, res, f) => {
            if (req.method === "POST") {
                submits++;
                return submits <= 3
                    ? json(res, 403, { error: { code: "AuthorizationFailed" } })
                    : accepted(res, f, "cmd-4");
            }
            finished(res, "cmd-4", { provisioningState: "Succeeded", exitCode: 0, logs: "" });
        });
        const started = Date.now();
        const result = await runClusterCommand({
            ...base(fake),
            ...clock,
            maxAttempts: 1,
            authRetryIntervalMs: 20_000,
        });
        assert.equal(result.commandId, "cmd-4");
        assert.equal(submits, 4);
        assert.deepEqual(clock.slept, [20_000, 20_000, 20_000]);
        assert.ok(Date.now() - started < 2000);
    });

    it("stops retrying 401 after the budget and says which role is missing", async () => {
        const clock = fakeClock();
        fake = await fakeArm((_req, _body, res) =>
            json(res, 401, { error: { code: "InvalidAuthenticationToken" } }),
        );
        await assert.rejects(
            runClusterCommand({ ...base(fake), ...clock, authRetryMs: 90_000, authRetryIntervalMs: 30_000 }),
            (error: unknown) => {
                assert.ok(error instanceof RunCommandError);
                assert.match(
                    error.message,
                    /^runCommand answered 401 for 90 s \(.*InvalidAuthenticationToken/,
                );
                assert.match(error.message, /managedClusters\/runCommand\/action/);
                return true;
            },
        );
        assert.equal(fake.requests.length, 4, "at 0, 30, 60 and 90 s");
    });

    it("resubmits while the API server refuses the deployer, until its cluster role is in effect", async () => {
        const clock = fakeClock();
        let submits = 0;
        fake = await fakeArm((req, _body, res, f) => {
            if (req.method === "POST") return accepted(res, f, `cmd-5-${++submits}`);
            const refused = submits <= 2;
            finished(res, `cmd-5-${submits}`, {
                provisioningState: "Succeeded",
                exitCode: refused ? 1 : 0,
                logs: refused
                    ? 'Error from server (Forbidden): namespaces "mcp-tools" is forbidden: User "deployer" cannot patch resource'
                    : "namespace/mcp-tools serverside-applied",
            });
        });
        const result = await runClusterCommand({ ...base(fake), ...clock, authRetryIntervalMs: 30_000 });
        assert.equal(result.commandId, "cmd-5-3");
        assert.deepEqual(
            clock.slept.filter((ms) => ms === 30_000),
            [30_000, 30_000],
        );
    });

    it("gives up on a refusing API server after the budget, naming the cluster role", async () => {
        const clock = fakeClock();
        fake = await fakeArm((req, _body, res, f) =>
            req.method === "POST"
                ? accepted(res, f, "cmd-6")
                : finished(res, "cmd-6", {
                      provisioningState: "Succeeded",
                      exitCode: 1,
                      logs: "error: You must be logged in to the server (Unauthorized)",
                  }),
        );
        await assert.rejects(
            runClusterCommand({ ...base(fake), ...clock, authRetryMs: 60_000, authRetryIntervalMs: 30_000 }),
            /kubectl was refused in command cmd-6 for 60 s \(.*\(Unauthorized\)\): .*Azure Kubernetes Service RBAC Cluster Admin/,
        );
    });

    it("retries transient ARM failures while polling", async () => {
        let polls = 0;
        fake = await fakeArm((req, _body, res, f) => {
            if (req.method === "POST") return accepted(res, f, "cmd-7");
            polls++;
            if (polls === 1) return json(res, 503, {}, { "retry-after": "0" });
            finished(res, "cmd-7", { provisioningState: "Succeeded", exitCode: 0 });
        });
        assert.equal((await runClusterCommand(base(fake))).commandId, "cmd-7");
        assert.equal(polls, 2);
    });

    it("does not send the token to a result location on another host", async () => {
        fake = await fakeArm((_req, _body, res) =>
            res.writeHead(202, { location: "https://attacker.example/commandResults/x" }).end(),
        );
        await assert.rejects(runClusterCommand(base(fake)), /not following it/);
        assert.equal(fake.requests.length, 1);
    });

    it("reports a missing cluster as a 404 without retrying", async () => {
        fake = await fakeArm((_req, _body, res) => json(res, 404, { error: { code: "ResourceNotFound" } }));
        await assert.rejects(
            runClusterCommand(base(fake)),
            (e: unknown) => e instanceof RunCommandError && e.status === 404,
        );
        assert.equal(fake.requests.length, 1);
    });
});

/** An unsigned JWT that expires `secondsFromNow` from now (the client never verifies it). */
function jwt(secondsFromNow: number): string {
    const payload = Buffer.from(
        JSON.stringify({ exp: Math.floor(Date.now() / 1000) + secondsFromNow }),
    ).toString("base64url");
    return `e30.${payload}.sig`;
}

describe("cluster objects through run command (the dynamic provider)", () => {
    let fake: FakeArm | undefined;
    afterEach(async () => {
        await fake?.close();
        fake = undefined;
    });
    /** Answers every command with success at once, recording what was submitted. */
    const succeeding = () =>
        fakeArm((req, _body, res, f) =>
            req.method === "POST"
                ? accepted(res, f, `cmd-${f.requests.length}`)
                : finished(res, "cmd", { provisioningState: "Succeeded", exitCode: 0 }),
        );
    const inputs = (f: FakeArm, objs: KubeObject[]): ClusterObjectsInputs => ({
        clusterId,
        objects: objs,
        rollout,
        armToken: jwt(3600),
        clusterToken: jwt(3600),
        armEndpoint: f.url,
    });
    const submitted = (f: FakeArm) => f.requests.filter((r) => r.method === "POST").map((r) => r.body);

    it("applies on create, prunes what an update drops, and deletes in reverse order", async () => {
        fake = await succeeding();
        const created = await clusterObjectsProvider.create(inputs(fake, objects));
        const outs = created.outs as ClusterObjectsOutputs;
        assert.equal(outs.digest, await objectsDigest({ objects, rollout }));
        const create = submitted(fake)[0] ?? assert.fail("no create command submitted");
        assert.deepEqual(Object.keys(contextFiles(create)), ["apply.json"]);

        // The update drops the disruption budget: it is deleted in the same command.
        const fewer = objects.slice(0, 2);
        const updated = await clusterObjectsProvider.update!(created.id, outs, inputs(fake, fewer));
        const update = submitted(fake)[1] ?? assert.fail("no update command submitted");
        assert.match(
            (JSON.parse(update) as { command: string }).command,
            / && kubectl delete --ignore-not-found -f prune\.json && /,
        );
        assert.deepEqual(contextFiles(update)["prune.json"], {
            apiVersion: "v1",
            kind: "List",
            items: [budgetObject],
        });

        await clusterObjectsProvider.delete!(created.id, updated.outs as ClusterObjectsOutputs);
        const remove = submitted(fake)[2] ?? assert.fail("no delete command submitted");
        assert.equal(
            (JSON.parse(remove) as { command: string }).command,
            "kubectl delete --ignore-not-found -f delete.json",
        );
        assert.deepEqual(
            (contextFiles(remove)["delete.json"] as { items: KubeObject[] }).items.map((o) => o.kind),
            ["Deployment", "Namespace"],
        );
    });

    it("works as the engine runs it: serialized to text, loaded back, applying through the fake ARM", async () => {
        fake = await succeeding();
        const provider = await asSerialized(clusterObjectsProvider);
        const created = await provider.create(inputs(fake, objects));
        assert.equal(
            (created.outs as ClusterObjectsOutputs).digest,
            await objectsDigest({ objects, rollout }),
        );
        assert.deepEqual(contextFiles(submitted(fake)[0] ?? assert.fail("no command submitted")), {
            "apply.json": { apiVersion: "v1", kind: "List", items: objects },
        });
    });

    it("does not send expired tokens: it asks the Azure CLI, and says so when there is none", async function () {
        if (process.env.PATH?.split(path.delimiter).some((d) => existsSync(path.join(d, "az")))) this.skip();
        fake = await succeeding();
        const stale = { ...inputs(fake, objects), armToken: jwt(-60), clusterToken: jwt(-60) };
        await assert.rejects(
            clusterObjectsProvider.delete!("id", { ...stale, digest: "d", commandId: "c" }),
            /tokens saved at the last update have expired and the Azure CLI gave none for https:\/\/management\.azure\.com\/.*az login/,
        );
        assert.equal(fake.requests.length, 0, "nothing sent with an expired token");
    });

    it("treats a cluster that is already gone as deleted", async () => {
        fake = await fakeArm((_req, _body, res) => json(res, 404, { error: { code: "ResourceNotFound" } }));
        const olds = { ...inputs(fake, objects), digest: "d", commandId: "c" };
        await clusterObjectsProvider.delete!("id", olds);
    });

    it("surfaces a failed apply's output as the resource error", async () => {
        fake = await fakeArm((req, _body, res, f) =>
            req.method === "POST"
                ? accepted(res, f, "cmd-9")
                : finished(res, "cmd-9", {
                      provisioningState: "Succeeded",
                      exitCode: 1,
                      logs: 'The Deployment "mcp-tools" is invalid: spec.template.spec.containers[0].image: Required value',
                  }),
        );
        await assert.rejects(clusterObjectsProvider.create(inputs(fake, objects)), /image: Required value/);
    });

    it("changes only when the objects change, and replaces only for another cluster", async () => {
        const olds = {
            ...inputs({ url: "" } as FakeArm, objects),
            digest: await objectsDigest({ objects, rollout }),
            commandId: "c",
        };
        const same = { ...olds, armToken: "new", clusterToken: "new" };
        assert.deepEqual(await clusterObjectsDiff(olds, same), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
        assert.equal((await clusterObjectsDiff(olds, { ...same, objects: objects.slice(1) })).changes, true);
        assert.deepEqual((await clusterObjectsDiff(olds, { ...same, clusterId: `${clusterId}2` })).replaces, [
            "clusterId",
        ]);
    });
});

describe("run command building blocks", () => {
    it("prunes by group, kind, namespace and name, not by API version", () => {
        const hpa = (apiVersion: string): KubeObject => ({
            apiVersion,
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "mcp-tools", namespace: "mcp-tools" },
        });
        assert.deepEqual(removedObjects([hpa("autoscaling/v1")], [hpa("autoscaling/v2")]), []);
        assert.deepEqual(removedObjects([namespaceObject, hpa("autoscaling/v2")], [namespaceObject]), [
            hpa("autoscaling/v2"),
        ]);
    });

    it("refuses names that are not Kubernetes names in the shell command", () => {
        assert.throws(
            () => applyCommand(objects, [], { ...rollout, deployment: "x; rm -rf /" }),
            /not a Kubernetes object name/,
        );
        assert.throws(() => applyCommand([], []), /nothing to apply/);
        assert.equal(deleteCommand(objects).command, "kubectl delete --ignore-not-found -f delete.json");
    });

    it("uses the saved token while it is valid, and a fresh one after it expires", async () => {
        const fresh = (resource: string) => Promise.resolve(`fresh:${resource}`);
        const valid = jwt(3600);
        assert.equal(await usableToken(valid, "r", fresh), valid);
        assert.equal(await usableToken(jwt(60), "r", fresh), "fresh:r", "expires within the margin");
        assert.equal(await usableToken("not-a-jwt", "r", fresh), "fresh:r");
        assert.equal(await usableToken(undefined, "r", fresh), "fresh:r");
    });
});
