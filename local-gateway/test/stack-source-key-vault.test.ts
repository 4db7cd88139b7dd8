/**
 * The local gateway reads Key Vault-backed named values the way APIM does: from the secret the
 * reference names, here the secret the synthesized stack writes, so the Functions backend's
 * credential header carries the key the program stored in the vault.
 */
import * as assert from "node:assert/strict";
import { functionsKeyHeader, functionsKeyNamedValue } from "../../components/gateway/mcp-apis";
import { mockMcpExtensionKey } from "../../scripts/lib/mocks";
import type { RecordedResource } from "../../scripts/lib/synthesize";
import { synthesizedOnce } from "../../tests/support/synthesized-once";
import { vaultStacks } from "../../tests/support/vault-stacks";
import { StackSourceError, stackSourceFrom } from "../src/stack-source";

describe("local gateway: Key Vault-backed named values", function () {
    this.timeout(60_000);
    let resources: RecordedResource[];
    let outputs: Record<string, unknown>;
    before(async () => {
        ({ resources, outputs } = await synthesizedOnce(vaultStacks.dev));
    });

    it("resolves the Functions key from the vault secret the stack writes", () => {
        const source = stackSourceFrom("dev", resources, outputs);
        assert.equal(source.namedValues.get(functionsKeyNamedValue), mockMcpExtensionKey);
        const backend = [...source.backends.values()][0];
        assert.deepEqual(backend?.headers, [[functionsKeyHeader, [`{{${functionsKeyNamedValue}}}`]]]);
    });

    it("refuses a reference to a secret the stack does not write, naming it", () => {
        const withoutSecret = resources.filter((r) => r.type !== "azure-native:keyvault:Secret");
        assert.throws(
            () => stackSourceFrom("dev", withoutSecret, outputs),
            (e: unknown) =>
                e instanceof StackSourceError &&
                /named value mcp-extension-key refers to Key Vault secret https:\/\/.+\.vault\.azure\.net\/secrets\/mcp-extension-key, which the stack does not write/.test(
                    e.message,
                ),
        );
    });
});
