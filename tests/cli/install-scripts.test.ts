/**
 * `npm ci` prints no warning about install scripts: every dependency that has one is decided in
 * package.json's `allowScripts`. Asked of npm itself (`npm install-scripts ls`, npm 11.x and later).
 */
import * as assert from "node:assert/strict";
import { runProcess } from "./run-process";

describe("install scripts: every one is decided in package.json", () => {
    it("npm lists no dependency whose install script is unreviewed", async function () {
        this.timeout(60_000);
        const listed = await runProcess("npm", ["install-scripts", "ls"]);
        // npm before the allowScripts policy has no such command and runs every script silently.
        if (/Unknown command/i.test(listed.stderr)) return this.skip();
        assert.equal(listed.code, 0, listed.stderr);
        assert.equal(listed.stdout.trim(), "No packages with unreviewed install scripts.");
    });
});
