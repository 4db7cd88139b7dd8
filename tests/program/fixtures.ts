/** Shared test inputs: the dev stack's configuration as the runtime would see it. */
import * as assert from "node:assert/strict";
import { shippedConfig } from "../support/shipped-stacks";

/** Pulumi.dev.yaml as shipped, opted into its example identities (nothing here deploys). */
export function devConfig(): Record<string, string> {
    return shippedConfig("dev");
}

/** Dev config with some keys replaced (unprefixed names; objects/arrays given as values). */
export function devConfigWith(overrides: Record<string, unknown>): Record<string, string> {
    const config = devConfig();
    for (const [key, value] of Object.entries(overrides)) {
        const full = `agents-control-plane:${key}`;
        if (value === undefined) delete config[full];
        else config[full] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return config;
}

export function devAgents(): Record<string, unknown>[] {
    const agents = devConfig()["agents-control-plane:agents"];
    assert.ok(agents !== undefined, "Pulumi.dev.yaml lists agents");
    return JSON.parse(agents) as Record<string, unknown>[];
}
