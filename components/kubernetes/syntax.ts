/**
 * Syntax checks for the values a Kubernetes workload is rendered from. Each returns a problem
 * description or undefined, so callers can collect every problem before failing.
 */

const dns1123Label = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const labelName = /^[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const azureSubnetName = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

/** Names of namespaces, pods' DNS labels: lowercase alphanumerics and '-', at most 63. */
export function checkDns1123Label(value: string): string | undefined {
    if (value.length > 63 || !dns1123Label.test(value)) {
        return `must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters), got "${value}"`;
    }
    return undefined;
}

/** Service names are stricter than most: they must also start with a letter. */
export function checkDns1035Label(value: string): string | undefined {
    if (value.length > 63 || !dns1035Label.test(value)) {
        return `must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, ending with a letter or digit, at most 63 characters), got "${value}"`;
    }
    return undefined;
}

/** A label key (`[prefix/]name`) and value, as the API server validates them. */
export function checkLabel(key: string, value: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && (prefix.length > 253 || !dns1123Subdomain.test(prefix))) {
        return `label key "${key}": prefix must be a DNS-1123 subdomain`;
    }
    if (name.length > 63 || !labelName.test(name)) {
        return `label key "${key}": name must be 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
    }
    if (value !== "" && (value.length > 63 || !labelName.test(value))) {
        return `label "${key}": value "${value}" must be empty or 1-63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric`;
    }
    return undefined;
}

export function checkGuid(value: string): string | undefined {
    return guid.test(value) ? undefined : `must be a GUID (client id), got "${value}"`;
}

export function checkAzureSubnetName(value: string): string | undefined {
    return azureSubnetName.test(value)
        ? undefined
        : `must be an Azure subnet name (1-80 letters, digits, '_', '.', '-'), got "${value}"`;
}

/** Parses dotted-quad IPv4 (no leading zeros, which some parsers read as octal) to a 32-bit number. */
export function parseIpv4(value: string): number | undefined {
    const parts = value.split(".");
    if (parts.length !== 4) return undefined;
    let result = 0;
    for (const part of parts) {
        if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
        const octet = Number(part);
        if (octet > 255) return undefined;
        result = result * 256 + octet;
    }
    return result;
}

export function checkIpv4(value: string): string | undefined {
    return parseIpv4(value) === undefined ? `must be an IPv4 address, got "${value}"` : undefined;
}

/**
 * An IPv4 network in canonical form (host bits zero): a typo such as 10.0.1.5/24 is more likely a
 * mistake than an intent, and /0 would admit every source, which defeats the policy it feeds.
 */
export function checkIpv4Cidr(value: string): string | undefined {
    const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(value);
    const addressText = match?.[1];
    const address = addressText === undefined ? undefined : parseIpv4(addressText);
    const prefix = match ? Number(match[2]) : NaN;
    if (address === undefined || !(prefix >= 0 && prefix <= 32)) {
        return `must be an IPv4 CIDR such as 10.0.2.0/24, got "${value}"`;
    }
    if (prefix === 0) return `must not be /0 (that admits every source), got "${value}"`;
    const hostBits = 2 ** (32 - prefix);
    if (address % hostBits !== 0) {
        return `must name the network (host bits zero), got "${value}"`;
    }
    return undefined;
}

/** An absolute https URL without credentials or fragment (issuers, JWKS, resource ids). */
export function checkHttpsUrl(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `must be an https URL, got "${value}"`;
    }
    if (url.protocol !== "https:") return `must use https, got "${value}"`;
    if (url.username || url.password || url.hash)
        return `must not carry credentials or a fragment, got "${value}"`;
    return undefined;
}

/** A bare service endpoint (no path or query) whose host matches the service's naming. */
export function checkServiceUrl(value: string, host: RegExp, hint: string): string | undefined {
    const problem = checkHttpsUrl(value);
    if (problem) return problem;
    const url = new URL(value);
    if (url.pathname !== "/" || url.search)
        return `must be a bare service URL without path or query, got "${value}"`;
    if (!host.test(url.hostname)) return `must look like ${hint}, got "${value}"`;
    return undefined;
}

/** A browser origin exactly as browsers send it: scheme, host and optional port, nothing else. */
export function checkOrigin(value: string): string | undefined {
    if (value === "*") return `"*" would let any web page call the tools; list the origins instead`;
    try {
        const url = new URL(value);
        if ((url.protocol === "https:" || url.protocol === "http:") && url.origin === value) return undefined;
    } catch {
        // reported below
    }
    return `must be an origin such as https://app.example.com (no path or trailing slash), got "${value}"`;
}

/**
 * Container image reference with an explicit tag or digest. An untagged or `latest` image makes a
 * rollout unreproducible and lets nodes run different code under one Deployment revision.
 */
export function checkImage(value: string): string | undefined {
    const component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    const host =
        "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?";
    const reference = new RegExp(
        `^(?:${host}/)?${component}(?:/${component})*(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`,
    );
    const match = reference.exec(value);
    if (!match) return `must be an image reference such as myacr.azurecr.io/mcp-host:1.4.2, got "${value}"`;
    const [, tag, digest] = match;
    if (!digest && (tag === undefined || tag === "latest")) {
        return `must pin a version tag or digest (not untagged or "latest"), got "${value}"`;
    }
    return undefined;
}

const binarySuffixes: Readonly<Record<string, number>> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};
const decimalSuffixes: Readonly<Record<string, number>> = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
};

/** Parses a Kubernetes resource quantity ("250m", "512Mi", "1.5", "1e3") to a number; undefined if invalid. */
export function parseQuantity(value: string): number | undefined {
    const match =
        /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/.exec(
            value,
        );
    if (!match) return undefined;
    const [, number, suffix = ""] = match;
    const scale =
        binarySuffixes[suffix] ??
        decimalSuffixes[suffix] ??
        (/^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : undefined);
    return scale === undefined ? undefined : Number(number) * scale;
}
