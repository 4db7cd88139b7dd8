import * as assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { oneDeploy, OneDeployError } from "../../components/functions/onedeploy/client";
import { oneDeployDiff } from "../../components/functions/onedeploy/provider";
import { asSerialized } from "./serialized";

type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => unknown;

interface Fake {
    readonly url: string;
    readonly requests: {
        method: string;
        url: string;
        auth: string | undefined;
        contentType: string | undefined;
        body: Buffer;
    }[];
    close(): Promise<void>;
}

/** A fake SCM endpoint on 127.0.0.1 whose behaviour each test scripts. */
async function fakeScm(handler: Handler): Promise<Fake> {
    const requests: Fake["requests"] = [];
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body = Buffer.concat(chunks);
            requests.push({
                method: req.method ?? "",
                url: req.url ?? "",
                auth: req.headers.authorization,
                contentType: req.headers["content-type"],
                body,
            });
            handler(req, body, res);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
            new Promise<void>((resolve) => {
                server.closeAllConnections();
                server.close(() => resolve());
            }),
    };
}

const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);
const fast = { pollIntervalMs: 5, initialBackoffMs: 5, token: "t0ken", zip };

/** A clock that only moves when the client sleeps: retries take no real time. */
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

function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

describe("OneDeploy client", () => {
    let fake: Fake | undefined;
    afterEach(async () => {
        await fake?.close();
        fake = undefined;
    });

    it("publishes the zip with a bearer token, then polls until status 4", async () => {
        let polls = 0;
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") return json(res, 202, { id: "dep-1" });
            polls++;
            json(res, 200, {
                id: "dep-1",
                status: polls < 3 ? 1 : 4,
                status_text: polls < 3 ? "Building" : "Success",
            });
        });
        const result = await oneDeploy({ ...fast, scmBaseUrl: fake.url });
        assert.deepEqual(result, { deploymentId: "dep-1", status: 4, statusText: "Success" });
        const [publish, ...statuses] = fake.requests;
        assert.ok(publish);
        assert.equal(publish.method, "POST");
        assert.equal(publish.url, "/api/publish?RemoteBuild=false");
        assert.equal(publish.auth, "Bearer t0ken");
        assert.equal(publish.contentType, "application/zip");
        assert.deepEqual(new Uint8Array(publish.body), zip);
        assert.equal(statuses.length, 3);
        for (const s of statuses) {
            assert.equal(s.url, "/api/deployments/dep-1");
            assert.equal(s.auth, "Bearer t0ken");
        }
    });

    it("takes the deployment id from the Location header when the body has none", async () => {
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") res.writeHead(202, { location: "/api/deployments/abc-9" }).end();
            else json(res, 200, { status: 4 });
        });
        const result = await oneDeploy({ ...fast, scmBaseUrl: fake.url });
        assert.equal(result.deploymentId, "abc-9");
        assert.equal(fake.requests[1]?.url, "/api/deployments/abc-9");
    });

    it("fails instead of polling 'latest' when the publish answer names no deployment", async () => {
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") res.writeHead(202).end();
            else json(res, 200, { status: 4 }); // the previous deployment's success must not count
        });
        await assert.rejects(oneDeploy({ ...fast, scmBaseUrl: fake.url }), (error: unknown) => {
            assert.ok(error instanceof OneDeployError);
            assert.match(error.message, /named no deployment id/);
            return true;
        });
        assert.equal(fake.requests.length, 1, "nothing polled");
    });

    it("fails with Kudu's status text when the deployment reports status 3", async () => {
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") return json(res, 202, "dep-2");
            json(res, 200, { status: 3, status_text: "Package is missing host.json" });
        });
        await assert.rejects(
            oneDeploy({ ...fast, scmBaseUrl: fake.url }),
            (err: unknown) =>
                err instanceof OneDeployError &&
                /deployment dep-2 failed: Package is missing host.json/.test(err.message),
        );
    });

    it("retries transient 5xx on publish and on polling", async () => {
        let publishCalls = 0;
        let statusCalls = 0;
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") {
                publishCalls++;
                return publishCalls < 3 ? json(res, 503, { error: "busy" }) : json(res, 202, { id: "dep-3" });
            }
            statusCalls++;
            return statusCalls === 1 ? json(res, 502, {}) : json(res, 200, { status: 4 });
        });
        const result = await oneDeploy({ ...fast, scmBaseUrl: fake.url });
        assert.equal(result.status, 4);
        assert.equal(publishCalls, 3);
        assert.equal(statusCalls, 2);
        // Every publish attempt carried the whole package.
        for (const r of fake.requests.filter((x) => x.method === "POST"))
            assert.equal(r.body.length, zip.length);
    });

    it("gives up after the configured number of attempts", async () => {
        fake = await fakeScm((_req, _body, res) => json(res, 500, { error: "down" }));
        await assert.rejects(
            oneDeploy({ ...fast, scmBaseUrl: fake.url, maxAttempts: 3 }),
            /publish failed after 3 attempts: 500/,
        );
        assert.equal(fake.requests.length, 3);
    });

    it("does not retry a client error such as 400", async () => {
        fake = await fakeScm((_req, _body, res) => json(res, 400, { error: "bad package" }));
        await assert.rejects(oneDeploy({ ...fast, scmBaseUrl: fake.url }), /publish answered 400/);
        assert.equal(fake.requests.length, 1);
    });

    it("retries 403 while a fresh role assignment propagates, apart from the transient-failure attempts", async () => {
        const clock = fakeClock();
        let publishes = 0;
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") {
                publishes++;
                return publishes <= 4
                    ? json(res, 403, { error: "AuthorizationFailed" })
                    : json(res, 202, { id: "dep-5" });
            }
            json(res, 200, { status: 4 });
        });
        const started = Date.now();
        const result = await oneDeploy({
            ...fast,
            ...clock,
            scmBaseUrl: fake.url,
            // One attempt for 5xx: the 403s must not spend it.
            maxAttempts: 1,
            authRetryMs: 120_000,
            authRetryIntervalMs: 15_000,
        });
        assert.equal(result.deploymentId, "dep-5");
        assert.equal(publishes, 5);
        // Four 15 s waits on the injected clock (then one 5 ms poll), none of them real.
        assert.equal(clock.slept.filter((ms) => ms === 15_000).length, 4);
        assert.ok(Date.now() - started < 2000);
        for (const r of fake.requests.filter((x) => x.method === "POST"))
            assert.deepEqual(new Uint8Array(r.body), zip, "every retry sent the package");
    });

    it("fails with the likely cause once 401 outlasts the budget", async () => {
        const clock = fakeClock();
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") return json(res, 202, { id: "dep-6" });
            json(res, 401, { error: "InvalidAuthenticationToken" });
        });
        await assert.rejects(
            oneDeploy({
                ...fast,
                ...clock,
                scmBaseUrl: fake.url,
                authRetryMs: 60_000,
                authRetryIntervalMs: 15_000,
            }),
            (error: unknown) => {
                assert.ok(error instanceof OneDeployError);
                assert.match(error.message, /^status answered 401 for 60 s \(.*InvalidAuthenticationToken/);
                assert.match(error.message, /deploying identity's role on the function app/);
                assert.match(error.message, /Storage Blob Data Owner on its deployment container/);
                assert.match(error.message, /not in effect yet/);
                return true;
            },
        );
        // One publish, then status polls at 0, 15, 30, 45 and 60 s on the injected clock.
        assert.deepEqual(
            fake.requests.map((r) => r.method),
            ["POST", "GET", "GET", "GET", "GET", "GET"],
        );
        assert.equal(clock.now(), 60_000);
    });

    it("starts the 401/403 budget afresh after an authorized answer", async () => {
        const clock = fakeClock();
        let publishes = 0;
        let polls = 0;
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") {
                publishes++;
                return publishes <= 2 ? json(res, 403, {}) : json(res, 202, { id: "dep-7" });
            }
            polls++;
            return polls <= 2 ? json(res, 403, {}) : json(res, 200, { status: 4 });
        });
        // 20 s of 403 on publish and 20 s on polling: each stays inside a 30 s budget.
        const result = await oneDeploy({
            ...fast,
            ...clock,
            scmBaseUrl: fake.url,
            authRetryMs: 30_000,
            authRetryIntervalMs: 10_000,
        });
        assert.equal(result.deploymentId, "dep-7");
        assert.deepEqual([publishes, polls], [3, 3]);
    });

    it("works as serialized into the dynamic provider, 403 retries included", async () => {
        const clock = fakeClock();
        let publishes = 0;
        fake = await fakeScm((req, _body, res) => {
            if (req.method !== "POST") return json(res, 200, { status: 4 });
            return ++publishes === 1 ? json(res, 403, {}) : json(res, 202, { id: "dep-8" });
        });
        const serialized = await asSerialized(oneDeploy);
        const result = await serialized({
            ...fast,
            ...clock,
            scmBaseUrl: fake.url,
            authRetryIntervalMs: 15_000,
        });
        assert.equal(result.deploymentId, "dep-8");
        assert.equal(publishes, 2);
    });

    it("times out when the deployment never finishes", async () => {
        fake = await fakeScm((req, _body, res) => {
            if (req.method === "POST") return json(res, 202, { id: "dep-4" });
            json(res, 200, { status: 2, status_text: "Deploying" });
        });
        const started = Date.now();
        await assert.rejects(
            oneDeploy({ ...fast, scmBaseUrl: fake.url, pollIntervalMs: 20, timeoutMs: 150 }),
            /deployment dep-4 did not finish/,
        );
        assert.ok(Date.now() - started < 2000);
        assert.ok(fake.requests.length >= 3, "it kept polling until the deadline");
    });
});

describe("OneDeploy resource diff", () => {
    const olds = { scmHost: "app.scm.azurewebsites.net", sha256: "a".repeat(64), deploymentId: "d1" };
    const news = {
        scmHost: "app.scm.azurewebsites.net",
        sha256: "a".repeat(64),
        zipPath: "/tmp/other/pkg.zip",
        token: "new",
    };

    it("does not redeploy when only the zip path or token changed", () => {
        assert.deepEqual(oneDeployDiff(olds, news), {
            changes: false,
            replaces: [],
            deleteBeforeReplace: false,
        });
    });
    it("redeploys when the package hash changed", () => {
        assert.deepEqual(oneDeployDiff(olds, { ...news, sha256: "b".repeat(64) }).changes, true);
    });
    it("replaces when the target app changed", () => {
        assert.deepEqual(oneDeployDiff(olds, { ...news, scmHost: "other.scm.azurewebsites.net" }).replaces, [
            "scmHost",
        ]);
    });
});
