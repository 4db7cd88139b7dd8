/**
 * The shipped stack files' example identities are refused unless a stack opts in
 * (`allowExampleIdentities: true`), each named by key and value with every other problem; a stack
 * with its own ids needs no opt-in; and the offline commands say why they refuse and how to opt in.
 */
import { offlineArgsFromCommandLine } from "../../scripts/lib/policy-command";
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import {
    exampleCertificates,
    exampleIdentitiesOptInKey,
    exampleValues,
} from "../../components/config/example-identities";
import { parseStackConfig } from "../../components/config/parse";
import { runOffline } from "../../policypacks/control-plane/offline";
import { readStackFile, stackFilePath } from "../../scripts/lib/stack-file";
import { synthesize } from "../../scripts/lib/synthesize";

const P = "agents-control-plane";
const today = new Date("2026-12-01T00:00:00Z");
const optIn = { [`${P}:${exampleIdentitiesOptInKey}`]: "true" };

/** The stack file exactly as shipped: no opt-in. */
function asShipped(stack: string): Record<string, string> {
    return { ...readStackFile(stackFilePath(stack)).config };
}

function problemsOf(config: Record<string, string>, stack = "dev"): string[] {
    const result = parseStackConfig(config, { stack, today });
    return result.ok ? [] : result.errors;
}

const keyOf = (problem: string): string => problem.slice(0, problem.indexOf(": "));

/** The dev stack with every example replaced by ids of the kind a real team has. */
function ownIdentities(): Record<string, string> {
    const agents = [
        {
            name: "gcp-research",
            roles: ["Tools.Invoke", "Snippets.Read"],
            gcp: { serviceAccountUniqueId: "117203948576102938475" },
        },
        {
            name: "aws-support",
            roles: ["Tools.Invoke", "Snippets.Read", "Snippets.Write"],
            aws: {
                issuer: "https://a81c5e2d-0f4b-4c3a-9e6d-7b2a1c0d9e8f.tokens.sts.global.api.aws",
                roleArn: "arn:aws:iam::480923175604:role/bedrock-support-agent",
            },
        },
        {
            name: "databricks-etl",
            roles: ["Tools.Invoke"],
            azureDatabricks: { accessConnectorPrincipalId: "c2e4a6b8-1d3f-4a5b-8c7d-9e0f1a2b3c4d" },
        },
        {
            name: "aks-incident-bot",
            roles: ["Tools.Invoke", "Incidents.Analyze"],
            kubernetes: {
                // The tenant part of an AKS issuer is real in the shipped file too; only the cluster is made up.
                issuer: "https://westeurope.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/e1d2c3b4-a596-4788-9a0b-1c2d3e4f5a6b/",
                namespace: "agents",
                serviceAccount: "incident-bot",
            },
        },
        {
            name: "github-deployer",
            roles: ["Tools.Invoke"],
            githubActions: { repository: "acme-tools/agents-control-plane", environments: ["dev"] },
        },
    ];
    return {
        ...asShipped("dev"),
        [`${P}:publisherEmail`]: "platform@acme-tools.io",
        [`${P}:alertEmails`]: JSON.stringify(["oncall@acme-tools.io"]),
        [`${P}:sentinelCallerPrincipalIds`]: JSON.stringify(["5b0c2f61-93d4-4e2a-b7c8-0d9e1f2a3b4c"]),
        [`${P}:agents`]: JSON.stringify(agents),
    };
}

function withOwn(key: string, value: unknown): Record<string, string> {
    return { ...ownIdentities(), [`${P}:${key}`]: typeof value === "string" ? value : JSON.stringify(value) };
}

function ownAgents(): Record<string, unknown>[] {
    const agents = ownIdentities()[`${P}:agents`];
    assert.ok(agents !== undefined, "the team's own stack lists agents");
    return JSON.parse(agents) as Record<string, unknown>[];
}

describe("example identities in a stack", () => {
    const refusedDev = [
        "publisherEmail",
        "alertEmails[0]",
        "sentinelCallerPrincipalIds[0]",
        "agents[0].gcp.serviceAccountUniqueId",
        "agents[1].aws.issuer",
        "agents[1].aws.roleArn",
        "agents[2].azureDatabricks.accessConnectorPrincipalId",
        "agents[3].salesforce.certificate",
        "agents[4].kubernetes.issuer",
        "agents[5].githubActions.repository",
    ];
    const refusedProd = [
        "publisherEmail",
        "alertEmails[0]",
        "alertEmails[1]",
        "sentinelCallerPrincipalIds[0]",
        "agents[0].gcp.serviceAccountUniqueId",
        "agents[1].aws.issuer",
        "agents[1].aws.roleArn",
        "agents[2].githubActions.repository",
    ];

    for (const [stack, refused] of [
        ["dev", refusedDev],
        ["prod", refusedProd],
    ] as const) {
        it(`refuses every example in Pulumi.${stack}.yaml as shipped, by key and value, and names the opt-in`, () => {
            const problems = problemsOf(asShipped(stack), stack);
            assert.deepEqual(problems.map(keyOf), [
                ...refused.map((k) => `${P}:${k}`),
                `${P}:${exampleIdentitiesOptInKey}`,
            ]);
            const file = readFileSync(stackFilePath(stack), "utf8");
            for (const problem of problems.slice(0, -1)) {
                // The value is named as the stack file spells it (a certificate by fingerprint).
                const quoted = /^[^:]+:[^:]+: "([^"]+)"/.exec(problem)?.[1];
                if (quoted) assert.ok(file.includes(quoted), `${quoted} is in Pulumi.${stack}.yaml`);
                else
                    assert.match(
                        problem,
                        /the certificate with SHA-256 fingerprint [0-9A-F:]{95} is an example/,
                    );
                assert.match(problem, /; replace it with \S/);
            }
            assert.match(
                problems.at(-1) ?? "",
                new RegExp(
                    `^${P}:allowExampleIdentities: the stack holds ${refused.length} example values .*allowExampleIdentities: true .*--config allowExampleIdentities=true`,
                ),
            );
        });

        it(`accepts Pulumi.${stack}.yaml with allowExampleIdentities: true, warning about each example`, () => {
            const result = parseStackConfig({ ...asShipped(stack), ...optIn }, { stack, today });
            assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
            assert.deepEqual(
                result.warnings.map(keyOf),
                refused.map((k) => `${P}:${k}`),
            );
            for (const w of result.warnings) assert.match(w, /\(allowed by allowExampleIdentities\)$/);
        });
    }

    it("keeps one list: every made-up id in the shipped stack files is in it", () => {
        const listed = new Set(exampleValues.map((e) => e.value.toLowerCase()));
        // Real values the files use on purpose: Microsoft's own tenant in an AKS issuer URL.
        const real = new Set(["72f988bf-86f1-41af-91ab-2d7cd011db47"]);
        for (const stack of ["dev", "prod"]) {
            const text = readFileSync(stackFilePath(stack), "utf8").replace(
                /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g,
                "",
            );
            const ids = [
                ...text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi),
                ...text.matchAll(/(?<![\d.])\d{12}(?:\d{9})?(?![\d.])/g),
                ...text.matchAll(/repository: (\S+)/g),
            ].map((m) => (m[1] ?? m[0]).toLowerCase());
            assert.ok(ids.length >= 5, `${stack}: ${ids.join(", ")}`);
            for (const id of ids)
                assert.ok(listed.has(id) || real.has(id), `${stack}: ${id} is not in the list`);
        }
    });

    it("passes a stack with the team's own ids without the opt-in", () => {
        const result = parseStackConfig(ownIdentities(), { stack: "dev", today });
        assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
        assert.deepEqual(result.warnings, []);
        assert.deepEqual(
            result.config.agents.map((a) => a.name),
            ["gcp-research", "aws-support", "databricks-etl", "aks-incident-bot", "github-deployer"],
        );
    });

    describe("each example on its own, in a stack that is otherwise the team's own", () => {
        /** Where an example of this shape goes in a real stack. */
        const placed = (example: string): { key: string; value: unknown; path: string } => {
            const agents = ownAgents();
            if (/^\d{21}$/.test(example)) {
                agents[0] = { ...agents[0], gcp: { serviceAccountUniqueId: example } };
                return { key: "agents", value: agents, path: "agents[0].gcp.serviceAccountUniqueId" };
            }
            if (/^\d{12}$/.test(example)) {
                const aws = agents[1]?.aws as Record<string, string>;
                agents[1] = { ...agents[1], aws: { ...aws, roleArn: `arn:aws:iam::${example}:role/agent` } };
                return { key: "agents", value: agents, path: "agents[1].aws.roleArn" };
            }
            if (example.includes("/")) {
                agents[4] = { ...agents[4], githubActions: { repository: example, branches: ["main"] } };
                return { key: "agents", value: agents, path: "agents[4].githubActions.repository" };
            }
            return {
                key: "sentinelCallerPrincipalIds",
                value: [example],
                path: "sentinelCallerPrincipalIds[0]",
            };
        };

        for (const { value: example } of exampleValues) {
            it(`refuses ${example} without the opt-in and accepts it with it`, () => {
                const { key, value, path: at } = placed(example);
                const config = withOwn(key, value);
                const problems = problemsOf(config);
                assert.deepEqual(problems.map(keyOf), [`${P}:${at}`, `${P}:${exampleIdentitiesOptInKey}`]);
                assert.ok(problems[0]?.toLowerCase().includes(example.toLowerCase()), problems[0]);
                assert.deepEqual(problemsOf({ ...config, ...optIn }), []);
            });
        }

        it("refuses an example id wherever it is pasted, in any case", () => {
            const agents = ownAgents();
            const sentinelExample = (
                exampleValues[0] ?? assert.fail("no example values")
            ).value.toUpperCase();
            agents.push({
                name: "oidc-agent",
                roles: ["Tools.Invoke"],
                oidc: { issuer: "https://idp.acme-tools.io", subjects: [`svc:${sentinelExample}`] },
            });
            assert.deepEqual(problemsOf(withOwn("agents", agents)).map(keyOf), [
                `${P}:agents[5].oidc.subjects[0]`,
                `${P}:${exampleIdentitiesOptInKey}`,
            ]);
        });

        it("matches whole ids only: a longer number or id that contains an example is not one", () => {
            const agents = ownAgents();
            agents.push({
                name: "oidc-agent",
                roles: ["Tools.Invoke"],
                oidc: {
                    issuer: "https://idp.acme-tools.io",
                    subjects: ["acct:1234567890123", "team-contoso/agents-control-plane", "x123456789012"],
                },
            });
            assert.deepEqual(problemsOf(withOwn("agents", agents)), []);
        });

        it("refuses the example certificate however it is encoded", () => {
            const pem = String(
                (
                    JSON.parse(
                        asShipped("dev")[`${P}:agents`] ?? assert.fail("Pulumi.dev.yaml lists no agents"),
                    ) as { salesforce?: { certificate: string } }[]
                ).find((a) => a.salesforce)?.salesforce?.certificate,
            );
            const der = new X509Certificate(pem).raw.toString("base64");
            for (const certificate of [pem, der]) {
                const agents = [
                    ...ownAgents(),
                    { name: "salesforce-service", roles: ["Tools.Invoke"], salesforce: { certificate } },
                ];
                const problems = problemsOf(withOwn("agents", agents));
                assert.deepEqual(problems.map(keyOf), [
                    `${P}:agents[5].salesforce.certificate`,
                    `${P}:${exampleIdentitiesOptInKey}`,
                ]);
                const [exampleCertificate] = exampleCertificates;
                assert.ok(exampleCertificate && problems[0]?.includes(exampleCertificate.value), problems[0]);
                assert.deepEqual(problemsOf({ ...withOwn("agents", agents), ...optIn }), []);
            }
        });

        it("refuses addresses and hosts on example domains, subdomains included, and nothing else", () => {
            const refused = [
                "ops@example.com",
                "ops@mail.contoso.com",
                "ops@fabrikam.com",
                "ops@team.example",
            ];
            const problems = problemsOf(
                withOwn("alertEmails", [...refused, "ops@contoso.com.au", "ops@notcontoso.com"]),
            );
            assert.deepEqual(problems.map(keyOf), [
                ...refused.map((_, i) => `${P}:alertEmails[${i}]`),
                `${P}:${exampleIdentitiesOptInKey}`,
            ]);
            assert.match(problems[1] ?? "", /"ops@mail\.contoso\.com" is on contoso\.com, an example domain/);
            assert.deepEqual(
                problemsOf(withOwn("alertWebhookUrls", ["https://hooks.example.org/alert"])).map(keyOf),
                [`${P}:alertWebhookUrls[0]`, `${P}:${exampleIdentitiesOptInKey}`],
            );
        });
    });

    it("lists the examples with every other problem at once", () => {
        const problems = problemsOf({ ...asShipped("dev"), [`${P}:apimSku`]: "Gold" });
        assert.equal(problems.filter((p) => keyOf(p) === `${P}:apimSku`).length, 1);
        assert.equal(problems.length, refusedDev.length + 2);
    });

    it("takes only true or false for the opt-in", () => {
        assert.deepEqual(problemsOf({ ...ownIdentities(), [`${P}:${exampleIdentitiesOptInKey}`]: "yes" }), [
            `${P}:allowExampleIdentities: must be true or false (got "yes")`,
        ]);
    });

    it("npm run policy refuses the shipped prod stack as a configuration problem, saying which values and how to opt in", async function () {
        this.timeout(60_000);
        let errors = "";
        const outcome = await runOffline(
            offlineArgsFromCommandLine(["--stack", "prod"]),
            synthesize,
            () => undefined,
            (t) => (errors += t),
        );
        assert.equal(outcome.exitCode, 2, errors);
        assert.match(
            errors,
            /agents-control-plane:agents\[1\]\.aws\.roleArn: "arn:aws:iam::210987654321:role\/bedrock-support-agent" holds 210987654321/,
        );
        assert.match(errors, /--config allowExampleIdentities=true/);
    });
});
