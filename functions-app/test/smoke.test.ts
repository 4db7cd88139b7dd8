import assert from "node:assert/strict";
import { startAzurite, type LocalStorage } from "../scripts/azurite";
import { endpointsFor, formatTable, parseArgs, runSmoke } from "../scripts/smoke";
import { startHostFromSource, type HostProcess } from "./support/host-process";

describe("smoke client", function () {
    let storage: LocalStorage;
    let host: HostProcess;
    before(async () => {
        storage = await startAzurite();
        host = await startHostFromSource({ SNIPPETS_STORAGE_CONNECTION_STRING: storage.connectionString });
    });
    after(async () => {
        await host?.stop();
        await storage?.stop();
    });

    it("passes every check against a local host", async () => {
        const checks = await runSmoke(endpointsFor(host.url, "backend"));
        assert.ok(checks.length >= 18, `ran ${checks.length} checks`);
        assert.deepEqual(
            checks.filter((c) => !c.ok),
            [],
            formatTable(checks),
        );
    });

    it("reports a failure when the target is wrong", async () => {
        const checks = await runSmoke(endpointsFor(host.url, "gateway"));
        assert.ok(checks.some((c) => !c.ok));
        assert.match(formatTable(checks), /\d+ passed, [1-9]\d* failed/);
    });

    it("picks gateway paths for remote hosts and backend paths for loopback", () => {
        assert.equal(parseArgs(["https://apim.azure-api.net"]).layout, "gateway");
        assert.equal(parseArgs(["http://127.0.0.1:7071"]).layout, "backend");
        assert.equal(endpointsFor("https://gw", "gateway").mcp, "https://gw/mcp");
        assert.equal(parseArgs(["https://gw", "--token", "t"]).token, "t");
    });
});
