import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import * as path from "node:path";
import { backendPaths, toolNames } from "../src/contract";
import { defaultServiceName, entraAuthenticationString } from "../src/tracing/settings";
import { bundleNodeServer } from "../scripts/bundle";
import { startHostProcess, type HostProcess } from "./support/host-process";
import { makeLoopbackCertificate, type LoopbackCertificate } from "./support/loopback-certificate";
import {
    startFakeAppInsights,
    type FakeAppInsights,
    type TelemetryEnvelope,
} from "./support/fake-app-insights";
import {
    startFakeEntraTokenEndpoint,
    type FakeEntraTokenEndpoint,
} from "./support/fake-entra-token-endpoint";
import { startFakeAppServiceIdentity } from "./support/fake-app-service-identity";
import { writeOutboundGuard, type OutboundGuard } from "./support/outbound-guard";
import { callerTrace, postTracedToolCall } from "./support/traced-call";
import {
    aksPodEnvironment,
    entraHost,
    entraToken,
    federatedToken,
    identityClientId,
    instrumentationKey,
    tenantId,
} from "./support/aks-pod-identity";

const entraDestination = `${entraHost}:443`;
/** Where the exporter sends its own metrics for a connection string outside the EU regions. */
const statsbeatDestination = "westus-0.in.applicationinsights.azure.com:443";
const { traceId: trace, spanId: callerSpan } = callerTrace;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
    for (let waited = 0; !condition(); waited += 20) {
        if (waited >= ms) throw new Error(`waited ${ms} ms for ${what}`);
        await sleep(20);
    }
}

describe("Azure Monitor export from the bundled Node host, offline", function () {
    let work: string;
    let bundleDir: string;
    let certificate: LoopbackCertificate;
    let ingestion: FakeAppInsights;
    let entra: FakeEntraTokenEndpoint;
    let guard: OutboundGuard;
    let tokenFile: string;
    before(async () => {
        work = await mkdtemp(path.join(tmpdir(), "am-export-"));
        certificate = await makeLoopbackCertificate(work, [entraHost]);
        [bundleDir, ingestion, entra] = await Promise.all([
            bundleNodeServer({ outDir: path.join(work, "build") }).then((b) => b.directory),
            startFakeAppInsights(certificate),
            startFakeEntraTokenEndpoint(certificate, entraToken),
        ]);
        // The host asks "login.microsoftonline.com" for its token, as on AKS; the guard brings it here.
        guard = await writeOutboundGuard(work, { [entraDestination]: entra.port });
        tokenFile = path.join(work, "azure-identity-token");
        await writeFile(tokenFile, federatedToken);
    });
    beforeEach(() => {
        ingestion.posts.length = 0;
        entra.tokenRequests.length = 0;
        entra.requests.length = 0;
        entra.answerDelayMs = 0;
    });
    after(async () => {
        await ingestion?.close();
        await entra?.close();
        await rm(work, { recursive: true, force: true });
    });

    const ingestionDestination = () => new URL(ingestion.endpoint).host;

    /** The tracing settings both backends write, with the identity's client id. */
    const exportSettings = (): Record<string, string> => ({
        SNIPPETS_STORAGE_ACCOUNT_URL: "https://stcontrolplane.blob.core.windows.net",
        TRACING_EXPORTER: "azure-monitor",
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${ingestion.endpoint}`,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: entraAuthenticationString(identityClientId),
        NODE_EXTRA_CA_CERTS: certificate.certFile,
    });

    const aksPod = () => aksPodEnvironment(tokenFile);

    /**
     * Starts the bare bundle with `env`, sends one traced `tools/call`, runs `meanwhile`, then
     * stops it (SIGTERM exports what the batch holds).
     */
    async function tracedCall(
        env: Record<string, string>,
        meanwhile: (host: HostProcess) => Promise<void> = () => Promise.resolve(),
    ) {
        // The exporter's offline storage (for failed sends) lives under the temporary folder.
        const spool = await mkdtemp(path.join(work, "tmp-"));
        const host = await startHostProcess(
            process.execPath,
            ["--require", guard.file, "server.js"],
            { ...env, TMPDIR: spool },
            bundleDir,
        );
        let exitCode: number | null | undefined;
        try {
            const res = await postTracedToolCall(host.url, toolNames.hello);
            assert.equal(res.status, 200, await res.text());
            await meanwhile(host);
            const stopping = Date.now();
            exitCode = await host.stop();
            const stopMs = Date.now() - stopping;
            const output = host.output();
            return {
                exitCode,
                stopMs,
                output,
                destinations: [...new Set(guard.destinations(output))].sort(),
                spooled: await readdir(spool, { recursive: true }),
            };
        } finally {
            if (exitCode === undefined) await host.stop();
        }
    }

    const envelopes = (): TelemetryEnvelope[] => ingestion.posts.flatMap((p) => p.envelopes);
    const spansArrived = () => envelopes().some((e) => e.data.baseType === "RequestData");

    it("publishes a traced tool call as an AKS pod, with the workload identity's Entra token, and reaches nothing else", async () => {
        const run = await tracedCall({ ...exportSettings(), ...aksPod() });
        assert.equal(run.exitCode, 0, run.output);
        // Token, export and exit within Kubernetes' default 30 s grace period, by far.
        assert.ok(run.stopMs < 10_000, `stopped in ${run.stopMs} ms`);
        assert.doesNotMatch(run.output, /"level":"(warn|error)"/);

        // One client-credential request at Entra: the pod's federated token for the identity.
        assert.deepEqual(entra.requests, [`POST /${tenantId}/oauth2/v2.0/token`]);
        const [tokenRequest] = entra.tokenRequests;
        assert.equal(tokenRequest?.tenant, tenantId);
        assert.equal(tokenRequest.form.grant_type, "client_credentials");
        assert.equal(tokenRequest.form.client_id, identityClientId);
        assert.equal(tokenRequest.form.scope, "https://monitor.azure.com/.default");
        assert.equal(
            tokenRequest.form.client_assertion_type,
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        );
        assert.equal(tokenRequest.form.client_assertion, federatedToken);

        // Every post to ingestion carries that token.
        assert.ok(ingestion.posts.length > 0, "something reached ingestion");
        for (const post of ingestion.posts) {
            assert.equal(post.path, "/v2.1/track");
            assert.equal(post.authorization, `Bearer ${entraToken}`);
            assert.equal(post.contentType, "application/json");
            assert.equal(post.contentEncoding, undefined, "a JSON array, not compressed");
        }
        const items = envelopes();
        assert.deepEqual(items.map((e) => e.name).sort(), [
            "Microsoft.ApplicationInsights.Metric",
            "Microsoft.ApplicationInsights.RemoteDependency",
            "Microsoft.ApplicationInsights.Request",
        ]);
        for (const item of items) {
            assert.equal(item.iKey, instrumentationKey);
            assert.equal(item.tags["ai.cloud.role"], defaultServiceName);
            // The pod's host name, from the resource (the exporter would otherwise ask the OS per span).
            assert.equal(item.tags["ai.cloud.roleInstance"], hostname());
        }
        const request = items.find((e) => e.data.baseType === "RequestData");
        const tool = items.find((e) => e.data.baseType === "RemoteDependencyData");
        assert.ok(request && tool);
        assert.equal(request.data.baseData.name, `POST ${backendPaths.mcpStreamable}`);
        assert.equal(request.data.baseData.responseCode, "200");
        assert.equal(request.data.baseData.success, true);
        assert.equal(request.tags["ai.operation.id"], trace);
        assert.equal(request.tags["ai.operation.parentId"], callerSpan);
        assert.equal(tool.data.baseData.name, `tools/call ${toolNames.hello}`);
        assert.equal(tool.data.baseData.type, "InProc");
        assert.equal(tool.data.baseData.success, true);
        assert.equal(tool.tags["ai.operation.id"], trace);
        assert.equal(tool.tags["ai.operation.parentId"], request.data.baseData.id);
        assert.deepEqual(tool.data.baseData.properties, {
            "mcp.method.name": "tools/call",
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": toolNames.hello,
            "tool.outcome": "ok",
        });

        assert.deepEqual(run.destinations, [ingestionDestination(), entraDestination].sort());
        assert.deepEqual(run.spooled, [], "nothing kept on disk for a retry");
    });

    /** Each request item with the dependency item of the same operation, and their sample rates. */
    const requestsWithTheirTools = () => {
        const items = envelopes();
        return items
            .filter((e) => e.data.baseType === "RequestData")
            .map((request) => {
                const operation = request.tags["ai.operation.id"];
                const tool = items.find(
                    (e) =>
                        e.data.baseType === "RemoteDependencyData" && e.tags["ai.operation.id"] === operation,
                );
                assert.ok(tool, `the tool item of ${operation}`);
                return {
                    operation,
                    request: request.sampleRate,
                    tool: tool.sampleRate,
                    properties: tool.data.baseData.properties,
                };
            });
    };
    /** Whether `rate` is 100/N for a whole N, as Application Insights needs to count items back. */
    const wholeShare = (rate: number | undefined) =>
        rate !== undefined && rate > 0 && rate <= 100 && Math.abs(100 / rate - Math.round(100 / rate)) < 1e-9;

    it("gives each item of a trace recorded at a share the host's sample rate, so Application Insights counts it that many times", async () => {
        const run = await tracedCall(
            // 30% of new traces, which the host rounds down to 25% (each item then stands for 4).
            { ...exportSettings(), ...aksPod(), TRACING_SAMPLE_PERCENT: "30" },
            async (host) => {
                for (let i = 0; i < 60; i++) {
                    const res = await postTracedToolCall(host.url, toolNames.hello, {}, null);
                    assert.equal(res.status, 200);
                    await res.arrayBuffer();
                }
            },
        );
        assert.equal(run.exitCode, 0, run.output);
        const traces = requestsWithTheirTools();
        // The caller's own sampled trace is followed whole: no rate, which the exporter writes as 100.
        const followed = traces.filter((t) => t.operation === trace);
        assert.deepEqual(
            followed.map((t) => [t.request, t.tool]),
            [[100, 100]],
        );
        const sampled = traces.filter((t) => t.operation !== trace);
        assert.ok(sampled.length > 0 && sampled.length < 40, `${sampled.length} of 60 new traces exported`);
        for (const t of sampled) {
            assert.deepEqual([t.request, t.tool], [25, 25], t.operation);
            assert.ok(
                !("microsoft.sample_rate" in (t.properties as object)),
                "no custom dimension of its own",
            );
        }
    });

    it("as deployed, rate-limited at 5 traces a second: each item carries the rate its trace was recorded at", async () => {
        // Trace ids whose words XOR to 1, which every percentage above 0 keeps: all 40 are recorded,
        // each at the rate the limit gave it.
        const ids = Array.from({ length: 40 }, (_, i) => {
            const word = (i + 1).toString(16).padStart(8, "0");
            return `${word}${word}0000000000000001`;
        });
        const run = await tracedCall(
            { ...exportSettings(), ...aksPod(), TRACING_TRACES_PER_SECOND: "5" },
            async (host) => {
                for (const id of ids) {
                    const res = await postTracedToolCall(
                        host.url,
                        toolNames.hello,
                        {},
                        `00-${id}-${callerSpan}-01`,
                    );
                    assert.equal(res.status, 200);
                    await res.arrayBuffer();
                }
            },
        );
        assert.equal(run.exitCode, 0, run.output);
        const traces = requestsWithTheirTools();
        assert.deepEqual(traces.map((t) => t.operation).sort(), [trace, ...ids].sort());
        // The host's first call, after no load at all, is recorded whole.
        assert.deepEqual(
            traces.filter((t) => t.operation === trace).map((t) => [t.request, t.tool]),
            [[100, 100]],
        );
        for (const t of traces) {
            assert.ok(wholeShare(t.request), `${t.operation}: ${t.request}`);
            assert.equal(t.tool, t.request, `${t.operation}: the tool item carries its request's rate`);
        }
        // Calls milliseconds apart are far above 5 a second: the limit cuts the rate at once.
        const rates = traces.filter((t) => t.operation !== trace).map((t) => t.request ?? 100);
        assert.ok(
            rates.every((r) => r < 100),
            rates.join(", "),
        );
    });

    it("publishes with the token of the site's managed identity endpoint, as on Functions", async () => {
        const identity = await startFakeAppServiceIdentity("site-identity-token-for-monitor");
        try {
            const run = await tracedCall({
                ...exportSettings(),
                IDENTITY_ENDPOINT: identity.endpoint,
                IDENTITY_HEADER: identity.secret,
                FUNCTIONS_WORKER_RUNTIME: "node",
            });
            assert.equal(run.exitCode, 0, run.output);
            assert.equal(identity.tokenRequests.length, 1);
            const [tokenRequest] = identity.tokenRequests;
            assert.equal(tokenRequest?.identityHeader, identity.secret);
            assert.equal(tokenRequest.query.resource, "https://monitor.azure.com");
            assert.equal(tokenRequest.query.client_id, identityClientId);
            assert.ok(spansArrived());
            for (const post of ingestion.posts)
                assert.equal(post.authorization, "Bearer site-identity-token-for-monitor");
            assert.deepEqual(
                run.destinations,
                [ingestionDestination(), new URL(identity.endpoint).host].sort(),
            );
        } finally {
            await identity.close();
        }
    });

    it("on SIGTERM, finishes an export already under way (its token still coming) before it exits", async () => {
        entra.answerDelayMs = 400;
        const run = await tracedCall(
            // The batch goes at once, so the stop lands while its first export waits for its token.
            { ...exportSettings(), ...aksPod(), OTEL_BSP_SCHEDULE_DELAY: "20" },
            () => until(() => entra.tokenRequests.length > 0, "the token request"),
        );
        assert.equal(run.exitCode, 0, run.output);
        assert.equal(ingestion.posts.length, 1);
        assert.ok(spansArrived(), "the batch in flight reached ingestion");
        assert.ok(run.stopMs >= 300, `stopped in ${run.stopMs} ms, before the token came`);
    });

    it("on SIGTERM, gives an export that cannot finish 10 s, then exits and says the spans are lost", async () => {
        // The token comes after the stop's bound: the batch waits for it past the host's deadline.
        entra.answerDelayMs = 12_000;
        const run = await tracedCall(
            { ...exportSettings(), ...aksPod(), OTEL_BSP_SCHEDULE_DELAY: "20" },
            () => until(() => entra.tokenRequests.length > 0, "the token request"),
        );
        assert.equal(run.exitCode, 0, run.output);
        assert.ok(run.stopMs >= 9_500 && run.stopMs < 11_500, `stopped in ${run.stopMs} ms`);
        assert.match(run.output, /"level":"warn","message":"trace export did not finish in time/);
        assert.equal(ingestion.posts.length, 0, "nothing reached ingestion without its token");
    });

    it("sends the exporter's own metrics (statsbeat) to Microsoft unless APPLICATION_INSIGHTS_NO_STATSBEAT is set", async () => {
        // The batch goes at once and statsbeat's daily report every 200 ms (the exporter's own knob).
        const soon = { OTEL_BSP_SCHEDULE_DELAY: "20", LONG_INTERVAL_EXPORT_MILLIS: "200" };
        // A refused statsbeat report disturbs neither the trace export nor the stop.
        const byDefault = await tracedCall({ ...exportSettings(), ...aksPod(), ...soon }, async (host) => {
            await until(spansArrived, "the spans at ingestion");
            await until(() => guard.destinations(host.output()).includes(statsbeatDestination), "statsbeat");
        });
        assert.equal(byDefault.exitCode, 0, byDefault.output);
        assert.doesNotMatch(byDefault.output, /"level":"(warn|error)"/);
        assert.deepEqual(
            byDefault.destinations,
            [ingestionDestination(), entraDestination, statsbeatDestination].sort(),
        );

        ingestion.posts.length = 0;
        const off = await tracedCall(
            { ...exportSettings(), ...aksPod(), ...soon, APPLICATION_INSIGHTS_NO_STATSBEAT: "true" },
            async () => {
                await until(spansArrived, "the spans at ingestion");
                await sleep(600);
            },
        );
        assert.equal(off.exitCode, 0, off.output);
        assert.deepEqual(off.destinations, [ingestionDestination(), entraDestination].sort());
    });
});
