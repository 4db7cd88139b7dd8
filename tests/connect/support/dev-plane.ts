/**
 * The dev stack as agents meet it: synthesized from Pulumi.dev.yaml (the Salesforce agent's
 * certificate replaced by one generated here, because the shipped file holds a public certificate
 * without its private key), run locally with the Entra stand-in requiring client assertions and
 * finding each platform issuer's keys at the platform fakes, which issue tokens for the identities
 * the stack file names.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalControlPlane, type LocalControlPlane } from "../../../local-gateway/src/harness";
import { stackSourceFrom } from "../../../local-gateway/src/stack-source";
import { isWrappedSecret } from "../../../scripts/lib/secret-wire";
import { synthesize } from "../../../scripts/lib/synthesize";
import { shippedConfig, shippedStack } from "../../support/shipped-stacks";
import { startPlatformFakes, type PlatformFakes } from "./platform-fakes";

/** An agent as Pulumi.dev.yaml declares it: its name and its one platform block. */
export interface DevAgent {
    readonly name: string;
    readonly kind: string;
    readonly settings: Record<string, unknown>;
}

export interface DevPlane {
    readonly plane: LocalControlPlane;
    readonly fakes: PlatformFakes;
    /** Stack outputs with secrets unwrapped, as `pulumi stack output --json --show-secrets` prints them. */
    readonly outputs: Record<string, unknown>;
    readonly agents: readonly DevAgent[];
    /** The Salesforce agent's certificate and private key (generated for this run). */
    readonly salesforce: { readonly certificate: string; readonly privateKey: string };
    /** Entra's token endpoint for the stack's tenant, on the stand-in. */
    readonly tokenEndpoint: string;
    /** A scratch folder (token files). */
    readonly dir: string;
    stop(): Promise<void>;
}

/** The MI's client id is not in the stack file (Entra matches the object id); any value serves. */
export const accessConnectorClientId = "0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f";

export async function startDevPlane(): Promise<DevPlane> {
    const dir = mkdtempSync(join(tmpdir(), "connect-kit-"));
    const salesforce = generateCertificate(dir);
    const config = shippedConfig("dev");
    const declared = JSON.parse(config["agents-control-plane:agents"] ?? "[]") as Record<string, unknown>[];
    const agents: DevAgent[] = declared.map((a) => {
        const kind = Object.keys(a).find((k) => !["name", "description", "roles"].includes(k)) ?? "";
        return { name: String(a.name), kind, settings: a[kind] as Record<string, unknown> };
    });
    const withTestCertificate = declared.map((a) =>
        a.salesforce ? { ...a, salesforce: { certificate: salesforce.certificate } } : a,
    );
    const synth = await synthesize(shippedStack("dev", { agents: JSON.stringify(withTestCertificate) }));
    const of = (kind: string) => agents.find((a) => a.kind === kind)?.settings ?? {};
    const gcp = of("gcp");
    const aws = of("aws");
    const kubernetes = of("kubernetes");
    const github = of("githubActions");
    const databricks = of("azureDatabricks");
    const tenantId = String(unwrapDeep(synth.outputs).tenantId);
    const fakes = await startPlatformFakes({
        gcp: {
            uniqueId: String(gcp.serviceAccountUniqueId),
            email: "research@contoso-agents.iam.gserviceaccount.com",
        },
        aws: { issuer: String(aws.issuer), roleArn: String(aws.roleArn), region: "eu-west-1" },
        managedIdentity: {
            tenantId,
            principalId: String(databricks.accessConnectorPrincipalId),
            clientId: accessConnectorClientId,
        },
        github: {
            repository: String(github.repository),
            environment: (github.environments as string[] | undefined)?.[0] ?? "dev",
            ref: "refs/heads/main",
        },
        kubernetes: {
            issuer: String(kubernetes.issuer),
            namespace: String(kubernetes.namespace),
            serviceAccount: String(kubernetes.serviceAccount),
        },
    });
    let plane: LocalControlPlane;
    try {
        plane = await startLocalControlPlane({
            source: stackSourceFrom("dev", synth.resources, synth.outputs),
            federation: {
                issuerLocation: (issuer) => fakes.issuerLocation(issuer),
                requireClientAssertion: true,
            },
        });
    } catch (error) {
        await fakes.stop();
        throw error;
    }
    return {
        plane,
        fakes,
        outputs: unwrapDeep(synth.outputs),
        agents,
        salesforce,
        tokenEndpoint: `${plane.gateway.entra.authority}/oauth2/v2.0/token`,
        dir,
        stop: async () => {
            await plane.stop();
            await fakes.stop();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

function generateCertificate(dir: string): { certificate: string; privateKey: string } {
    const key = join(dir, "sf-key.pem");
    const cert = join(dir, "sf-cert.pem");
    execFileSync(
        "openssl",
        [
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=salesforce-agent-test",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        { stdio: "ignore" },
    );
    return { certificate: readFileSync(cert, "utf8"), privateKey: readFileSync(key, "utf8") };
}

function unwrapDeep(value: unknown): Record<string, unknown> {
    return JSON.parse(JSON.stringify(value), (_k, v: unknown) =>
        isWrappedSecret(v) ? v.value : v,
    ) as Record<string, unknown>;
}
