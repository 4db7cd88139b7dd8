import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { configKeyDescription, configKeyNames, configKeys, isDeclarable } from "../../components/config/keys";
import { ConfigError, parseStackConfig } from "../../components/config/parse";
import { supportWindows } from "../../components/config/support";
import { agentPlatformKinds } from "../../components/platforms/registry";
import { shippedConfig } from "../support/shipped-stacks";
import { devAgents, devConfig, devConfigWith } from "./fixtures";

const P = "agents-control-plane";
/** The day every parse here is judged on: runtime support is checked against this date. */
const today = new Date("2026-12-01T00:00:00Z");
const dev = { stack: "dev", today };

function errorsOf(config: Record<string, string>): string[] {
    const result = parseStackConfig(config, dev);
    assert.equal(result.ok, false, "expected the configuration to be rejected");
    return result.ok ? [] : result.errors;
}

function withAgent(index: number, patch: Record<string, unknown>): Record<string, string> {
    const agents = devAgents();
    agents[index] = { ...agents[index], ...patch };
    return devConfigWith({ agents });
}

describe("stack configuration", () => {
    it("parses the dev stack into typed values", () => {
        const result = parseStackConfig(devConfig(), dev);
        assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
        const c = result.config;
        assert.equal(c.environment, "dev");
        assert.equal(c.backend, "functions");
        assert.equal(c.apim.sku, "BasicV2");
        assert.equal(c.gatewayPolicy.rateLimitCalls, 120);
        assert.deepEqual(
            c.agents.map((a) => a.platform.kind),
            ["gcp", "aws", "azureDatabricks", "salesforce", "kubernetes", "githubActions"],
        );
        const sf = c.agents.find((a) => a.platform.kind === "salesforce");
        assert.ok(sf && sf.platform.kind === "salesforce");
        assert.equal(sf.platform.settings.encoding, "pem");
    });

    it("applies defaults for keys the stack leaves out", () => {
        const result = parseStackConfig(
            { [`${P}:publisherEmail`]: "platform@acme-tools.io" },
            { stack: "qa", today },
        );
        assert.ok(result.ok);
        assert.equal(result.config.environment, "qa");
        assert.equal(result.config.location, "westeurope");
        assert.equal(result.config.apim.sku, "BasicV2");
        assert.equal(result.config.functions.instanceMemoryMB, 2048);
        assert.equal(result.config.functions.nodeVersion, "22");
        assert.equal(result.config.deployerPrincipalType, "User");
        assert.equal(result.config.aks.kubernetesVersion, undefined);
        assert.deepEqual(result.config.agents, []);
    });

    const vaultId =
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/certs/providers/Microsoft.KeyVault/vaults/contoso-certs";
    const customDomain = {
        customDomainHostName: "mcp.contoso.com",
        customDomainCertificateSecretId: "https://contoso-certs.vault.azure.net/secrets/mcp-tls",
        customDomainKeyVaultId: vaultId,
    };

    it("reads a custom domain with its certificate and vault", () => {
        const result = parseStackConfig(devConfigWith(customDomain), dev);
        assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
        assert.deepEqual(result.config.apim.customDomain, {
            hostName: "mcp.contoso.com",
            keyVaultSecretId: customDomain.customDomainCertificateSecretId,
            keyVaultId: vaultId,
        });
    });

    it("requires the certificate's vault for a custom domain, and the same vault as the secret", () => {
        assert.ok(
            errorsOf(devConfigWith({ ...customDomain, customDomainKeyVaultId: "" })).some((e) =>
                e.startsWith(`${P}:customDomainKeyVaultId: must be the vault's ARM id`),
            ),
        );
        const other = vaultId.replace("contoso-certs", "other-vault");
        assert.deepEqual(errorsOf(devConfigWith({ ...customDomain, customDomainKeyVaultId: other })), [
            `${P}:customDomainKeyVaultId: names vault other-vault but customDomainCertificateSecretId is in vault contoso-certs`,
        ]);
    });

    const cases: { name: string; config: () => Record<string, string>; expected: string }[] = [
        {
            name: "unknown backend",
            config: () => devConfigWith({ backend: "vm" }),
            expected: `${P}:backend: must be "functions" or "aks" (got "vm")`,
        },
        {
            name: "aks backend behind BasicV2, which cannot reach a private backend",
            config: () => devConfigWith({ backend: "aks", aksPrivateCluster: "true" }),
            expected: `${P}:apimSku: BasicV2 cannot reach the AKS backend: it has no virtual network integration`,
        },
        {
            name: "aks backend with a public API server open to everyone",
            config: () => devConfigWith({ backend: "aks", apimSku: "StandardV2" }),
            expected: `${P}:aksAuthorizedIpRanges: is required when aksPrivateCluster is false`,
        },
        {
            name: "authorized ranges on a private cluster",
            config: () =>
                devConfigWith({ aksPrivateCluster: "true", aksAuthorizedIpRanges: ["203.0.113.0/24"] }),
            expected: `${P}:aksAuthorizedIpRanges: must be empty when aksPrivateCluster is true`,
        },
        {
            name: "private or malformed authorized range",
            config: () => devConfigWith({ aksAuthorizedIpRanges: ["10.1.0.0/16", "203.0.113.7/24"] }),
            expected: `${P}:aksAuthorizedIpRanges[0]: must be a public range`,
        },
        {
            name: "an authorized range that opens the API server to the internet",
            config: () => devConfigWith({ aksAuthorizedIpRanges: ["0.0.0.0/0"] }),
            expected: `${P}:aksAuthorizedIpRanges[0]: must be /16 or narrower`,
        },
        {
            name: "VNet overlapping the AKS pod range",
            config: () => devConfigWith({ vnetAddressSpace: "10.244.0.0/16" }),
            expected: `${P}:vnetAddressSpace: overlaps the AKS pod range 10.244.0.0/16`,
        },
        {
            name: "VNet too small for the subnets",
            config: () => devConfigWith({ vnetAddressSpace: "10.40.0.0/24" }),
            expected: `${P}:vnetAddressSpace: must be a /16 to /20`,
        },
        {
            name: "node pool bounds inverted",
            config: () => devConfigWith({ aksNodeMinCount: "4", aksNodeMaxCount: "2" }),
            expected: `${P}:aksNodeMaxCount: must be at least aksNodeMinCount (4); got 2`,
        },
        {
            name: "replica bounds inverted",
            config: () => devConfigWith({ aksReplicasMin: "3", aksReplicasMax: "1" }),
            expected: `${P}:aksReplicasMax: must be at least aksReplicasMin (3); got 1`,
        },
        {
            name: "unpinned image",
            config: () => devConfigWith({ aksImage: "contoso.azurecr.io/mcp-tools:latest" }),
            expected: `${P}:aksImage: must pin a version tag or digest (not untagged or "latest")`,
        },
        {
            name: "image without a registry host",
            config: () => devConfigWith({ aksImage: "mcp-tools:1.2.0" }),
            expected: `${P}:aksImage: must name its registry host`,
        },
        {
            name: "malformed Kubernetes version",
            config: () => devConfigWith({ aksKubernetesVersion: "latest" }),
            expected: `${P}:aksKubernetesVersion: must be a Kubernetes minor or patch version`,
        },
        {
            name: "private cluster flag that is not a boolean",
            config: () => devConfigWith({ aksPrivateCluster: "yes" }),
            expected: `${P}:aksPrivateCluster: must be true or false (got "yes")`,
        },
        {
            name: "unknown APIM SKU",
            config: () => devConfigWith({ apimSku: "Gold" }),
            expected: `${P}:apimSku: must be one of BasicV2, StandardV2, PremiumV2, Developer, Basic, Standard, Premium (got "Gold")`,
        },
        {
            name: "Consumption APIM SKU",
            config: () => devConfigWith({ apimSku: "Consumption" }),
            expected: `${P}:apimSku: Consumption is not supported: it has no rate-limit-by-key and drops long-running SSE connections`,
        },
        {
            name: "GCP e-mail instead of numeric id",
            config: () =>
                withAgent(0, { gcp: { serviceAccountUniqueId: "agent@proj.iam.gserviceaccount.com" } }),
            expected: `${P}:agents[0].gcp.serviceAccountUniqueId: must be the 21-digit numeric unique id of the service account, not its e-mail (got "agent@proj.iam.gserviceaccount.com")`,
        },
        {
            name: "malformed AWS role ARN",
            config: () =>
                withAgent(1, {
                    aws: {
                        issuer: "https://3f2a9c1e.tokens.sts.global.api.aws",
                        roleArn: "arn:aws:iam::1234:user/x",
                    },
                }),
            expected: `${P}:agents[1].aws.roleArn: must be an IAM role ARN arn:aws:iam::<12-digit account>:role/<name> (got "arn:aws:iam::1234:user/x")`,
        },
        {
            name: "issuer that is not https",
            config: () =>
                withAgent(4, {
                    kubernetes: {
                        issuer: "http://oidc.example.com",
                        namespace: "agents",
                        serviceAccount: "bot",
                    },
                }),
            expected: `${P}:agents[4].kubernetes.issuer: must be the cluster's https OIDC issuer URL (got "http://oidc.example.com")`,
        },
        {
            name: "duplicate agent names",
            config: () => withAgent(2, { name: "gcp-research" }),
            expected: `${P}:agents[2].name: duplicate agent name "gcp-research" (also agents[0])`,
        },
        {
            name: "more than 20 federated credentials on one app",
            config: () =>
                withAgent(5, {
                    githubActions: {
                        repository: "contoso/app",
                        environments: Array.from({ length: 21 }, (_, i) => `env${i}`),
                    },
                }),
            expected: `${P}:agents[5].githubActions: maps to 21 federated identity credentials; Entra allows at most 20 per app`,
        },
        {
            name: "Salesforce without a certificate",
            config: () => withAgent(3, { salesforce: {} }),
            expected: `${P}:agents[3].salesforce.certificate: is required: the public certificate (PEM or base64 DER) of the Salesforce connected app`,
        },
        {
            name: "Salesforce with something that is not a certificate",
            config: () => withAgent(3, { salesforce: { certificate: "c2VjcmV0" } }),
            expected: `${P}:agents[3].salesforce.certificate: must be an X.509 certificate in PEM or base64 DER`,
        },
        {
            name: "agent without a platform block",
            config: () => withAgent(0, { gcp: undefined }),
            expected: `${P}:agents[0]: needs exactly one platform block (${agentPlatformKinds.join(", ")}); found none`,
        },
        {
            name: "agent with two platform blocks",
            config: () => withAgent(0, { oidc: { issuer: "https://x.example", subjects: ["a"] } }),
            expected: `${P}:agents[0]: needs exactly one platform block (${agentPlatformKinds.join(", ")}); found gcp, oidc`,
        },
        {
            name: "generic OIDC subject with a wildcard",
            config: () =>
                withAgent(0, {
                    gcp: undefined,
                    oidc: {
                        issuer: "https://token.actions.githubusercontent.com",
                        subjects: ["repo:contoso/app:*"],
                    },
                }),
            expected: `${P}:agents[0].oidc.subjects[0]: must be one concrete subject (Entra matches exactly; '*' is not a wildcard)`,
        },
        {
            name: "generic OIDC credential for another audience",
            config: () =>
                withAgent(0, {
                    gcp: undefined,
                    oidc: {
                        issuer: "https://idp.example.com",
                        subjects: ["svc-1"],
                        audience: "api://my-app",
                    },
                }),
            expected: `${P}:agents[0].oidc.audience: must be one of api://AzureADTokenExchange, api://AzureADTokenExchangeUSGov, api://AzureADTokenExchangeChina`,
        },
        {
            name: "unknown app role",
            config: () => withAgent(0, { roles: ["Tools.Invoke", "Admin"] }),
            expected: `${P}:agents[0].roles[1]: unknown app role "Admin" (roles: Tools.Invoke, Snippets.Read, Snippets.Write, Incidents.Analyze, Memory.Read, Memory.Write, Knowledge.Search)`,
        },
        {
            name: "Databricks principal id that is not a GUID",
            config: () => withAgent(2, { azureDatabricks: { accessConnectorPrincipalId: "connector" } }),
            expected: `${P}:agents[2].azureDatabricks.accessConnectorPrincipalId: must be the object id (GUID) of the access connector's managed identity (got "connector")`,
        },
        {
            name: "missing publisher e-mail",
            config: () => devConfigWith({ publisherEmail: undefined }),
            expected: `${P}:publisherEmail: is required (API Management publisher e-mail)`,
        },
        {
            name: "rate-limit period beyond what APIM allows",
            config: () => devConfigWith({ rateLimitPeriodSeconds: "600" }),
            expected: `${P}:rateLimitPeriodSeconds: must be an integer from 1 to 300 (got "600")`,
        },
        {
            name: "unknown key (typo)",
            config: () => devConfigWith({ apimSKU: "BasicV2" }),
            expected: `${P}:apimSKU: unknown key`,
        },
        {
            name: "Flex memory size Flex does not offer",
            config: () => devConfigWith({ functionsInstanceMemoryMB: "3072" }),
            expected: `${P}:functionsInstanceMemoryMB: must be 2048 or 4096 (got 3072)`,
        },
        {
            name: "a CORS origin with a path",
            config: () => devConfigWith({ corsAllowedOrigins: ["https://app.example.com/"] }),
            expected: `${P}:corsAllowedOrigins[0]: must be an origin such as https://app.example.com (no path or trailing slash) (got "https://app.example.com/")`,
        },
        {
            name: "a plain-http CORS origin that is not this machine",
            config: () => devConfigWith({ corsAllowedOrigins: ["http://app.example.com"] }),
            expected: `${P}:corsAllowedOrigins[0]: must use https (http only for localhost) (got "http://app.example.com")`,
        },
        {
            name: "the CORS origin *",
            config: () => devConfigWith({ corsAllowedOrigins: ["*"] }),
            expected: `${P}:corsAllowedOrigins[0]: "*" would let any web page call the tools; list the origins (got "*")`,
        },
        {
            name: "webhook that is not https",
            config: () => devConfigWith({ alertWebhookUrls: ["http://hooks.example.com/x"] }),
            expected: `${P}:alertWebhookUrls[0]: must be an https URL (got "http://hooks.example.com/x")`,
        },
    ];

    for (const c of cases) {
        it(`rejects ${c.name}`, () => {
            const errors = errorsOf(c.config());
            assert.ok(
                errors.some((e) => e.startsWith(c.expected)),
                `expected a problem starting with:\n  ${c.expected}\ngot:\n  ${errors.join("\n  ")}`,
            );
        });
    }

    it("accepts the AKS backend on StandardV2 with a private cluster and reads every AKS key", () => {
        const result = parseStackConfig(
            devConfigWith({
                backend: "aks",
                apimSku: "StandardV2",
                aksPrivateCluster: true,
                aksWorkloadDelivery: "runCommand",
                aksKubernetesVersion: "1.35",
                aksNodeMinCount: "3",
                aksNodeMaxCount: "9",
                aksReplicasMin: "2",
                aksReplicasMax: "8",
                vnetAddressSpace: "10.50.0.0/20",
                aksImage: `contoso.azurecr.io/mcp/tools@sha256:${"a".repeat(64)}`,
            }),
            dev,
        );
        assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
        const c = result.config;
        assert.equal(c.backend, "aks");
        assert.deepEqual(c.network, { addressSpace: "10.50.0.0/20" });
        assert.deepEqual(c.aks, {
            kubernetesVersion: "1.35",
            nodeVmSize: "Standard_D4ds_v5",
            systemNodeCount: 2,
            nodeMinCount: 3,
            nodeMaxCount: 9,
            privateCluster: true,
            workloadDelivery: "runCommand",
            authorizedIpRanges: [],
            replicas: { min: 2, max: 8 },
            image: `contoso.azurecr.io/mcp/tools@sha256:${"a".repeat(64)}`,
        });
    });

    it("accepts a public API server restricted to authorized ranges, and Developer (injection) for AKS", () => {
        const result = parseStackConfig(
            devConfigWith({
                backend: "aks",
                apimSku: "Developer",
                aksAuthorizedIpRanges: ["203.0.113.0/24"],
            }),
            dev,
        );
        assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
        assert.deepEqual(result.config.aks.authorizedIpRanges, ["203.0.113.0/24"]);
        assert.equal(result.config.aks.privateCluster, false);
    });

    it("reads who deploys: a person by default, a service principal when CI says so, never anything else", () => {
        const sp = parseStackConfig(devConfigWith({ deployerPrincipalType: "ServicePrincipal" }), dev);
        assert.ok(sp.ok, sp.ok ? "" : sp.errors.join("\n"));
        assert.equal(sp.config.deployerPrincipalType, "ServicePrincipal");
        for (const bad of ["Group", "servicePrincipal", "ForeignGroup"]) {
            assert.deepEqual(errorsOf(devConfigWith({ deployerPrincipalType: bad })), [
                `${P}:deployerPrincipalType: must be "User" or "ServicePrincipal": the kind of identity that runs pulumi up (got "${bad}")`,
            ]);
        }
    });

    it("is told by every CI preview and deployment that a service principal runs it", () => {
        const workflow = parse(readFileSync(".github/workflows/infrastructure.yml", "utf8")) as {
            jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>;
        };
        const steps = Object.entries(workflow.jobs).flatMap(([job, j]) =>
            j.steps.filter((s) => s.uses?.startsWith("pulumi/actions")).map((s) => ({ job, step: s })),
        );
        assert.ok(steps.length >= 3, "preview, deploy-dev and deploy-prod run pulumi/actions");
        for (const { job, step } of steps) {
            // The action hands config-map to the Automation API's setAllConfig: {key: {value, secret}}.
            const map = parse(step.with?.["config-map"] ?? "{}") as Record<string, { value: string }>;
            const config = shippedConfig("prod");
            for (const [key, { value }] of Object.entries(map)) config[key] = value;
            const result = parseStackConfig(config, { stack: "prod", today });
            assert.ok(result.ok, `${job}: ${result.ok ? "" : result.errors.join("; ")}`);
            assert.equal(result.config.deployerPrincipalType, "ServicePrincipal", job);
        }
    });

    describe("runtime support windows", () => {
        const on = (day: string) => new Date(`${day}T00:00:00Z`);
        const problemsOn = (day: string, overrides: Record<string, unknown>): string[] => {
            const result = parseStackConfig(devConfigWith(overrides), { stack: "dev", today: on(day) });
            return result.ok ? [] : result.errors;
        };

        it("accepts Node.js 20 on its last supported day and refuses it from its end-of-life date on", () => {
            assert.deepEqual(problemsOn("2026-04-29", { functionsNodeVersion: "20" }), []);
            const refused = `${P}:functionsNodeVersion: 20 reached end of support on 2026-04-30; use one of 22, 24`;
            assert.deepEqual(problemsOn("2026-04-30", { functionsNodeVersion: "20" }), [refused]);
            assert.deepEqual(problemsOn("2026-12-01", { functionsNodeVersion: "20" }), [refused]);
        });

        it("refuses Node.js 22 once it ends, naming what is left", () => {
            assert.deepEqual(problemsOn("2027-04-29", { functionsNodeVersion: "22" }), []);
            assert.deepEqual(problemsOn("2027-04-30", { functionsNodeVersion: "22" }), [
                `${P}:functionsNodeVersion: 22 reached end of support on 2027-04-30; use one of 24`,
            ]);
        });

        it("refuses Node.js versions the table does not know", () => {
            assert.deepEqual(problemsOn("2026-12-01", { functionsNodeVersion: "18" }), [
                `${P}:functionsNodeVersion: 18 is older than 20, whose support ended on 2026-04-30; use one of 22, 24`,
            ]);
            for (const v of ["23", "lts", ""])
                assert.deepEqual(problemsOn("2026-12-01", { functionsNodeVersion: v }), [
                    `${P}:functionsNodeVersion: "${v}" is not a version this program knows; use one of 22, 24`,
                ]);
        });

        it("refuses a pinned Kubernetes 1.33 from 2026-06-28 on, judging patch versions by their minor", () => {
            for (const v of ["1.33", "1.33.4"])
                assert.deepEqual(problemsOn("2026-06-27", { aksKubernetesVersion: v }), [], v);
            assert.deepEqual(problemsOn("2026-06-28", { aksKubernetesVersion: "1.33.4" }), [
                `${P}:aksKubernetesVersion: 1.33.4 reached end of support on 2026-06-28; use one of 1.34, 1.35, 1.36, 1.37, or leave it empty for the region's default`,
            ]);
            assert.deepEqual(problemsOn("2026-12-01", { aksKubernetesVersion: "1.33" }), [
                `${P}:aksKubernetesVersion: 1.33 reached end of support on 2026-06-28; use one of 1.35, 1.36, 1.37, or leave it empty for the region's default`,
            ]);
        });

        it("refuses Kubernetes versions older than the table and accepts ones newer than it", () => {
            assert.deepEqual(problemsOn("2026-12-01", { aksKubernetesVersion: "1.29" }), [
                `${P}:aksKubernetesVersion: 1.29 is older than 1.32, whose support ended on 2026-02-28; use one of 1.35, 1.36, 1.37, or leave it empty for the region's default`,
            ]);
            assert.deepEqual(problemsOn("2026-12-01", { aksKubernetesVersion: "1.38" }), []);
            assert.deepEqual(problemsOn("2026-12-01", { aksKubernetesVersion: "" }), []);
        });

        it("reports an expired Node.js and Kubernetes version together with the other problems", () => {
            const errors = problemsOn("2026-12-01", {
                functionsNodeVersion: "20",
                aksKubernetesVersion: "1.34",
                backend: "lambda",
            }).map((e) => e.slice(0, e.indexOf(": ")));
            assert.deepEqual(errors, [
                `${P}:backend`,
                `${P}:functionsNodeVersion`,
                `${P}:aksKubernetesVersion`,
            ]);
        });

        it("keeps one ordered table: versions and end dates rise together, dates are real days", () => {
            for (const windows of Object.values(supportWindows)) {
                let previous: (typeof windows)[number] | undefined;
                for (const w of windows) {
                    assert.equal(
                        new Date(`${w.endOfSupport}T00:00:00Z`).toISOString().slice(0, 10),
                        w.endOfSupport,
                    );
                    if (previous) assert.ok(previous.endOfSupport < w.endOfSupport, w.version);
                    previous = w;
                }
            }
        });

        it("accepts both stack files on 2026-12-01", () => {
            for (const stack of ["dev", "prod"]) {
                const config = shippedConfig(stack);
                const result = parseStackConfig(config, { stack, today });
                assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
            }
        });
    });

    it("reports every problem at once, by key", () => {
        const agents = devAgents();
        agents[0] = { ...agents[0], gcp: { serviceAccountUniqueId: "123" } };
        agents[1] = { ...agents[1], aws: { issuer: "http://x.tokens.sts.global.api.aws", roleArn: "role" } };
        agents[2] = { ...agents[2], name: "gcp-research" };
        agents[3] = { ...agents[3], salesforce: {} };
        const errors = errorsOf(devConfigWith({ backend: "lambda", apimSku: "Gold", agents }));
        const keys = errors.map((e) => e.slice(0, e.indexOf(": ")));
        assert.deepEqual(keys, [
            `${P}:backend`,
            `${P}:apimSku`,
            `${P}:agents[0].gcp.serviceAccountUniqueId`,
            `${P}:agents[1].aws.issuer`,
            `${P}:agents[1].aws.roleArn`,
            `${P}:agents[2].name`,
            `${P}:agents[3].salesforce.certificate`,
        ]);
        const error = new ConfigError(errors);
        assert.match(error.message, /^Invalid stack configuration \(7 problems\):/);
        for (const e of errors) assert.ok(error.message.includes(e));
    });

    it("Pulumi.yaml declares every key the program reads, with type, description and default", () => {
        const text = readFileSync("Pulumi.yaml", "utf8");
        const project = parse(text) as {
            name: string;
            config: Record<
                string,
                { type: string; description: string; default?: unknown; items?: { type: string } }
            >;
        };
        assert.equal(project.name, P);
        const declarable = configKeyNames.filter((k) => isDeclarable(configKeys[k]));
        assert.deepEqual(Object.keys(project.config).sort(), [...declarable].sort());
        for (const key of declarable) {
            const d = project.config[key];
            assert.ok(d, `Pulumi.yaml declares ${key}`);
            assert.equal(d.type, configKeys[key].type, key);
            assert.equal(d.description, configKeyDescription(key), key);
            assert.deepEqual(d.default, configKeys[key].default, key);
            if (d.type === "array") assert.equal(d.items?.type, configKeys[key].items, key);
        }
        // Object-valued keys and fractional numbers cannot be typed in Pulumi.yaml; they are documented there instead.
        for (const key of configKeyNames.filter((k) => !isDeclarable(configKeys[k]))) {
            assert.match(text, new RegExp(`^#\\s+${key} \\(`, "m"), key);
        }
        // A number key's comment: its type and default, then the description the key table gives.
        for (const key of configKeyNames.filter((k) => configKeys[k].type === "number")) {
            const comment = new RegExp(
                `^#\\s+${key} \\(number, default ${JSON.stringify(configKeys[key].default)}\\):\\n((?:#\\s{7}.*\\n)+)`,
                "m",
            ).exec(text);
            assert.ok(comment, `Pulumi.yaml's comment for ${key} states its type and default`);
            const described = (comment[1] ?? "").replace(/^#\s+/gm, "").replace(/\n/g, " ").trim();
            assert.equal(described, configKeyDescription(key), key);
        }
    });
});
