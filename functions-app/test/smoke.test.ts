import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { endpointsFor, formatTable, modernRevision, parseArgs, runSmoke, UsageError } from "../scripts/smoke";
import { appRoot, type HostProcess } from "./support/host-process";
import { startHostOnAzurite } from "./support/host-on-azurite";
import { startLegacyFront, type LegacyFront } from "./support/legacy-front";

/** Runs `npm run smoke`'s script as a process and returns its exit code and output. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            ["--import", "tsx", path.join(appRoot, "scripts", "smoke.ts"), ...args],
            { cwd: appRoot, timeout: 20_000 },
            (error, stdout, stderr) => {
                const code = error ? (typeof error.code === "number" ? error.code : null) : 0;
                resolve({ code, stdout, stderr });
            },
        );
    });
}

describe("smoke client", function () {
    let stopHost: () => Promise<number | null>;
    let host: HostProcess;
    let front: LegacyFront;
    before(async () => {
        ({ host, stop: stopHost } = await startHostOnAzurite());
        front = await startLegacyFront(host.url);
    });
    after(async () => {
        await front?.stop();
        await stopHost?.();
    });

    const streamable = (checks: Awaited<ReturnType<typeof runSmoke>>) =>
        checks.filter((c) => c.name.startsWith("streamable-http:"));

    /** The host's endpoints, with Streamable HTTP through the legacy-only front. */
    const legacyOnly = () => ({
        ...endpointsFor(host.url, "backend"),
        mcp: endpointsFor(front.url, "backend").mcp,
    });

    it("uses the modern revision without a handshake where the server offers it (the host)", async () => {
        const checks = await runSmoke(endpointsFor(host.url, "backend"));
        assert.ok(checks.length >= 18, `ran ${checks.length} checks`);
        assert.deepEqual(
            checks.filter((c) => !c.ok),
            [],
            formatTable(checks),
        );
        assert.deepEqual(new Set(streamable(checks).map((c) => c.revision)), new Set([modernRevision]));
        assert.match(streamable(checks)[0]?.detail ?? "", /modern revision, no initialize handshake/);
        // HTTP+SSE has no modern revision: it still negotiates the legacy handshake.
        assert.equal(checks.find((c) => c.name.startsWith("sse: connect"))?.revision, "2025-11-25");
        assert.deepEqual(
            checks.filter((c) => c.name.startsWith("webhook:")).map((c) => c.revision),
            [undefined, undefined, undefined, undefined],
        );
    });

    it("tries the modern revision first and falls back to the legacy handshake on a legacy-only server", async () => {
        const refusedBefore = front.modernRequests();
        const checks = await runSmoke(legacyOnly());
        assert.deepEqual(
            checks.filter((c) => !c.ok),
            [],
            formatTable(checks),
        );
        assert.ok(front.modernRequests() > refusedBefore, "the modern probe reached the server first");
        assert.match(
            streamable(checks)[0]?.detail ?? "",
            /fell back, the server\/discover probe found no modern revision/,
        );
        assert.deepEqual(new Set(streamable(checks).map((c) => c.revision)), new Set(["2025-11-25"]));
    });

    it("--protocol modern fails on a legacy-only server instead of falling back", async () => {
        const checks = await runSmoke(legacyOnly(), undefined, "modern");
        const connect = checks.find((c) => c.name === "streamable-http: connect (--protocol modern)");
        assert.equal(connect?.ok, false);
        assert.match(connect?.detail ?? "", /did not offer pinned protocol version 2026-07-28/);
        assert.ok(!checks.some((c) => c.name === "streamable-http: tools/list"));
        assert.match(checks.find((c) => c.name === "sse: all checks")?.detail ?? "", /^skipped: HTTP\+SSE/);
    });

    it("--protocol legacy keeps the handshake and never probes", async () => {
        const refusedBefore = front.modernRequests();
        const checks = await runSmoke(legacyOnly(), undefined, "legacy");
        assert.deepEqual(
            checks.filter((c) => !c.ok),
            [],
            formatTable(checks),
        );
        assert.deepEqual(new Set(streamable(checks).map((c) => c.revision)), new Set(["2025-11-25"]));
        assert.equal(front.modernRequests(), refusedBefore);
    });

    it("reports a failure when the target is wrong", async () => {
        const checks = await runSmoke(endpointsFor(host.url, "gateway"));
        assert.ok(checks.some((c) => !c.ok));
        assert.match(formatTable(checks), /\d+ passed, [1-9]\d* failed/);
    });

    it("picks gateway paths for remote hosts and backend paths for loopback", () => {
        assert.equal(parseArgs(["https://apim.azure-api.net"], {}).layout, "gateway");
        assert.equal(parseArgs(["http://127.0.0.1:7071"], {}).layout, "backend");
        assert.equal(endpointsFor("https://gw", "gateway").mcp, "https://gw/mcp");
        assert.equal(parseArgs(["https://gw", "--token", "t"], {}).token, "t");
        assert.equal(parseArgs(["https://gw"], { MCP_TOKEN: "from-env" }).token, "from-env");
        assert.equal(parseArgs(["https://gw", "--agent", "a"], { MCP_TOKEN: "from-env" }).token, undefined);
        assert.equal(parseArgs([], {}).protocol, "auto");
        assert.equal(parseArgs(["--protocol", "legacy"], {}).protocol, "legacy");
    });

    it("refuses bad command lines with a usage error", () => {
        for (const argv of [
            ["--bogus"],
            ["--protocol", "2026"],
            ["--layout", "edge"],
            ["--token"],
            ["--agent", "--layout", "gateway"],
            ["ftp://host"],
            ["not a url"],
            ["http://a", "http://b"],
            ["--token", "t", "--agent", "a"],
        ]) {
            assert.throws(() => parseArgs(argv, {}), UsageError, argv.join(" "));
        }
    });

    it("as a command: --help prints every flag with its default; bad input exits 2 with one line", async () => {
        const [help, unknown, badValue] = await Promise.all([
            runCli(["--help"]),
            runCli(["--bogus"]),
            runCli(["--protocol", "newest"]),
        ]);
        assert.equal(help.code, 0);
        for (const flag of ["--layout", "--protocol", "--token", "--agent", "--help"]) {
            assert.ok(help.stdout.includes(flag), `usage lacks ${flag}`);
        }
        assert.match(help.stdout, /default http:\/\/127\.0\.0\.1:7071/);
        assert.match(help.stdout, /default auto/);
        assert.match(help.stdout, /default: the MCP_TOKEN variable/);
        for (const [run, message] of [
            [unknown, "smoke: unknown flag --bogus (--help lists the flags)\n"],
            [
                badValue,
                "smoke: --protocol must be auto, modern or legacy, got newest (--help lists the flags)\n",
            ],
        ] as const) {
            assert.equal(run.code, 2);
            assert.equal(run.stderr, message);
            assert.equal(run.stdout, "");
        }
    });
});
