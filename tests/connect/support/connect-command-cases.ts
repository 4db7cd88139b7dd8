/**
 * `npm run connect` for every agent of Pulumi.dev.yaml: the printed values are the stack's, and the
 * printed program, run as written (only the kit's import path and the platform's usual environment
 * variables pointed at local fakes), gets the platform token, exchanges it at the Entra stand-in
 * against the stack's own credentials and calls hello_mcp through the local gateway.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { connectionValues } from "../../../connect-kit/stack-outputs";
import { kitImport } from "../../../connect-kit/snippets";
import { inBatches, repositoryRoot, runProcess } from "../../cli/run-process";
import { accessConnectorClientId, type DevAgent, type DevPlane } from "./dev-plane";

/** Runs inside the evidence suite, on its plane (one synthesis for both). */
export function describeConnectCommand(plane: () => DevPlane): void {
    describe("npm run connect: each dev agent's values and a program that runs", function () {
        let dev: DevPlane;
        let dir: string;
        let outputsFile: string;

        before(() => {
            dev = plane();
            dir = mkdtempSync(path.join(tmpdir(), "connect-cmd-"));
            // What `pulumi stack output --json` would print, with the gateway being the local one.
            outputsFile = path.join(dir, "outputs.json");
            writeFileSync(
                outputsFile,
                JSON.stringify({
                    ...dev.outputs,
                    mcpEndpoint: dev.plane.urls.mcp,
                    mcpSseUrl: dev.plane.urls.mcpSse,
                }),
            );
        });
        after(() => {
            if (dir) rmSync(dir, { recursive: true, force: true });
        });

        it("prints the stack's values and a program that calls hello_mcp, for every agent", async () => {
            const kit = path.join(repositoryRoot, "connect-kit", "index.ts");
            const authorityHost = dev.plane.gateway.entra.authority.replace(/\/[^/]+$/, "");
            const results = await inBatches(
                dev.agents.map((agent) => async () => {
                    const printed = await runProcess(process.execPath, [
                        "--import",
                        "tsx",
                        "scripts/connect.ts",
                        "--stack",
                        "dev",
                        "--agent",
                        agent.name,
                        "--outputs",
                        outputsFile,
                    ]);
                    assert.equal(printed.code, 0, printed.stderr);
                    const values = connectionValues(dev.outputs, agent.name);
                    for (const shown of [values.clientId, values.tenantId, values.scope, dev.plane.urls.mcp])
                        assert.ok(printed.stdout.includes(shown), `${agent.name}: ${shown} missing`);
                    for (const f of values.federation)
                        assert.ok(
                            printed.stdout.includes(`subject ${f.subject}`),
                            `${agent.name}: ${f.subject}`,
                        );
                    const program = printed.stdout.slice(printed.stdout.indexOf("import "));
                    const file = path.join(dir, `${agent.name}.ts`);
                    writeFileSync(file, program.replace(`"${kitImport}"`, JSON.stringify(kit)));
                    const ran = await runProcess(process.execPath, ["--import", "tsx", file], {
                        AZURE_AUTHORITY_HOST: authorityHost,
                        ...(await platformEnvironment(dev, agent, dir)),
                    });
                    return { agent: agent.name, ran };
                }),
                3,
            );
            for (const { agent, ran } of results) {
                assert.equal(ran.code, 0, `${agent}: ${ran.stderr}`);
                assert.deepEqual(
                    JSON.parse(ran.stdout),
                    [{ type: "text", text: "Hello I am MCPTool!" }],
                    agent,
                );
            }
        });

        it("names the agents there are when asked for one that is not", async () => {
            const printed = await runProcess(process.execPath, [
                "--import",
                "tsx",
                "scripts/connect.ts",
                "--agent",
                "nobody",
                "--outputs",
                outputsFile,
            ]);
            assert.equal(printed.code, 1);
            assert.match(
                printed.stderr,
                /no agent "nobody" in the stack outputs \(agents: gcp-research, aws-support/,
            );
        });
    });
}

/** The platform's own environment variables, pointed at the fakes. */
export async function platformEnvironment(
    dev: DevPlane,
    agent: DevAgent,
    dir: string,
): Promise<NodeJS.ProcessEnv> {
    const { fakes } = dev;
    switch (agent.kind) {
        case "gcp":
            return { GCE_METADATA_HOST: `${new URL(fakes.gcpMetadataUrl).host}/gcp` };
        case "aws":
            return {
                AWS_REGION: "eu-west-1",
                AWS_ENDPOINT_URL_STS: fakes.stsEndpoint,
                AWS_ACCESS_KEY_ID: fakes.awsCredentials.accessKeyId,
                AWS_SECRET_ACCESS_KEY: fakes.awsCredentials.secretAccessKey,
                AWS_SESSION_TOKEN: fakes.awsCredentials.sessionToken,
            };
        case "azureDatabricks":
            return {
                IDENTITY_ENDPOINT: fakes.imdsEndpoint,
                IDENTITY_HEADER: fakes.identityHeader,
                AZURE_CLIENT_ID: accessConnectorClientId,
            };
        case "kubernetes":
            return { AZURE_FEDERATED_TOKEN_FILE: await fakes.writeKubernetesToken(dir) };
        case "githubActions":
            return {
                ACTIONS_ID_TOKEN_REQUEST_URL: fakes.githubRequestUrl,
                ACTIONS_ID_TOKEN_REQUEST_TOKEN: fakes.githubRequestToken,
            };
        case "salesforce": {
            const certificate = path.join(dir, "agent-cert.pem");
            const key = path.join(dir, "agent-key.pem");
            writeFileSync(certificate, dev.salesforce.certificate);
            writeFileSync(key, dev.salesforce.privateKey, { mode: 0o600 });
            return { AGENT_CERTIFICATE_FILE: certificate, AGENT_PRIVATE_KEY_FILE: key };
        }
        default:
            throw new Error(`no environment for a ${agent.kind} agent: add it here`);
    }
}

/** The Python token snippets (standard library only) against the same fakes and stand-in. */
export function describePythonSnippets(plane: () => DevPlane): void {
    describe("Python token snippets (connect-kit/python, standard library only)", function () {
        let dir: string;
        before(function () {
            if (spawnSync("python3", ["--version"]).status !== 0) {
                console.log("      python3 is not installed: the Python snippets are not run");
                this.skip();
            }
            dir = mkdtempSync(path.join(tmpdir(), "connect-py-"));
        });
        after(() => {
            if (dir) rmSync(dir, { recursive: true, force: true });
        });

        it("gets the platform token and exchanges it, for the GCP, AWS and Databricks dev agents", async () => {
            const dev = plane();
            const script = path.join(repositoryRoot, "connect-kit", "python", "entra_token.py");
            const agents = dev.agents.filter((a) => ["gcp", "aws", "azureDatabricks"].includes(a.kind));
            assert.equal(agents.length, 3);
            for (const agent of agents) {
                const values = connectionValues(dev.outputs, agent.name);
                const ran = await runProcess("python3", [script, agent.kind], {
                    AZURE_AUTHORITY_HOST: dev.plane.gateway.entra.authority.replace(/\/[^/]+$/, ""),
                    TENANT_ID: values.tenantId,
                    CLIENT_ID: values.clientId,
                    SCOPE: values.scope,
                    ...(await platformEnvironment(dev, agent, dir)),
                });
                assert.equal(ran.code, 0, `${agent.name}: ${ran.stderr}`);
                const printed = JSON.parse(ran.stdout) as { azp: string; roles: string[] };
                assert.equal(printed.azp, values.clientId, agent.name);
                assert.deepEqual(printed.roles, values.roles, agent.name);
            }
        });

        it("reports Entra's code when the exchange is refused, and never prints the token", async () => {
            const dev = plane();
            const gcp = dev.agents.find((a) => a.kind === "gcp");
            assert.ok(gcp);
            // The AWS agent's client id with the GCP token: no credential of that app has Google's issuer.
            const values = connectionValues(dev.outputs, "aws-support");
            const ran = await runProcess(
                "python3",
                [path.join(repositoryRoot, "connect-kit", "python", "entra_token.py"), "gcp"],
                {
                    AZURE_AUTHORITY_HOST: dev.plane.gateway.entra.authority.replace(/\/[^/]+$/, ""),
                    TENANT_ID: values.tenantId,
                    CLIENT_ID: values.clientId,
                    SCOPE: values.scope,
                    ...(await platformEnvironment(dev, gcp, dir)),
                },
            );
            assert.equal(ran.code, 1);
            assert.match(ran.stderr, /Entra refused the exchange \(400 invalid_client AADSTS700211\)/);
            assert.doesNotMatch(ran.stdout + ran.stderr, /eyJ/);
        });
    });
}
