/**
 * Parses the raw stack configuration (key -> string, as Pulumi stores it) into {@link StackConfig},
 * collecting every problem at once, each prefixed with the full key path so the stack file can be
 * fixed in one pass. Pure: no Pulumi imports.
 */
import { projectName } from "../project";
import { X509Certificate } from "node:crypto";
import { allAppRoles, type AppRole } from "../../functions-app/src/contract";
import { federatedCredentialsFor, maxFederatedCredentialsPerApp } from "../identity/federation";
import { checkImage } from "../kubernetes/syntax";
import { isPrivateRange, parseCidr } from "../network/cidr";
import { addressSpaceProblems } from "../network/plan";
import {
    describeExampleFinding,
    exampleIdentitiesOptInKey,
    findExampleIdentities,
    type ExampleFinding,
} from "./example-identities";
import { configKeyNames, configKeys, type ConfigKey } from "./keys";
import { supportProblem, type FunctionsNodeVersion } from "./support";
import {
    agentPlatformKinds,
    apimSkus,
    deployerPrincipalTypes,
    type AgentConfig,
    type AksConfig,
    type BackendKind,
    type AgentPlatform,
    type AgentPlatformKind,
    type ApimSku,
    type CustomDomainConfig,
    type DeployerPrincipalType,
    type StackConfig,
} from "./types";

/** Audiences Entra accepts for workload identity federation (public, US Government, China clouds). */
const tokenExchangeAudiences = [
    "api://AzureADTokenExchange",
    "api://AzureADTokenExchangeUSGov",
    "api://AzureADTokenExchangeChina",
];

/** `warnings`: what the stack allows on purpose but a reviewer should see (example identities). */
export type ParseResult =
    { ok: true; config: StackConfig; warnings: string[] } | { ok: false; errors: string[] };

/** Thrown by the program before any resource exists; the message lists every problem. */
export class ConfigError extends Error {
    constructor(public readonly problems: readonly string[]) {
        super(
            `Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  - ${problems.join("\n  - ")}`,
        );
        this.name = "ConfigError";
    }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const awsIssuerPattern = /^https:\/\/[a-z0-9-]+\.tokens\.sts\.global\.api\.aws$/;
const roleArnPattern = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const cognitoIdPattern =
    /^[a-z]{2}(-[a-z]+)+-\d:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const githubRepoPattern = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const gitRefPattern = /^[A-Za-z0-9._/-]+$/;
const hostNamePattern = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Collects problems under a key path while reading values of the right shape. */
class Reader {
    readonly errors: string[] = [];
    problem(path: string, message: string): void {
        this.errors.push(`${projectName}:${path}: ${message}`);
    }
}

/** What the parse depends on besides the values: the stack's name and the day runtimes are judged on. */
export interface ParseContext {
    readonly stack: string;
    /** Runtime versions past their end of support on this day are refused. */
    readonly today: Date;
}

/**
 * `raw` maps unprefixed keys (`apimSku`) or project-prefixed keys (`agents-control-plane:apimSku`)
 * to their string values; structured values are JSON, as Pulumi stores them.
 */
export function parseStackConfig(raw: Readonly<Record<string, string>>, ctx: ParseContext): ParseResult {
    const r = new Reader();
    const values = new Map<string, string>();
    for (const [fullKey, value] of Object.entries(raw)) {
        const [ns, key] = fullKey.includes(":") ? splitKey(fullKey) : [projectName, fullKey];
        if (ns !== projectName) continue; // provider settings such as azure-native:location
        if (!(configKeyNames as string[]).includes(key)) {
            r.problem(key, `unknown key (known keys: ${configKeyNames.join(", ")})`);
            continue;
        }
        values.set(key, value);
    }

    const str = (key: ConfigKey): string | undefined => values.get(key) ?? defaultOf(key);
    /** Optional string keys declare "" as their default: empty means unset. */
    const optionalStr = (key: ConfigKey): string | undefined => (str(key) === "" ? undefined : str(key));
    const json = (key: ConfigKey): unknown => {
        const v = values.get(key);
        if (v === undefined) return configKeys[key].default;
        try {
            return JSON.parse(v);
        } catch {
            r.problem(key, `must be a YAML ${configKeys[key].type} (got ${JSON.stringify(v)})`);
            return configKeys[key].default;
        }
    };
    const int = (key: ConfigKey, min: number, max: number): number => {
        const v = str(key);
        const n = Number(v);
        if (v === undefined || !/^-?\d+$/.test(v.trim()) || n < min || n > max) {
            r.problem(key, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
            return min;
        }
        return n;
    };

    const environment = optionalStr("environment") ?? ctx.stack;
    if (!/^[a-z][a-z0-9-]{0,15}$/.test(environment)) {
        r.problem(
            "environment",
            `must be 1-16 lowercase letters, digits or '-', starting with a letter (got "${environment}")`,
        );
    }
    const namePrefix = str("namePrefix") ?? "acp";
    if (!/^[a-z][a-z0-9]{1,9}$/.test(namePrefix)) {
        r.problem(
            "namePrefix",
            `must be 2-10 lowercase letters or digits, starting with a letter (got "${namePrefix}")`,
        );
    }
    const location = str("location") ?? "";
    if (!/^[a-z]+[a-z0-9]*$/.test(location))
        r.problem("location", `must be an Azure region name such as westeurope (got "${location}")`);

    const deployerPrincipalType = str("deployerPrincipalType") ?? "";
    if (!(deployerPrincipalTypes as readonly string[]).includes(deployerPrincipalType))
        r.problem(
            "deployerPrincipalType",
            `must be ${deployerPrincipalTypes.map((t) => `"${t}"`).join(" or ")}: the kind of identity that runs pulumi up (got "${deployerPrincipalType}")`,
        );

    const tags = readTags(r, json("tags"));

    const backend = str("backend");
    if (backend !== "functions" && backend !== "aks") {
        r.problem("backend", `must be "functions" or "aks" (got "${backend}")`);
    }

    const sku = str("apimSku") ?? "";
    if (sku === "Consumption") {
        r.problem(
            "apimSku",
            "Consumption is not supported: it has no rate-limit-by-key and drops long-running SSE connections",
        );
    } else if (!(apimSkus as readonly string[]).includes(sku)) {
        r.problem("apimSku", `must be one of ${apimSkus.join(", ")} (got "${sku}")`);
    }
    const capacity = int("apimCapacity", 1, 12);
    if (sku === "Developer" && capacity !== 1) r.problem("apimCapacity", "must be 1 for the Developer SKU");

    const publisherEmail = str("publisherEmail");
    if (publisherEmail === undefined)
        r.problem("publisherEmail", "is required (API Management publisher e-mail)");
    else if (!emailPattern.test(publisherEmail))
        r.problem("publisherEmail", `must be an e-mail address (got "${publisherEmail}")`);
    const publisherName = str("publisherName") ?? "";
    if (publisherName.trim() === "") r.problem("publisherName", "must not be empty");

    const customDomain = readCustomDomain(
        r,
        optionalStr("customDomainHostName"),
        optionalStr("customDomainCertificateSecretId"),
        optionalStr("customDomainKeyVaultId"),
    );

    const rateLimitCalls = int("rateLimitCalls", 1, 100000);
    const rateLimitPeriodSeconds = int("rateLimitPeriodSeconds", 1, 300);
    const maxRequestBodyKb = int("maxRequestBodyKb", 1, 4096);
    const samplingPercentage = int("appInsightsSamplingPercentage", 0, 100);
    const corsAllowedOrigins = stringList(r, "corsAllowedOrigins", json("corsAllowedOrigins"), originProblem);
    const logRetentionDays = int("logRetentionDays", 30, 730);
    const latencyThresholdMs = int("latencyThresholdMs", 50, 240000);

    const alertEmails = stringList(r, "alertEmails", json("alertEmails"), (v) =>
        emailPattern.test(v) ? undefined : "must be an e-mail address",
    );
    const alertWebhookUrls = stringList(r, "alertWebhookUrls", json("alertWebhookUrls"), (v) =>
        isHttpsUrl(v) ? undefined : "must be an https URL",
    );

    const memory = int("functionsInstanceMemoryMB", 2048, 4096);
    if (memory !== 2048 && memory !== 4096)
        r.problem("functionsInstanceMemoryMB", `must be 2048 or 4096 (got ${memory})`);
    const maximumInstanceCount = int("functionsMaximumInstanceCount", 40, 1000);
    const nodeVersion = str("functionsNodeVersion") ?? "";
    const nodeProblem = supportProblem("functionsNode", nodeVersion, ctx.today);
    if (nodeProblem) r.problem("functionsNodeVersion", nodeProblem);

    const addressSpace = str("vnetAddressSpace") ?? "";
    for (const problem of addressSpaceProblems(addressSpace))
        r.problem("vnetAddressSpace", `${problem} (got "${addressSpace}")`);
    const aks = readAks(r, str, optionalStr, int, json, ctx.today);
    if (backend === "aks") {
        if (sku === "BasicV2" || sku === "Basic" || sku === "Standard") {
            r.problem(
                "apimSku",
                `${sku} cannot reach the AKS backend: it has no virtual network integration, and the backend is reachable only through its internal load balancer; use StandardV2 or PremiumV2 (outbound VNet integration), or Developer/Premium (VNet injection)`,
            );
        }
        if (!aks.privateCluster && aks.authorizedIpRanges.length === 0) {
            r.problem(
                "aksAuthorizedIpRanges",
                "is required when aksPrivateCluster is false: list the public CIDR ranges allowed to reach the API server (for example your deployment runners' egress), or set aksPrivateCluster: true",
            );
        }
    }
    if (aks.privateCluster && aks.authorizedIpRanges.length > 0) {
        r.problem(
            "aksAuthorizedIpRanges",
            "must be empty when aksPrivateCluster is true (a private API server has no public endpoint to restrict)",
        );
    }

    const sentinelCallerPrincipalIds = stringList(
        r,
        "sentinelCallerPrincipalIds",
        json("sentinelCallerPrincipalIds"),
        (v) => (uuidPattern.test(v) ? undefined : "must be an object id (GUID)"),
    );

    const agents = readAgents(r, json("agents"));

    const allowExamples = str(exampleIdentitiesOptInKey);
    if (allowExamples !== "true" && allowExamples !== "false")
        r.problem(exampleIdentitiesOptInKey, `must be true or false (got ${JSON.stringify(allowExamples)})`);
    else if (allowExamples === "false") refuseExampleIdentities(r, values);
    const warnings =
        allowExamples === "true"
            ? exampleFindings(values).map(
                  (f) =>
                      `${projectName}:${f.path}: deployed although ${describeExampleFinding(f)} (allowed by allowExampleIdentities)`,
              )
            : [];

    if (r.errors.length > 0) return { ok: false, errors: r.errors };
    return {
        ok: true,
        warnings,
        config: {
            location,
            environment,
            deployerPrincipalType: deployerPrincipalType as DeployerPrincipalType,
            namePrefix,
            tags,
            backend: backend as BackendKind,
            apim: {
                sku: sku as ApimSku,
                capacity,
                publisherEmail: publisherEmail ?? "",
                publisherName,
                ...(customDomain ? { customDomain } : {}),
            },
            gatewayPolicy: {
                rateLimitCalls,
                rateLimitPeriodSeconds,
                maxRequestBodyKb,
                samplingPercentage,
                corsAllowedOrigins,
            },
            monitoring: { logRetentionDays, alertEmails, alertWebhookUrls, latencyThresholdMs },
            functions: {
                instanceMemoryMB: memory as 2048 | 4096,
                maximumInstanceCount,
                nodeVersion: nodeVersion as FunctionsNodeVersion,
            },
            network: { addressSpace },
            aks,
            sentinelCallerPrincipalIds,
            agents,
        },
    };
}

function exampleFindings(values: ReadonlyMap<string, string>): ExampleFinding[] {
    const jsonKeys = new Set(
        configKeyNames.filter((k) => configKeys[k].type === "array" || configKeys[k].type === "object"),
    );
    return findExampleIdentities(values, jsonKeys);
}

/** Every example identity is a problem of its own, then one line names the opt-in. */
function refuseExampleIdentities(r: Reader, values: ReadonlyMap<string, string>): void {
    const findings = exampleFindings(values);
    for (const f of findings) r.problem(f.path, describeExampleFinding(f));
    if (findings.length > 0)
        r.problem(
            exampleIdentitiesOptInKey,
            `the stack holds ${findings.length} example value${findings.length === 1 ? "" : "s"} (listed above): agents and grants would trust identities nobody on the team owns. Replace them (README: First deployment), or opt in on purpose with allowExampleIdentities: true (pulumi config set allowExampleIdentities true; npm run synth/policy: --config allowExampleIdentities=true)`,
        );
}

const vmSizePattern = /^Standard_[A-Za-z0-9_]+$/;
const kubernetesVersionPattern = /^1\.\d{2}(\.\d{1,2})?$/;

function readAks(
    r: Reader,
    str: (key: ConfigKey) => string | undefined,
    optionalStr: (key: ConfigKey) => string | undefined,
    int: (key: ConfigKey, min: number, max: number) => number,
    json: (key: ConfigKey) => unknown,
    today: Date,
): AksConfig {
    const kubernetesVersion = optionalStr("aksKubernetesVersion");
    if (kubernetesVersion !== undefined) {
        if (!kubernetesVersionPattern.test(kubernetesVersion))
            r.problem(
                "aksKubernetesVersion",
                `must be a Kubernetes minor or patch version such as 1.35 or 1.35.2, or empty (got "${kubernetesVersion}")`,
            );
        else {
            const unsupported = supportProblem("aksKubernetes", kubernetesVersion, today);
            if (unsupported)
                r.problem(
                    "aksKubernetesVersion",
                    `${unsupported}, or leave it empty for the region's default`,
                );
        }
    }
    const nodeVmSize = str("aksNodeVmSize") ?? "";
    if (!vmSizePattern.test(nodeVmSize))
        r.problem("aksNodeVmSize", `must be an Azure VM size such as Standard_D4ds_v5 (got "${nodeVmSize}")`);
    const systemNodeCount = int("aksSystemNodeCount", 1, 10);
    const nodeMinCount = int("aksNodeMinCount", 1, 100);
    const nodeMaxCount = int("aksNodeMaxCount", 1, 100);
    if (nodeMaxCount < nodeMinCount)
        r.problem(
            "aksNodeMaxCount",
            `must be at least aksNodeMinCount (${nodeMinCount}); got ${nodeMaxCount}`,
        );
    const privateValue = str("aksPrivateCluster");
    if (privateValue !== "true" && privateValue !== "false")
        r.problem("aksPrivateCluster", `must be true or false (got ${JSON.stringify(privateValue)})`);
    const workloadDelivery = str("aksWorkloadDelivery");
    if (workloadDelivery !== "kubernetesApi" && workloadDelivery !== "runCommand")
        r.problem(
            "aksWorkloadDelivery",
            `must be "kubernetesApi" or "runCommand" (got ${JSON.stringify(workloadDelivery)})`,
        );
    const authorizedIpRanges = stringList(r, "aksAuthorizedIpRanges", json("aksAuthorizedIpRanges"), (v) => {
        const block = parseCidr(v);
        if (!block) return "must be an IPv4 CIDR range such as 203.0.113.0/24, with no host bits set";
        if (isPrivateRange(block))
            return "must be a public range (the API server sees public source addresses)";
        // 0.0.0.0/0 and other huge blocks would leave the API server open to the internet.
        if (block.prefix < 16)
            return "must be /16 or narrower: list your runners' egress ranges, not the internet";
        return undefined;
    });
    const min = int("aksReplicasMin", 1, 50);
    const max = int("aksReplicasMax", 1, 50);
    if (max < min) r.problem("aksReplicasMax", `must be at least aksReplicasMin (${min}); got ${max}`);
    const image = optionalStr("aksImage");
    if (image !== undefined) {
        // Pinned (tag other than latest, or digest) and from a named registry, never Docker Hub by default.
        const problem =
            checkImage(image) ?? (/^[^/]+\.[^/]+\//.test(image) ? undefined : "must name its registry host");
        if (problem)
            r.problem(
                "aksImage",
                `${problem}; use <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest> (got "${image}")`,
            );
    }
    return {
        ...(kubernetesVersion ? { kubernetesVersion } : {}),
        nodeVmSize,
        systemNodeCount,
        nodeMinCount,
        nodeMaxCount,
        privateCluster: privateValue === "true",
        workloadDelivery: workloadDelivery === "runCommand" ? "runCommand" : "kubernetesApi",
        authorizedIpRanges,
        replicas: { min, max },
        ...(image ? { image } : {}),
    };
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function defaultOf(key: ConfigKey): string | undefined {
    const d = configKeys[key].default;
    return d === undefined ? undefined : typeof d === "string" ? d : JSON.stringify(d);
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A browser origin as browsers send it: scheme, host, optional port; https, or http for a
 * developer's own machine. `*` is refused: any web page could then drive the tools with a token.
 */
function originProblem(v: string): string | undefined {
    if (v === "*") return '"*" would let any web page call the tools; list the origins';
    let url: URL;
    try {
        url = new URL(v);
    } catch {
        return "must be an origin such as https://app.example.com";
    }
    if (url.origin !== v)
        return "must be an origin such as https://app.example.com (no path or trailing slash)";
    const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
        return "must use https (http only for localhost)";
    return undefined;
}

function isHttpsUrl(v: string): boolean {
    try {
        const u = new URL(v);
        return u.protocol === "https:" && u.hostname !== "";
    } catch {
        return false;
    }
}

function readTags(r: Reader, v: unknown): Record<string, string> {
    if (!isRecord(v)) {
        r.problem("tags", "must be a map of tag name to string value");
        return {};
    }
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
        if (typeof val !== "string") r.problem(`tags.${k}`, "must be a string");
        else if (k === "environment" || k === "project")
            r.problem(`tags.${k}`, "is set by the program; remove it");
        else out[k] = val;
    }
    return out;
}

function readCustomDomain(
    r: Reader,
    hostName: string | undefined,
    secretId: string | undefined,
    vaultId: string | undefined,
): CustomDomainConfig | undefined {
    if (hostName === undefined && secretId === undefined && vaultId === undefined) return undefined;
    let ok = true;
    if (hostName === undefined || !hostNamePattern.test(hostName)) {
        r.problem(
            "customDomainHostName",
            `must be a lowercase DNS name such as mcp.contoso.com (got ${JSON.stringify(hostName ?? "")})`,
        );
        ok = false;
    }
    const secret = /^https:\/\/([a-z0-9-]+)\.vault\.azure\.net\/secrets\/[A-Za-z0-9-]+\/?$/.exec(
        secretId ?? "",
    );
    if (!secret) {
        r.problem(
            "customDomainCertificateSecretId",
            `must be a versionless Key Vault secret URI https://<vault>.vault.azure.net/secrets/<name> (got ${JSON.stringify(secretId ?? "")})`,
        );
        ok = false;
    }
    const vault =
        /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/([A-Za-z0-9-]{3,24})$/.exec(
            vaultId ?? "",
        );
    if (!vault) {
        r.problem(
            "customDomainKeyVaultId",
            `must be the vault's ARM id /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>, so the gateway can be granted read on the certificate (got ${JSON.stringify(vaultId ?? "")})`,
        );
        ok = false;
    } else if (secret && vault[1].toLowerCase() !== secret[1]) {
        r.problem(
            "customDomainKeyVaultId",
            `names vault ${vault[1]} but customDomainCertificateSecretId is in vault ${secret[1]}`,
        );
        ok = false;
    }
    return ok
        ? {
              hostName: hostName as string,
              keyVaultSecretId: secretId as string,
              keyVaultId: vaultId as string,
          }
        : undefined;
}

function stringList(r: Reader, key: string, v: unknown, check: (s: string) => string | undefined): string[] {
    if (!Array.isArray(v)) {
        r.problem(key, "must be a list of strings");
        return [];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
        if (typeof item !== "string") {
            r.problem(`${key}[${i}]`, "must be a string");
            return;
        }
        const problem = check(item);
        if (problem) r.problem(`${key}[${i}]`, `${problem} (got "${item}")`);
        else out.push(item);
    });
    return out;
}

function readAgents(r: Reader, v: unknown): AgentConfig[] {
    if (!Array.isArray(v)) {
        r.problem("agents", "must be a list of agents");
        return [];
    }
    const agents: AgentConfig[] = [];
    const seen = new Map<string, number>();
    v.forEach((item, i) => {
        const key = `agents[${i}]`;
        if (!isRecord(item)) {
            r.problem(key, "must be an object {name, roles, <platform block>}");
            return;
        }
        const agent = readAgent(r, key, item);
        if (typeof item.name === "string") {
            const first = seen.get(item.name);
            if (first !== undefined)
                r.problem(`${key}.name`, `duplicate agent name "${item.name}" (also agents[${first}])`);
            else seen.set(item.name, i);
        }
        if (agent) agents.push(agent);
    });
    return agents;
}

const agentFields = new Set(["name", "description", "roles", ...agentPlatformKinds]);

function readAgent(r: Reader, key: string, item: Record<string, unknown>): AgentConfig | undefined {
    const before = r.errors.length;
    const name = item.name;
    if (typeof name !== "string" || !/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(name)) {
        r.problem(`${key}.name`, "must be 3-32 lowercase letters, digits or '-', starting with a letter");
    }
    for (const field of Object.keys(item)) {
        if (!agentFields.has(field))
            r.problem(`${key}.${field}`, `unknown field (allowed: ${[...agentFields].join(", ")})`);
    }
    if (item.description !== undefined && typeof item.description !== "string") {
        r.problem(`${key}.description`, "must be a string");
    }
    const roles = readRoles(r, `${key}.roles`, item.roles);

    const blocks = agentPlatformKinds.filter((k) => item[k] !== undefined);
    let platform: AgentPlatform | undefined;
    if (blocks.length !== 1) {
        r.problem(
            key,
            `needs exactly one platform block (${agentPlatformKinds.join(", ")}); found ${blocks.length === 0 ? "none" : blocks.join(", ")}`,
        );
    } else {
        platform = readPlatform(r, `${key}.${blocks[0]}`, blocks[0], item[blocks[0]]);
    }
    if (r.errors.length > before || platform === undefined) return undefined;

    const agent: AgentConfig = {
        name: name as string,
        ...(typeof item.description === "string" ? { description: item.description } : {}),
        roles,
        platform,
    };
    // The tenant does not change how many credentials there are or what they are named.
    const credentials = federatedCredentialsFor(agent, { tenantId: "00000000-0000-0000-0000-000000000000" });
    if (credentials.length > maxFederatedCredentialsPerApp) {
        r.problem(
            `${key}.${platform.kind}`,
            `maps to ${credentials.length} federated identity credentials; Entra allows at most ${maxFederatedCredentialsPerApp} per app`,
        );
    }
    const names = new Set<string>();
    for (const c of credentials) {
        if (names.has(c.name))
            r.problem(`${key}.${platform.kind}`, `two entries map to the same credential name "${c.name}"`);
        names.add(c.name);
    }
    return r.errors.length > before ? undefined : agent;
}

function readRoles(r: Reader, key: string, v: unknown): AppRole[] {
    if (!Array.isArray(v) || v.length === 0) {
        r.problem(key, `must be a non-empty list of app roles (${allAppRoles.join(", ")})`);
        return [];
    }
    const out: AppRole[] = [];
    v.forEach((role, i) => {
        if (typeof role !== "string" || !(allAppRoles as readonly string[]).includes(role)) {
            r.problem(
                `${key}[${i}]`,
                `unknown app role ${JSON.stringify(role)} (roles: ${allAppRoles.join(", ")})`,
            );
        } else if (out.includes(role as AppRole)) {
            r.problem(`${key}[${i}]`, `duplicate role "${role}"`);
        } else {
            out.push(role as AppRole);
        }
    });
    return out;
}

function readPlatform(
    r: Reader,
    key: string,
    kind: AgentPlatformKind,
    v: unknown,
): AgentPlatform | undefined {
    if (!isRecord(v)) {
        r.problem(key, "must be an object");
        return undefined;
    }
    const s = (field: string, check: (x: string) => boolean, message: string): string => {
        const x = v[field];
        if (typeof x !== "string" || x === "") {
            r.problem(`${key}.${field}`, `is required (${message})`);
            return "";
        }
        if (!check(x)) r.problem(`${key}.${field}`, `${message} (got "${x}")`);
        return x;
    };
    const list = (field: string, check: (x: string) => boolean, message: string): string[] => {
        const x = v[field];
        if (x === undefined) return [];
        if (!Array.isArray(x)) {
            r.problem(`${key}.${field}`, "must be a list of strings");
            return [];
        }
        x.forEach((e, i) => {
            if (typeof e !== "string" || !check(e))
                r.problem(`${key}.${field}[${i}]`, `${message} (got ${JSON.stringify(e)})`);
        });
        return x.filter((e): e is string => typeof e === "string");
    };
    switch (kind) {
        case "gcp":
            return {
                kind,
                gcp: {
                    serviceAccountUniqueId: s(
                        "serviceAccountUniqueId",
                        (x) => /^\d{21}$/.test(x),
                        "must be the 21-digit numeric unique id of the service account, not its e-mail",
                    ),
                },
            };
        case "aws":
            return {
                kind,
                aws: {
                    issuer: s(
                        "issuer",
                        (x) => awsIssuerPattern.test(x),
                        "must be https://<id>.tokens.sts.global.api.aws",
                    ),
                    roleArn: s(
                        "roleArn",
                        (x) => roleArnPattern.test(x),
                        "must be an IAM role ARN arn:aws:iam::<12-digit account>:role/<name>",
                    ),
                },
            };
        case "awsCognito":
            return {
                kind,
                awsCognito: {
                    identityPoolId: s(
                        "identityPoolId",
                        (x) => cognitoIdPattern.test(x),
                        "must be <region>:<guid>",
                    ),
                    identityId: s("identityId", (x) => cognitoIdPattern.test(x), "must be <region>:<guid>"),
                },
            };
        case "kubernetes":
            return {
                kind,
                kubernetes: {
                    issuer: s("issuer", isHttpsUrl, "must be the cluster's https OIDC issuer URL"),
                    namespace: s(
                        "namespace",
                        (x) => dns1123Label.test(x),
                        "must be a Kubernetes namespace name",
                    ),
                    serviceAccount: s(
                        "serviceAccount",
                        (x) => dns1123Label.test(x),
                        "must be a Kubernetes service account name",
                    ),
                },
            };
        case "githubActions": {
            const repository = s("repository", (x) => githubRepoPattern.test(x), "must be owner/repo");
            const environments = list(
                "environments",
                (x) => /^[^:\s]{1,255}$/.test(x),
                "must be an environment name",
            );
            const branches = list("branches", (x) => gitRefPattern.test(x), "must be a branch name");
            const tags = list("tags", (x) => gitRefPattern.test(x), "must be a tag name");
            const pr = v.pullRequests;
            if (pr !== undefined && typeof pr !== "boolean")
                r.problem(`${key}.pullRequests`, "must be true or false");
            const pullRequests = pr === true;
            if (environments.length + branches.length + tags.length === 0 && !pullRequests) {
                r.problem(key, "needs at least one of environments, branches, tags or pullRequests: true");
            }
            return { kind, githubActions: { repository, environments, branches, tags, pullRequests } };
        }
        case "azureDatabricks":
            return {
                kind,
                azureDatabricks: {
                    accessConnectorPrincipalId: s(
                        "accessConnectorPrincipalId",
                        (x) => uuidPattern.test(x),
                        "must be the object id (GUID) of the access connector's managed identity",
                    ),
                },
            };
        case "oidc": {
            const issuer = s("issuer", isHttpsUrl, "must be an https issuer URL");
            // Entra matches subjects exactly: a '*' is never a wildcard, only a mistake.
            const subjects = list(
                "subjects",
                (x) => x.length > 0 && x.length <= 600 && !x.includes("*"),
                "must be one concrete subject (Entra matches exactly; '*' is not a wildcard)",
            );
            if (subjects.length === 0) r.problem(`${key}.subjects`, "must list at least one subject");
            const audience = v.audience === undefined ? tokenExchangeAudiences[0] : v.audience;
            if (typeof audience !== "string" || !tokenExchangeAudiences.includes(audience))
                r.problem(`${key}.audience`, `must be one of ${tokenExchangeAudiences.join(", ")}`);
            return { kind, oidc: { issuer, subjects, audience: String(audience) } };
        }
        case "salesforce": {
            const cert = v.certificate;
            if (typeof cert !== "string" || cert.trim() === "") {
                r.problem(
                    `${key}.certificate`,
                    "is required: the public certificate (PEM or base64 DER) of the Salesforce connected app",
                );
                return undefined;
            }
            const parsed = readCertificate(cert);
            if (typeof parsed === "string") {
                r.problem(`${key}.certificate`, parsed);
                return undefined;
            }
            return { kind, salesforce: parsed };
        }
    }
}

/** Reads a public certificate; a string result is the problem. */
function readCertificate(value: string): SalesforceCertificateResult | string {
    const pem = value.includes("-----BEGIN CERTIFICATE-----");
    let cert: X509Certificate;
    try {
        cert = new X509Certificate(pem ? value : Buffer.from(value.replace(/\s+/g, ""), "base64"));
    } catch {
        return "must be an X.509 certificate in PEM or base64 DER";
    }
    if (value.includes("PRIVATE KEY")) return "must contain the public certificate only, never a private key";
    const notAfter = new Date(cert.validTo);
    if (notAfter.getTime() <= Date.now()) return `has expired (${notAfter.toISOString()})`;
    return {
        certificate: pem ? value.trim() : value.replace(/\s+/g, ""),
        encoding: pem ? "pem" : "base64",
        notAfter: notAfter.toISOString(),
    };
}

type SalesforceCertificateResult = { certificate: string; encoding: "pem" | "base64"; notAfter: string };
