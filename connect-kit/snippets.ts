/**
 * What `npm run connect` prints for one agent: its connection values and a program for its
 * platform that gets the platform's token, exchanges it and calls `hello_mcp`. The program imports
 * the kit from `./connect-kit` (copy the folder next to it; it needs `jose` and
 * `@modelcontextprotocol/sdk`). Every endpoint a snippet uses has the platform's usual environment
 * override, so the same text runs on the platform and against local fakes.
 */
import type { AgentConnectionValues } from "./stack-outputs";

/** The import path the snippets use for the kit. */
export const kitImport = "./connect-kit";

export function renderConnection(stack: string, v: AgentConnectionValues, origin: string): string {
    const lines = [
        `Agent ${v.name} (stack ${stack}, platform ${v.platform}), from ${origin}`,
        "",
        `  mcpEndpoint  ${v.mcpEndpoint}`,
        `  mcpSseUrl    ${v.mcpSseUrl}   (legacy HTTP+SSE)`,
        `  tenantId     ${v.tenantId}`,
        `  clientId     ${v.clientId}`,
        `  scope        ${v.scope}`,
        `  roles        ${v.roles.join(", ")}`,
        ...(v.credential === "certificate"
            ? ["  credential   certificate (a JWT client assertion signed with its private key)"]
            : v.federation.map(
                  (f, i) =>
                      `  ${i === 0 ? "federation" : "          "}   issuer ${f.issuer}  subject ${f.subject}  audience ${f.audience}`,
              )),
        "",
        `Runs on the platform: ${platformNote(v)}`,
        "",
        ...otherLanguages(v),
        "TypeScript (copy connect-kit/ next to it; needs jose and @modelcontextprotocol/sdk):",
        "",
        typescriptSnippet(v),
    ];
    return lines.join("\n") + "\n";
}

const pythonSource: Record<string, string> = {
    gcp: "gcp_token",
    aws: "aws_token",
    azureDatabricks: "databricks_token",
};

/** Python (token part, standard library) for GCP, AWS and Databricks; Apex for Salesforce. */
function otherLanguages(v: AgentConnectionValues): string[] {
    if (pythonSource[v.platform] !== undefined)
        return [
            "Python, token part (standard library; copy connect-kit/python/entra_token.py):",
            `  TENANT_ID=${v.tenantId} CLIENT_ID=${v.clientId} SCOPE=${v.scope} python3 entra_token.py ${v.platform}`,
            `  (in code: access_token(${pythonSource[v.platform] ?? ""}(), tenant_id, client_id, scope))`,
            "",
        ];
    if (v.platform === "salesforce")
        return [
            "Apex and Named Credential settings: connect-kit/salesforce/ (TENANT_ID, CLIENT_ID, SCOPE above).",
            "",
        ];
    return [];
}

function platformNote(v: AgentConnectionValues): string {
    const f = v.federation[0];
    switch (v.platform) {
        case "gcp":
            return `a workload with service account ${f?.subject ?? "?"} attached (metadata server).`;
        case "aws":
            return `a workload running as ${f?.subject ?? "?"}, allowed sts:GetWebIdentityToken; AWS_REGION set (a regional STS endpoint).`;
        case "awsCognito":
            return `AWS credentials allowed cognito-identity:GetOpenIdTokenForDeveloperIdentity on pool ${f?.audience ?? "?"}.`;
        case "azureDatabricks":
            return `the access connector's user-assigned managed identity ${f?.subject ?? "?"} (its client id in AZURE_CLIENT_ID); on Databricks, pass the Unity Catalog service credential's provider as \`credential\`.`;
        case "kubernetes":
            return `service account ${f?.subject ?? "?"} labelled azure.workload.identity/use: "true" (the webhook sets AZURE_FEDERATED_TOKEN_FILE).`;
        case "githubActions":
            return `a job with permissions: id-token: write, matching ${v.federation.map((x) => x.subject).join(" or ")}.`;
        case "oidc":
            return `a workload whose issuer ${f?.issuer ?? "?"} writes its token to OIDC_TOKEN_FILE.`;
        case "salesforce":
            return "the certificate's private key (AGENT_CERTIFICATE_FILE, AGENT_PRIVATE_KEY_FILE); in Salesforce itself use the Apex class in connect-kit/salesforce/.";
        default:
            return "(unknown platform)";
    }
}

function sourceExpression(v: AgentConnectionValues): { imports: string[]; source: string } {
    const f = v.federation[0];
    switch (v.platform) {
        case "gcp":
            return { imports: ["gcpTokenSource"], source: "gcpTokenSource()" };
        case "aws":
            return { imports: ["awsTokenSource"], source: "awsTokenSource()" };
        case "awsCognito":
            return {
                imports: ["awsCognitoTokenSource"],
                source: `awsCognitoTokenSource({
        identityPoolId: ${JSON.stringify(f?.audience ?? "")},
        identityId: ${JSON.stringify(f?.subject ?? "")},
        developerProvider: process.env.COGNITO_DEVELOPER_PROVIDER ?? "",
        developerUserId: process.env.COGNITO_DEVELOPER_USER_ID ?? "",
    })`,
            };
        case "azureDatabricks":
            return {
                imports: ["managedIdentityTokenSource"],
                source: "managedIdentityTokenSource({ clientId: process.env.AZURE_CLIENT_ID })",
            };
        case "kubernetes":
            return { imports: ["tokenFileSource"], source: "tokenFileSource()" };
        case "githubActions":
            return { imports: ["githubActionsTokenSource"], source: "githubActionsTokenSource()" };
        case "oidc":
            return {
                imports: ["tokenFileSource"],
                source: `tokenFileSource({ path: process.env.OIDC_TOKEN_FILE, audience: ${JSON.stringify(f?.audience ?? "")}, platform: "oidc" })`,
            };
        case "salesforce":
            return {
                imports: ["certificateAssertionSource"],
                source: `certificateAssertionSource({
        clientId: ${JSON.stringify(v.clientId)},
        tenantId: ${JSON.stringify(v.tenantId)},
        certificate: readFileSync(process.env.AGENT_CERTIFICATE_FILE ?? "", "utf8"),
        privateKey: readFileSync(process.env.AGENT_PRIVATE_KEY_FILE ?? "", "utf8"),
    })`,
            };
        default:
            throw new Error(`no snippet for platform ${v.platform}`);
    }
}

export function typescriptSnippet(v: AgentConnectionValues): string {
    const { imports, source } = sourceExpression(v);
    return [
        ...(v.platform === "salesforce" ? ['import { readFileSync } from "node:fs";'] : []),
        `import { AgentCredential, connectMcp, ${imports.join(", ")} } from "${kitImport}";`,
        "",
        "async function main(): Promise<void> {",
        "    const credential = new AgentCredential({",
        `        source: ${source.replace(/\n/g, "\n    ")},`,
        `        tenantId: ${JSON.stringify(v.tenantId)},`,
        `        clientId: ${JSON.stringify(v.clientId)},`,
        `        scope: ${JSON.stringify(v.scope)},`,
        "    });",
        `    const client = await connectMcp({ url: ${JSON.stringify(v.mcpEndpoint)}, credential });`,
        "    try {",
        '        const result = await client.callTool({ name: "hello_mcp", arguments: {} });',
        "        console.log(JSON.stringify(result.content));",
        "    } finally {",
        "        await client.close();",
        "    }",
        "}",
        "",
        "main().catch((error: unknown) => {",
        "    console.error(String(error));",
        "    process.exitCode = 1;",
        "});",
        "",
    ].join("\n");
}
