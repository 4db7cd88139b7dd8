/**
 * The made-up identities the shipped stack files (`Pulumi.dev.yaml`, `Pulumi.prod.yaml`) carry as
 * examples, and the scan that finds them in a stack's configuration. Deployed as they are, they would
 * create agents and grants that trust identities nobody on the team owns (or someone else's), so
 * validation refuses them unless the stack sets {@link exampleIdentitiesOptInKey} to true. This is
 * the one list: a test checks that every example in the stack files is found by it. Pure: no Pulumi.
 */
import { X509Certificate } from "node:crypto";

/** The config key that lets a stack deploy these examples on purpose (offline runs, demos). */
export const exampleIdentitiesOptInKey = "allowExampleIdentities";

export interface ExampleValue {
    /** The example as it appears inside a config value (matched case-insensitively, whole token). */
    readonly value: string;
    /** What the real value is and where its owner finds it. */
    readonly replaceWith: string;
}

const sentinelIdentity =
    "the principal id of your playbook's managed identity (az identity show --query principalId, or the Logic App's Identity blade)";
const gcpServiceAccount =
    "your service account's numeric unique id (gcloud iam service-accounts describe <email> --format='value(uniqueId)')";
const awsIssuer = "your account's issuer URL (aws iam get-outbound-web-identity-federation-info)";
const awsAccount = "the 12-digit id of the AWS account that owns the agent's IAM role";

/** Ids, accounts and repositories made up for the shipped stack files, matched wherever they occur. */
export const exampleValues: readonly ExampleValue[] = [
    // sentinelCallerPrincipalIds (dev, prod)
    { value: "6f1d3c2a-8b4e-4f7a-9c1d-2e3f4a5b6c7d", replaceWith: sentinelIdentity },
    { value: "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f", replaceWith: sentinelIdentity },
    // agents[].gcp.serviceAccountUniqueId (dev, prod)
    { value: "113456789012345678901", replaceWith: gcpServiceAccount },
    { value: "104857600012345678902", replaceWith: gcpServiceAccount },
    // agents[].aws.issuer ids and the role ARNs' accounts (dev, prod)
    { value: "3f2a9c1e-7b4d-4e8f-a1c2-5d6e7f8a9b0c", replaceWith: awsIssuer },
    { value: "8d1e2f3a-4b5c-4d6e-9f7a-8b9c0d1e2f3a", replaceWith: awsIssuer },
    { value: "123456789012", replaceWith: awsAccount },
    { value: "210987654321", replaceWith: awsAccount },
    // agents[].azureDatabricks.accessConnectorPrincipalId (dev)
    {
        value: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        replaceWith:
            "the principal id of your access connector's managed identity (az databricks access-connector show --query identity.principalId)",
    },
    // agents[].kubernetes.issuer: the cluster part (the tenant part before it is real, so not listed)
    {
        value: "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f",
        replaceWith: "your cluster's OIDC issuer URL (az aks show --query oidcIssuerProfile.issuerUrl)",
    },
    // agents[].githubActions.repository (dev, prod)
    { value: "contoso/agents-control-plane", replaceWith: "your repository as owner/name" },
    // Never a real object id; a placeholder people paste.
    { value: "00000000-0000-0000-0000-000000000000", replaceWith: "a real id" },
];

/** SHA-256 fingerprints of example certificates (agents[].salesforce.certificate in dev). */
export const exampleCertificates: readonly ExampleValue[] = [
    {
        value: "A7:35:E6:1D:EC:79:63:F5:49:4F:62:AE:6B:2B:9D:EC:29:7E:96:9A:1B:C8:33:8D:66:E5:1D:4B:22:7A:48:C9",
        replaceWith:
            "the public certificate whose private key your Salesforce org signs the client assertion with",
    },
];

/**
 * Domains that never reach a real mailbox or tenant: Microsoft's fictitious companies and the
 * names reserved for documentation (RFC 2606, RFC 6761).
 */
export const exampleDomains: readonly string[] = [
    "contoso.com",
    "fabrikam.com",
    "example.com",
    "example.net",
    "example.org",
    "example",
    "test",
    "invalid",
    "localhost",
];

/**
 * Keys whose values name no identity: browser origins a gateway admits, where a loopback origin (a
 * local MCP Inspector) is a real development choice, not a placeholder.
 */
const keysWithoutIdentities: ReadonlySet<string> = new Set(["corsAllowedOrigins"]);

/** One example found in a stack's configuration. */
export interface ExampleFinding {
    /** An id (or repository) inside the value, an example domain, or an example certificate. */
    readonly kind: "id" | "domain" | "certificate";
    /** Key path as the parser reports it: `agents[1].aws.roleArn`. */
    readonly path: string;
    /** The configured value that holds the example, as messages show it (a certificate by fingerprint). */
    readonly value: string;
    /** The example inside it: the value itself, an id inside a URL or ARN, or a domain. */
    readonly example: string;
    readonly replaceWith: string;
}

/**
 * Finds every example in `values` (unprefixed key -> the value as Pulumi stores it: strings as
 * they are, lists and objects as JSON). Keys listed in `jsonKeys` are parsed and walked.
 */
export function findExampleIdentities(
    values: ReadonlyMap<string, string>,
    jsonKeys: ReadonlySet<string>,
): ExampleFinding[] {
    const findings: ExampleFinding[] = [];
    for (const [key, raw] of values) {
        if (key === exampleIdentitiesOptInKey || keysWithoutIdentities.has(key)) continue;
        if (!jsonKeys.has(key)) {
            scanString(key, raw, findings);
            continue;
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            continue; // the parser reports the malformed value itself
        }
        walk(key, parsed, findings);
    }
    return findings;
}

function walk(path: string, v: unknown, findings: ExampleFinding[]): void {
    if (typeof v === "string") scanString(path, v, findings);
    else if (Array.isArray(v)) v.forEach((item, i) => walk(`${path}[${i}]`, item, findings));
    else if (typeof v === "object" && v !== null)
        for (const [k, item] of Object.entries(v)) walk(`${path}.${k}`, item, findings);
}

function scanString(path: string, value: string, findings: ExampleFinding[]): void {
    if (value.includes("BEGIN CERTIFICATE") || /\.certificate$/.test(path)) {
        const fingerprint = certificateFingerprint(value);
        const known = exampleCertificates.find((c) => c.value === fingerprint);
        if (known) {
            const shown = `the certificate with SHA-256 fingerprint ${known.value}`;
            findings.push({
                kind: "certificate",
                path,
                value: shown,
                example: known.value,
                replaceWith: known.replaceWith,
            });
        }
        return; // a certificate's base64 body is no place to look for ids
    }
    for (const example of exampleValues) {
        if (containsToken(value, example.value))
            findings.push({
                kind: "id",
                path,
                value,
                example: example.value,
                replaceWith: example.replaceWith,
            });
    }
    const domain = exampleDomainOf(value);
    if (domain)
        findings.push({
            kind: "domain",
            path,
            value,
            example: domain,
            replaceWith: value.includes("@")
                ? "an address your team reads"
                : "a host name on a domain you own",
        });
}

/** What is wrong with one finding, for the problem listed under its key. */
export function describeExampleFinding(f: ExampleFinding): string {
    const replace = `replace it with ${f.replaceWith}`;
    if (f.kind === "domain")
        return `${JSON.stringify(f.value)} is on ${f.example}, an example domain nobody here owns; ${replace}`;
    const what =
        f.kind === "certificate"
            ? f.value
            : f.example.toLowerCase() === f.value.toLowerCase()
              ? JSON.stringify(f.value)
              : `${JSON.stringify(f.value)} holds ${f.example}, which`;
    return `${what} is an example from the shipped stack files, not a real identity; ${replace}`;
}

/** Case-insensitive, and not part of a longer id: `123456789012` does not match `1234567890123`. */
function containsToken(value: string, token: string): boolean {
    const haystack = value.toLowerCase();
    const needle = token.toLowerCase();
    for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
        const before = haystack[i - 1] ?? "";
        const after = haystack[i + needle.length] ?? "";
        if (!/[a-z0-9_-]/.test(before) && !/[a-z0-9_-]/.test(after)) return true;
    }
    return false;
}

/** The example domain of an e-mail address, a URL's host or a bare host name, if it has one. */
function exampleDomainOf(value: string): string | undefined {
    let host: string | undefined;
    const email = /^[^\s@]+@([^\s@]+)$/.exec(value);
    if (email) host = email[1];
    else if (/^https?:\/\//i.test(value)) {
        try {
            host = new URL(value).hostname;
        } catch {
            return undefined;
        }
    } else if (/^[a-z0-9.-]+\.[a-z]{2,63}$/i.test(value)) host = value;
    if (host === undefined) return undefined;
    const name = host.toLowerCase().replace(/\.$/, "");
    return exampleDomains.find((d) => name === d || name.endsWith(`.${d}`));
}

function certificateFingerprint(value: string): string | undefined {
    try {
        const pem = value.includes("-----BEGIN CERTIFICATE-----");
        return new X509Certificate(pem ? value : Buffer.from(value.replace(/\s+/g, ""), "base64"))
            .fingerprint256;
    } catch {
        return undefined;
    }
}
