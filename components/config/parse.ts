/**
 * Parses the raw stack configuration (key -> string, as Pulumi stores it) into {@link StackConfig},
 * collecting every problem at once, each prefixed with the full key path so the stack file can be
 * fixed in one pass. Pure: no Pulumi imports.
 */
import { projectName } from "../project";
import { checkImage } from "../kubernetes/syntax";
import { isPrivateRange, parseCidr } from "../network/cidr";
import { addressSpaceProblems } from "../network/plan";
import { readAgents } from "../platforms/agents";
import {
    describeExampleFinding,
    exampleIdentitiesOptInKey,
    findExampleIdentities,
    type ExampleFinding,
} from "./example-identities";
import { readAgentData } from "./agent-data";
import { readClientAuth } from "./client-auth";
import { contentSafetyModes } from "./content-safety";
import {
    configKeyNames,
    configKeys,
    integerRange,
    numberLeast,
    type ConfigKey,
    type IntegerKey,
    type NumberKey,
} from "./keys";
import { supportProblem, type FunctionsNodeVersion } from "./support";
import { alternatives, isHttpsUrl, isRecord, uuidPattern } from "./values";
import {
    aksWorkloadDeliveries,
    apimSkus,
    backendKinds,
    deployerPrincipalTypes,
    functionsInstanceMemorySizes,
    type AksConfig,
    type ApimSku,
    type CustomDomainConfig,
    type StackConfig,
} from "./types";

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

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
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
    const int = (key: IntegerKey): number => {
        const { min, max } = integerRange(key);
        const v = str(key);
        const n = Number(v);
        if (v === undefined || !/^-?\d+$/.test(v.trim()) || n < min || n > max) {
            r.problem(key, `must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`);
            return min;
        }
        return n;
    };
    /** A finite number from the key's least value up; a fraction is allowed. */
    const num = (key: NumberKey): number => {
        const least = numberLeast(key);
        const v = str(key);
        const n = Number(v);
        if (v === undefined || v.trim() === "" || !Number.isFinite(n) || n < least) {
            r.problem(key, `must be a number of at least ${least} (got ${JSON.stringify(v)})`);
            return least;
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

    const principalType = str("deployerPrincipalType") ?? "";
    const deployerPrincipalType = chosen(
        r,
        "deployerPrincipalType",
        deployerPrincipalTypes,
        principalType,
        `must be ${alternatives(deployerPrincipalTypes.map(quoted))}: the kind of identity that runs pulumi up (got "${principalType}")`,
    );

    const tags = readTags(r, json("tags"));

    const backendName = str("backend");
    const backend = chosen(
        r,
        "backend",
        backendKinds,
        backendName,
        `must be ${alternatives(backendKinds.map(quoted))} (got "${backendName}")`,
    );

    const sku = str("apimSku") ?? "";
    if (sku === "Consumption") {
        r.problem(
            "apimSku",
            "Consumption is not supported: it has no rate-limit-by-key and drops long-running SSE connections",
        );
    } else if (!(apimSkus as readonly string[]).includes(sku)) {
        r.problem("apimSku", `must be one of ${apimSkus.join(", ")} (got "${sku}")`);
    }
    const capacity = int("apimCapacity");
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

    const rateLimitCalls = int("rateLimitCalls");
    const rateLimitPeriodSeconds = int("rateLimitPeriodSeconds");
    const maxRequestBodyKb = int("maxRequestBodyKb");
    const samplingPercentage = int("appInsightsSamplingPercentage");
    const screening = str("contentSafety") ?? "off";
    const contentSafetyMode = chosen(
        r,
        "contentSafety",
        contentSafetyModes,
        screening,
        `must be ${alternatives(contentSafetyModes.map(quoted))} (got "${screening}")`,
    );
    const contentSafetySeverityThreshold = int("contentSafetySeverityThreshold");
    const corsAllowedOrigins = stringList(r, "corsAllowedOrigins", json("corsAllowedOrigins"), originProblem);
    const clientAuth = readClientAuth(
        str("mcpClientAuth"),
        json("mcpPreAuthorizedClientIds"),
        (key, message) => r.problem(key, message),
    );
    const logRetentionDays = int("logRetentionDays");
    const latencyThresholdMs = int("latencyThresholdMs");
    const toolTracingTracesPerSecond = num("toolTracingTracesPerSecond");
    const toolTracingSamplePercent = int("toolTracingSamplePercent");

    const alertEmails = stringList(r, "alertEmails", json("alertEmails"), (v) =>
        emailPattern.test(v) ? undefined : "must be an e-mail address",
    );
    const alertWebhookUrls = stringList(r, "alertWebhookUrls", json("alertWebhookUrls"), (v) =>
        isHttpsUrl(v) ? undefined : "must be an https URL",
    );

    const memorySize = int("functionsInstanceMemoryMB");
    const memory = chosen(
        r,
        "functionsInstanceMemoryMB",
        functionsInstanceMemorySizes,
        memorySize,
        `must be ${alternatives(functionsInstanceMemorySizes)} (got ${memorySize})`,
    );
    const maximumInstanceCount = int("functionsMaximumInstanceCount");
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

    const agentData = readAgentData({ str, int }, backend, (key, message) => r.problem(key, message));

    const sentinelCallerPrincipalIds = stringList(
        r,
        "sentinelCallerPrincipalIds",
        json("sentinelCallerPrincipalIds"),
        (v) => (uuidPattern.test(v) ? undefined : "must be an object id (GUID)"),
    );

    const agents = readAgents((path, message) => r.problem(path, message), json("agents"));

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
            deployerPrincipalType,
            namePrefix,
            tags,
            backend,
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
            clientAuth,
            ...(contentSafetyMode === "off"
                ? {}
                : {
                      contentSafety: {
                          mode: contentSafetyMode,
                          severityThreshold: contentSafetySeverityThreshold,
                      },
                  }),
            monitoring: {
                logRetentionDays,
                alertEmails,
                alertWebhookUrls,
                latencyThresholdMs,
                toolTracingTracesPerSecond,
                toolTracingSamplePercent,
            },
            functions: {
                instanceMemoryMB: memory,
                maximumInstanceCount,
                nodeVersion: nodeVersion as FunctionsNodeVersion,
            },
            network: { addressSpace },
            aks,
            ...agentData,
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
    int: (key: IntegerKey) => number,
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
    const systemNodeCount = int("aksSystemNodeCount");
    const nodeMinCount = int("aksNodeMinCount");
    const nodeMaxCount = int("aksNodeMaxCount");
    if (nodeMaxCount < nodeMinCount)
        r.problem(
            "aksNodeMaxCount",
            `must be at least aksNodeMinCount (${nodeMinCount}); got ${nodeMaxCount}`,
        );
    const privateValue = str("aksPrivateCluster");
    if (privateValue !== "true" && privateValue !== "false")
        r.problem("aksPrivateCluster", `must be true or false (got ${JSON.stringify(privateValue)})`);
    const delivery = str("aksWorkloadDelivery");
    const workloadDelivery = chosen(
        r,
        "aksWorkloadDelivery",
        aksWorkloadDeliveries,
        delivery,
        `must be ${alternatives(aksWorkloadDeliveries.map(quoted))} (got ${JSON.stringify(delivery)})`,
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
    const min = int("aksReplicasMin");
    const max = int("aksReplicasMax");
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
        workloadDelivery,
        authorizedIpRanges,
        replicas: { min, max },
        ...(image ? { image } : {}),
    };
}

/**
 * `v` when it is one of `values`; otherwise `problem` is reported and the first value stands in
 * (the parse fails, so it is never deployed).
 */
function chosen<T extends string | number>(
    r: Reader,
    key: ConfigKey,
    values: readonly [T, ...T[]],
    v: string | number | undefined,
    problem: string,
): T {
    const found = values.find((x) => x === v);
    if (found !== undefined) return found;
    r.problem(key, problem);
    return values[0];
}

function quoted(v: string): string {
    return `"${v}"`;
}

function splitKey(fullKey: string): [string, string] {
    const i = fullKey.indexOf(":");
    return [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

function defaultOf(key: ConfigKey): string | undefined {
    const d = configKeys[key].default;
    return d === undefined ? undefined : typeof d === "string" ? d : JSON.stringify(d);
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
    } else if (secret && vault[1]?.toLowerCase() !== secret[1]) {
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
