import assert from "node:assert/strict";
import { appRoles, gatewayRole } from "../src/contract";
import { BearerAuthenticator } from "../src/node-host/http/auth";
import { VerifiedTokens } from "../src/node-host/http/verified-tokens";
import { startTokenIssuer, type TokenIssuer } from "./support/token-issuer";

const audience = "api://verified-tokens-test";

describe("verified tokens are not verified again, and still expire", () => {
    let issuer: TokenIssuer;
    let clock: number;
    let authenticator: BearerAuthenticator;

    before(async () => (issuer = await startTokenIssuer()));
    after(async () => issuer?.close());
    beforeEach(() => {
        clock = Date.now();
        authenticator = new BearerAuthenticator(
            { issuer: issuer.issuer, audiences: [audience], jwksUri: issuer.jwksUri },
            () => clock,
        );
    });

    const gatewayToken = () =>
        issuer.sign({ aud: audience, azp: "gateway", roles: [gatewayRole] }, { expiresIn: "10m" });

    it("reads the forwarded caller and roles of every request, whatever it remembers of the token", async () => {
        const token = await gatewayToken();
        const first = await authenticator.authenticate(`Bearer ${token}`, {
            callerId: "agent-1",
            roles: appRoles.toolsInvoke,
        });
        assert.ok(first.ok);
        assert.deepEqual([first.caller.id, first.caller.roles], ["agent-1", [appRoles.toolsInvoke]]);
        const second = await authenticator.authenticate(`Bearer ${token}`, { callerId: "agent-2" });
        assert.ok(second.ok);
        assert.deepEqual([second.caller.id, second.caller.roles], ["agent-2", []]);
    });

    it("answers a remembered token at once, without a promise, and still reads each request's headers", async () => {
        const token = await gatewayToken();
        const first = authenticator.authenticate(`Bearer ${token}`, { callerId: "agent-1" });
        assert.ok(first instanceof Promise, "the first sight of a token is verified against the keys");
        assert.equal((await first).ok, true);
        for (const header of [`Bearer ${token}`, `bearer ${token}`, `Bearer  ${token} `]) {
            const again = authenticator.authenticate(header, {
                callerId: "agent-2",
                roles: appRoles.snippetsRead,
            });
            assert.ok(!(again instanceof Promise), header);
            assert.ok(again.ok);
            assert.deepEqual([again.caller.id, again.caller.roles], ["agent-2", [appRoles.snippetsRead]]);
        }
        const malformed = authenticator.authenticate(`Bearer ${token}!`);
        assert.ok(!(malformed instanceof Promise));
        assert.deepEqual(malformed, {
            ok: false,
            status: 401,
            error: "invalid_request",
            description: "malformed Authorization header",
        });
    });

    it("refuses a remembered token once it has expired", async () => {
        const token = await gatewayToken();
        assert.equal((await authenticator.authenticate(`Bearer ${token}`)).ok, true);
        clock += 9 * 60_000;
        assert.equal((await authenticator.authenticate(`Bearer ${token}`)).ok, true, "within its lifetime");
        // Past exp and the 60 s clock tolerance.
        clock += 2 * 60_000 + 1_000;
        const expired = await authenticator.authenticate(`Bearer ${token}`);
        assert.deepEqual(expired, {
            ok: false,
            status: 401,
            error: "invalid_token",
            description: "token expired",
        });
    });

    it("refuses a tampered copy of a remembered token", async () => {
        const token = await gatewayToken();
        assert.equal((await authenticator.authenticate(`Bearer ${token}`)).ok, true);
        // A character in the middle of the signature (the last one may only hold padding bits).
        const at = token.lastIndexOf(".") + 20;
        const tamperedToken = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
        const tampered = await authenticator.authenticate(`Bearer ${tamperedToken}`);
        assert.equal(tampered.ok, false);
    });

    it("does not remember a token that failed, so the next try is verified again", async () => {
        const foreign = await issuer.sign(
            { aud: audience, azp: "x", roles: [gatewayRole] },
            { key: "unknown" },
        );
        for (let i = 0; i < 2; i++) {
            const result = await authenticator.authenticate(`Bearer ${foreign}`);
            assert.equal(result.ok, false);
        }
    });
});

describe("VerifiedTokens", () => {
    const options = { maxEntries: 2, maxAgeMs: 60_000, clockToleranceSeconds: 60 };
    const t0 = 1_800_000_000_000;
    const exp = t0 / 1000 + 600;

    it("forgets an entry after its maximum age, before the token expires", () => {
        const tokens = new VerifiedTokens(options);
        tokens.add("a", exp, { exp }, t0);
        assert.deepEqual(tokens.get("a", t0 + 59_999), { exp });
        assert.equal(tokens.get("a", t0 + 60_000), undefined);
    });

    it("forgets an entry when the token expires, clock tolerance included", () => {
        const tokens = new VerifiedTokens({ ...options, maxAgeMs: 3_600_000 });
        tokens.add("a", exp, { exp }, t0);
        assert.ok(tokens.get("a", (exp + 59) * 1000));
        assert.equal(tokens.get("a", (exp + 60) * 1000), undefined);
    });

    it("keeps nothing for a token without exp or already past it", () => {
        const tokens = new VerifiedTokens(options);
        tokens.add("no-exp", undefined, {}, t0);
        tokens.add("late", t0 / 1000 - 61, {}, t0);
        assert.equal(tokens.get("no-exp", t0), undefined);
        assert.equal(tokens.get("late", t0), undefined);
    });

    it("drops the oldest entry when full, even when it was the one found last", () => {
        const tokens = new VerifiedTokens<string>(options);
        tokens.add("a", exp, "A", t0);
        assert.equal(tokens.get("a", t0), "A");
        tokens.add("b", exp, "B", t0);
        tokens.add("c", exp, "C", t0);
        assert.equal(tokens.get("a", t0), undefined);
        assert.deepEqual([tokens.get("b", t0), tokens.get("c", t0)], ["B", "C"]);
    });

    it("answers a token verified again with what it was verified with last", () => {
        const tokens = new VerifiedTokens<string>({ ...options, maxAgeMs: 3_600_000 });
        tokens.add("a", exp, "first", t0);
        assert.equal(tokens.get("a", t0), "first");
        tokens.add("a", exp + 600, "second", t0 + 1_000);
        assert.equal(tokens.get("a", t0 + 1_000), "second");
        // The later entry's own lifetime counts, not the first one's.
        assert.equal(tokens.get("a", (exp + 61) * 1000), "second");
    });

    it("drops the oldest entry when full", () => {
        const tokens = new VerifiedTokens(options);
        tokens.add("a", exp, { exp }, t0);
        tokens.add("b", exp, { exp }, t0);
        tokens.add("c", exp, { exp }, t0);
        assert.deepEqual(
            ["a", "b", "c"].map((t) => tokens.get(t, t0) !== undefined),
            [false, true, true],
        );
    });
});
