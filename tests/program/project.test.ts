/** The project name is written in Pulumi.yaml and once in code; config keys and tags depend on both agreeing. */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { projectName } from "../../components/project";
import { ConfigError, parseStackConfig } from "../../components/config/parse";
import { shippedConfig } from "../support/shipped-stacks";

describe("project name", () => {
    it("is the name Pulumi.yaml gives the project, so the stack's config keys are the ones parsed", () => {
        const project = parse(readFileSync(path.join(__dirname, "../../Pulumi.yaml"), "utf8")) as {
            name: string;
        };
        assert.equal(project.name, projectName);
        // Keys under another namespace are not the program's: a renamed project would lose its settings.
        const renamed = Object.fromEntries(
            Object.entries(shippedConfig("dev")).map(([k, v]) => [k.replace(/^[^:]+:/, "renamed:"), v]),
        );
        const result = parseStackConfig(renamed, { stack: "dev", today: new Date("2026-12-01T00:00:00Z") });
        assert.equal(result.ok, false);
        if (!result.ok)
            assert.ok(
                result.errors.some((e) => e.startsWith(`${projectName}:publisherEmail`)),
                new ConfigError(result.errors).message,
            );
    });
});
