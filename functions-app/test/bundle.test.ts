import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { backendPaths, toolNames } from "../src/contract";
import { sampleIncidents } from "../src/sentinel/samples";
import { bundleFunctionsApp, bundleNodeServer } from "../scripts/bundle";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import { appRoot, startHostProcess } from "./support/host-process";
import { connectClient } from "./support/mcp-clients";
import { startOtlpCollector } from "./support/otlp-collector";
import { callerTrace, postTracedToolCall } from "./support/traced-call";

/** ENV and CMD of the Dockerfile, so the test runs the bundle exactly as the image would. */
async function dockerfileRuntime(): Promise<{
    env: Record<string, string>;
    cmd: string[];
    copied: string[];
}> {
    const text = await readFile(path.join(appRoot, "Dockerfile"), "utf8");
    const joined = text.replace(/\\\n/g, " ");
    const env: Record<string, string> = {};
    for (const line of joined.split("\n").filter((l) => l.startsWith("ENV "))) {
        for (const [, name, value] of line.slice(4).matchAll(/(\w+)=(\S+)/g)) {
            assert.ok(name !== undefined && value !== undefined, `ENV line: ${line}`);
            env[name] = value;
        }
    }
    const cmdLine = joined.split("\n").find((l) => l.startsWith("CMD "));
    assert.ok(cmdLine, "Dockerfile has a CMD");
    const copied = joined
        .split("\n")
        .filter((l) => l.startsWith("COPY "))
        .flatMap((l) => l.slice(5).trim().split(/\s+/).slice(0, -1));
    return { env, cmd: JSON.parse(cmdLine.slice(4)) as string[], copied };
}

describe("bundles", function () {
    let out: string;
    before(async () => (out = await mkdtemp(path.join(tmpdir(), "bundle-"))));
    after(async () => rm(out, { recursive: true, force: true }));

    it("zips the Functions app deterministically with host.json and package.json", async () => {
        const first = await bundleFunctionsApp({ outDir: path.join(out, "a") });
        const second = await bundleFunctionsApp({ outDir: path.join(out, "b") });
        assert.equal(first.sha256, second.sha256, "same code, same hash");
        const files = unzipSync(new Uint8Array(await readFile(first.zipPath)));
        // The apart files the app loads: no MCP SDK server, which the Functions host does not use.
        assert.deepEqual(Object.keys(files).sort(), [
            "dist/azure-monitor-exporter.js",
            "dist/azure-sdk.js",
            "dist/export-worker.js",
            "dist/index.js",
            "dist/orama.js",
            "dist/otlp-exporter.js",
            "dist/sentinel.js",
            "dist/tracing-sdk.js",
            "host.json",
            "package.json",
        ]);
        const fileText = (name: string): string => {
            const bytes = files[name];
            assert.ok(bytes, `${name} in the zip`);
            return Buffer.from(bytes).toString();
        };
        const host = JSON.parse(fileText("host.json")) as {
            extensions: { mcp: { system: { webhookAuthorizationLevel: string } } };
            extensionBundle: { version: string };
        };
        assert.equal(host.extensions.mcp.system.webhookAuthorizationLevel, "Anonymous");
        assert.equal(host.extensionBundle.version, "[4.0.0, 5.0.0)");
        const pkg = JSON.parse(fileText("package.json")) as { main: string };
        assert.equal(pkg.main, "dist/index.js");
        const code = fileText("dist/index.js");
        assert.ok(code.includes('require("@azure/functions-core")'), "the worker's API stays external");
        assert.ok(!code.includes(appRoot), "no machine-specific paths in the bundle");
    });

    describe("Node server bundle", () => {
        let storage: LocalStorage;
        let bare: string;
        before(async () => {
            storage = await startAzurite();
            const server = await bundleNodeServer({ outDir: path.join(out, "server-build") });
            // An empty folder with nothing but the bundle: no node_modules anywhere above it.
            bare = await mkdtemp(path.join(tmpdir(), "bare-server-"));
            for (const file of await readdir(server.directory)) {
                if (file !== "Dockerfile")
                    await copyFile(path.join(server.directory, file), path.join(bare, file));
            }
        });
        after(async () => {
            await storage?.stop();
            await rm(bare, { recursive: true, force: true });
        });

        it("starts from the bundle alone, as the Dockerfile runs it, and answers tools/list", async () => {
            const { env, cmd, copied } = await dockerfileRuntime();
            assert.deepEqual(cmd, ["server.js"]);
            assert.deepEqual(
                copied.sort(),
                (await readdir(bare)).sort(),
                "the image holds every file of the bundle",
            );
            assert.equal(env.HOST, "0.0.0.0");
            // Same variables as the image, except that tests bind loopback on a free port.
            const host = await startHostProcess(
                process.execPath,
                cmd,
                {
                    ...env,
                    HOST: "127.0.0.1",
                    PORT: "0",
                    SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString,
                },
                bare,
            );
            try {
                const client = await connectClient(host.url, "streamable-http");
                const { tools } = await client.listTools();
                assert.deepEqual(tools.map((t) => t.name).sort(), Object.values(toolNames).sort());
                await client.close();
            } finally {
                assert.equal(await host.stop(), 0);
            }
        });

        /** Starts the bare bundle logging every module it requires at run time. */
        async function startRecorded(env: Record<string, string>) {
            const recorder = path.join(out, "require-recorder.js");
            await writeFile(
                recorder,
                [
                    'const Module = require("node:module");',
                    'const { basename } = require("node:path");',
                    "const load = Module.prototype.require;",
                    "Module.prototype.require = function (id) {",
                    // Which file asked: the recorder runs in the export worker's thread too.
                    '    process.stderr.write("required " + id + " from " + basename(this.filename) + "\\n");',
                    "    return load.apply(this, arguments);",
                    "};",
                    // Node's own modules loaded so far, on request: Web Crypto loads without a require.
                    'process.on("SIGUSR2", () => process.stderr.write("internal " + process.moduleLoadList.join(",") + "\\n"));',
                ].join("\n"),
            );
            const host = await startHostProcess(
                process.execPath,
                ["--require", recorder, "server.js"],
                { SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString, ...env },
                bare,
            );
            const loads = (id: string) =>
                host
                    .output()
                    .split("\n")
                    .filter((l) => l.startsWith(`required ${id} from `)).length;
            /** The files that required `id`, by name. */
            const requiredBy = (id: string) =>
                host
                    .output()
                    .split("\n")
                    .flatMap((l) => (l.startsWith(`required ${id} from `) ? [l.split(" from ")[1]] : []));
            /** Node's internal modules the host has loaded by now. */
            const internalModules = async (): Promise<string[]> => {
                const before = host.output().length;
                host.child.kill("SIGUSR2");
                for (let waited = 0; waited < 5_000; waited += 20) {
                    const line = /^internal (.*)$/m.exec(host.output().slice(before))?.[1];
                    if (line !== undefined) return line.split(",");
                    await new Promise((resolve) => setTimeout(resolve, 20));
                }
                throw new Error("the host did not list its modules");
            };
            return { host, loads, requiredBy, internalModules };
        }

        it("answers a client's first calls without the Azure SDKs, the MCP SDK, Orama or the incident engine, and loads each on first use", async () => {
            const { host, loads, internalModules } = await startRecorded({});
            const apart = ["./azure-sdk.js", "./mcp-sdk.js", "./orama.js", "./sentinel.js"];
            // Built-ins only later requests need: hashing, files, DNS and TLS for the front door.
            const lateBuiltIns = ["node:crypto", "node:fs/promises", "node:dns", "node:https"];
            try {
                // initialize, notifications/initialized, tools/list, tools/call.
                const client = await connectClient(host.url, "streamable-http");
                assert.equal((await client.listTools()).tools.length, Object.values(toolNames).length);
                const hello = await client.callTool({ name: toolNames.hello, arguments: {} });
                assert.notEqual(hello.isError, true);
                assert.deepEqual(
                    [...apart, ...lateBuiltIns].map(loads),
                    [0, 0, 0, 0, 0, 0, 0, 0],
                    "the handshake, tools/list and hello_mcp load nothing",
                );
                // Ids for the answers come from the kernel, not from Web Crypto (about 2 ms to load).
                assert.deepEqual(
                    (await internalModules()).filter((m) => m.includes("crypto")),
                    [],
                    "no crypto module loaded",
                );
                // A page cursor takes the SDK's dispatch, which loads now.
                const paged = await client.listTools({ cursor: "next" });
                assert.equal(paged.tools.length, Object.values(toolNames).length);
                assert.equal(loads("./mcp-sdk.js"), 1);
                // Readiness still checks storage, through the SDK it loads now.
                const ready = await fetch(host.url + backendPaths.readiness);
                assert.equal(ready.status, 200, await ready.text());
                assert.deepEqual(apart.map(loads), [1, 1, 0, 0]);
                // The first incident loads the engine, once.
                for (let i = 0; i < 2; i++) {
                    const analysis = await client.callTool({
                        name: toolNames.analyzeIncident,
                        arguments: { incident: sampleIncidents[0] },
                    });
                    assert.notEqual(analysis.isError, true, JSON.stringify(analysis.content));
                }
                assert.equal(loads("./sentinel.js"), 1);
                assert.equal(loads("./tracing-sdk.js"), 0, "tracing is off: no SDK");
                await client.close();
            } finally {
                assert.equal(await host.stop(), 0);
            }
        });

        it("searches a knowledge folder with Orama from orama.js", async () => {
            const folder = await mkdtemp(path.join(tmpdir(), "bundle-knowledge-"));
            await writeFile(
                path.join(folder, "vpn.md"),
                "Reset the VPN token from the self-service portal.\n",
            );
            const { host, loads } = await startRecorded({ KNOWLEDGE_DIR: folder });
            try {
                const client = await connectClient(host.url, "streamable-http");
                const found = await client.callTool({
                    name: toolNames.knowledgeSearch,
                    arguments: { query: "vpn token" },
                });
                assert.notEqual(found.isError, true, JSON.stringify(found));
                assert.match(JSON.stringify(found.content), /self-service portal/);
                assert.equal(loads("./orama.js"), 1);
                await client.close();
            } finally {
                assert.equal(await host.stop(), 0);
                await rm(folder, { recursive: true, force: true });
            }
        });

        it("traces from the start and loads the chosen exporter's file only on the first export", async () => {
            const collector = await startOtlpCollector();
            try {
                const { host, loads, requiredBy } = await startRecorded({
                    TRACING_EXPORTER: "otlp",
                    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.tracesUrl,
                });
                let stopped = false;
                try {
                    const trace = callerTrace.traceId;
                    const res = await postTracedToolCall(host.url, toolNames.hello);
                    assert.equal(res.status, 200, await res.text());
                    assert.deepEqual(
                        [
                            "./tracing-sdk.js",
                            "node:worker_threads",
                            "./otlp-exporter.js",
                            "./azure-monitor-exporter.js",
                        ].map(loads),
                        [1, 0, 0, 0],
                        "spans wait in the batch; no export thread or exporter before the first export",
                    );
                    // Shutting down exports what the batch holds, which loads the exporter.
                    stopped = true;
                    assert.equal(await host.stop(), 0);
                    assert.deepEqual(
                        ["./otlp-exporter.js", "./azure-monitor-exporter.js"].map(loads),
                        [1, 0],
                    );
                    assert.deepEqual(
                        requiredBy("./otlp-exporter.js"),
                        ["export-worker.js"],
                        "the exporter was read in the export worker's thread, not the request thread's",
                    );
                    assert.deepEqual(collector.spans.map((span) => [span.name, span.traceId]).sort(), [
                        [`POST ${backendPaths.mcpStreamable}`, trace],
                        [`tools/call ${toolNames.hello}`, trace],
                    ]);
                } finally {
                    if (!stopped) await host.stop();
                }
            } finally {
                await collector.close();
            }
        });

        it("with tracing on, loads tracing-sdk.js from the bundle and continues the caller's trace", async () => {
            const host = await startHostProcess(
                process.execPath,
                ["server.js"],
                { SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString, TRACING_EXPORTER: "console" },
                bare,
            );
            try {
                const trace = callerTrace.traceId;
                const res = await postTracedToolCall(host.url, toolNames.getSnippet, { snippetname: "none" });
                assert.equal(res.status, 200, await res.text());
                const spanLines = () =>
                    host
                        .output()
                        .split("\n")
                        .filter((l) => l.includes('"message":"span"'));
                // The request's span ends once the exchange has closed, just after the answer arrives.
                for (let waited = 0; spanLines().length < 3 && waited < 5000; waited += 20)
                    await new Promise((resolve) => setTimeout(resolve, 20));
                const spans = spanLines().map((l) => JSON.parse(l) as { name: string; traceId: string });
                assert.deepEqual(
                    spans.map((s) => [s.name, s.traceId]),
                    [
                        ["snippets get", trace],
                        [`tools/call ${toolNames.getSnippet}`, trace],
                        [`POST ${backendPaths.mcpStreamable}`, trace],
                    ],
                );
            } finally {
                assert.equal(await host.stop(), 0);
            }
        });
    });
});
