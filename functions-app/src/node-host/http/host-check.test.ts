import assert from "node:assert/strict";
import { hostAllowListFor } from "./host-check";

describe("Host allow-list", () => {
    it("serves only the names the server goes by, whatever it allowed just before", () => {
        const hosts = hostAllowListFor({
            listenHost: "127.0.0.1",
            publicBaseUrl: "https://gw.example.com/mcp",
        });
        const sequence: [string | undefined, boolean][] = [
            ["gw.example.com", true],
            ["gw.example.com", true],
            ["evil.example.com", false],
            ["gw.example.com:8443", true],
            ["GW.EXAMPLE.COM.", true],
            ["gw.example.com.evil.example.com", false],
            ["localhost:7071", true],
            ["[::1]:7071", true],
            ["10.0.0.5", false],
            [undefined, true],
            ["gw.example.com", true],
            ["evil.example.com", false],
        ];
        assert.deepEqual(
            sequence.map(([header]) => hosts.allows(header)),
            sequence.map(([, allowed]) => allowed),
        );
    });

    it("serves any IP literal on a wildcard listener, and any name only with '*'", () => {
        const wildcard = hostAllowListFor({ listenHost: "0.0.0.0" });
        assert.deepEqual(
            ["10.0.0.5:8080", "[fd00::5]", "svc.internal"].map((h) => wildcard.allows(h)),
            [true, true, false],
        );
        const any = hostAllowListFor({ listenHost: "127.0.0.1", allowedHosts: ["*"] });
        assert.equal(any.allows("anything.example"), true);
    });
});
