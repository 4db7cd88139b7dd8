/**
 * The README's curl examples, run exactly as written (bash, real curl, `npm run token`) against a
 * started control plane: the local gateway with its tool host, and a tool host alone with auth off
 * as `npm run -w functions-app dev` runs it. An example that stops working fails here.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { silentLogger } from "functions-app/logger";
import { NodeHost } from "functions-app/node-host";
import { BlobSnippetStore } from "functions-app/blob-snippet-store";
import { startLocalControlPlane, type LocalControlPlane } from "../../local-gateway/src/harness";
import { repositoryRoot, runProcess } from "./run-process";

/** The fenced block after `<!-- example: <name> ... -->` in the README. */
function readmeExample(name: string): string {
    const readme = readFileSync(path.join(repositoryRoot, "README.md"), "utf8");
    const match = new RegExp(`<!-- example: ${name}\\b[^>]*-->\\s*\`\`\`bash\\n([\\s\\S]*?)\`\`\``).exec(
        readme,
    );
    const block = match?.[1];
    assert.ok(block !== undefined, `the README has no example "${name}"`);
    return block;
}

interface Answer {
    readonly status: number;
    readonly body: unknown;
}

/**
 * Runs a README block in bash, with `curl` wrapped only to print each answer's status after its
 * body, and returns the answers in order.
 */
async function runExample(block: string, env: NodeJS.ProcessEnv): Promise<Answer[]> {
    const script = `set -euo pipefail\ncurl() { command curl --write-out '\\n@@status %{http_code}\\n' "$@"; }\n${block}`;
    const result = await runProcess("bash", ["-c", script], env, 60_000);
    assert.equal(result.code, 0, `the example failed:\n${result.stdout}${result.stderr}`);
    const answers: Answer[] = [];
    const pattern = /([\s\S]*?)\n@@status (\d{3})\n/g;
    for (const m of result.stdout.matchAll(pattern)) {
        const [, body = "", status] = m;
        answers.push({ status: Number(status), body: JSON.parse(body) as unknown });
    }
    return answers;
}

type Json = Record<string, unknown>;
const result = (answer: Answer) => (answer.body as Json).result as Json;

/** What the four requests of each block must answer, in order. */
function assertAnswers(answers: Answer[]) {
    assert.equal(answers.length, 4, "initialize, tools/list, tools/call and the webhook");
    assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200, 200],
    );
    const [initialize, list, call, webhook] = answers;
    assert.ok(initialize && list && call && webhook);
    assert.equal((result(initialize).serverInfo as Json).name !== undefined, true);
    assert.equal(result(initialize).protocolVersion, "2025-06-18");
    const tools = (result(list).tools as { name: string }[]).map((t) => t.name);
    assert.ok(tools.includes("hello_mcp") && tools.includes("save_snippet"), tools.join(", "));
    const content = result(call).content as { type: string; text: string }[];
    assert.match(content[0]?.text ?? "", /Hello/);
    assert.notEqual(result(call).isError, true);
    const analysis = webhook.body as Json;
    assert.equal(analysis.incidentId, "12345");
    assert.ok((analysis.recommendations as unknown[]).length > 0);
    assert.equal(typeof analysis.confidenceScore, "number");
}

describe("README: the curl examples, run as written", function () {
    this.timeout(180_000);
    let plane: LocalControlPlane | undefined;
    let host: NodeHost | undefined;
    let hostPort = "";

    before(async () => {
        plane = await startLocalControlPlane({ stack: "dev" });
        // As `npm run -w functions-app dev` runs it: auth off, on Azurite.
        host = new NodeHost({
            snippets: new BlobSnippetStore({ connectionString: plane.storage.connectionString }),
            logger: silentLogger,
        });
        hostPort = new URL(await host.listen(0, "127.0.0.1")).port;
    });
    after(async () => {
        await host?.close(1000);
        await plane?.stop();
    });

    it("through the local gateway with local tokens (npm start)", async () => {
        const gatewayPort = new URL(plane!.urls.gateway).port;
        assertAnswers(await runExample(readmeExample("gateway"), { GATEWAY_PORT: gatewayPort }));
    });

    it("against the tool host directly (npm run -w functions-app dev)", async () => {
        assertAnswers(await runExample(readmeExample("host"), { PORT: hostPort }));
    });
});
