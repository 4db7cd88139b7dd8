import type { IncidentEntity, ThreatCategory } from "./types";

/** Entity kinds the engine has rules for, in the order their recommendations are listed. */
export const knownEntityTypes = [
    "Account",
    "Host",
    "IP",
    "URL",
    "DNS",
    "FileHash",
    "File",
    "Process",
    "MailMessage",
    "Mailbox",
    "CloudApplication",
] as const;

export type KnownEntityType = (typeof knownEntityTypes)[number];

/** How much an entity kind corroborates the categories where it is the usual scope of an attack. */
export const entityEvidence: Readonly<
    Record<KnownEntityType, { readonly weight: number; readonly categories: readonly ThreatCategory[] }>
> = {
    Account: {
        weight: 0.1,
        categories: [
            "Authentication Attack",
            "Credential Access",
            "Privilege Escalation",
            "Lateral Movement",
            "Phishing",
            "Data Exfiltration",
        ],
    },
    Host: {
        weight: 0.1,
        categories: [
            "Malware",
            "Authentication Attack",
            "Credential Access",
            "Lateral Movement",
            "Privilege Escalation",
            "Command and Control",
            "Persistence",
            "Defense Evasion",
            "Impact",
        ],
    },
    IP: {
        weight: 0.1,
        categories: [
            "Authentication Attack",
            "Command and Control",
            "Data Exfiltration",
            "Reconnaissance",
            "Suspicious Network Activity",
            "Impact",
            "Lateral Movement",
        ],
    },
    URL: { weight: 0.1, categories: ["Phishing", "Command and Control", "Malware", "Data Exfiltration"] },
    DNS: { weight: 0.1, categories: ["Command and Control", "Data Exfiltration", "Phishing"] },
    // A hash or a message is a concrete indicator of compromise, not just the scope.
    FileHash: { weight: 0.15, categories: ["Malware", "Phishing"] },
    File: { weight: 0.1, categories: ["Malware", "Phishing", "Data Exfiltration"] },
    Process: {
        weight: 0.1,
        categories: [
            "Malware",
            "Credential Access",
            "Lateral Movement",
            "Persistence",
            "Defense Evasion",
            "Privilege Escalation",
            "Command and Control",
        ],
    },
    MailMessage: { weight: 0.15, categories: ["Phishing"] },
    Mailbox: { weight: 0.1, categories: ["Phishing", "Data Exfiltration"] },
    CloudApplication: {
        weight: 0.1,
        categories: ["Authentication Attack", "Data Exfiltration", "Persistence"],
    },
};

/** Sentinel's kind names and common spellings ("Ip", "url", "DnsResolution") for each known kind. */
const aliases: ReadonlyMap<string, KnownEntityType> = new Map<string, KnownEntityType>([
    ...knownEntityTypes.map((t): [string, KnownEntityType] => [t.toLowerCase(), t]),
    ["ipaddress", "IP"],
    ["dnsresolution", "DNS"],
    ["domain", "DNS"],
    ["user", "Account"],
    ["device", "Host"],
    ["mail", "MailMessage"],
    ["email", "MailMessage"],
    ["cloudapp", "CloudApplication"],
]);

/** The known kind for a type as sent, or undefined for a kind without rules. */
export function knownEntityType(type: string): KnownEntityType | undefined {
    // A Map, not an object literal: a type named "constructor" must not find a prototype member.
    return aliases.get(type.toLowerCase().replace(/[^a-z]/g, ""));
}

/** True for addresses that never leave the organization: RFC 1918, loopback, link-local, CGNAT, ULA. */
export function isInternalAddress(address: string): boolean {
    const text = address.trim().toLowerCase();
    const v4 = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(text);
    if (v4) {
        const [a, b] = [Number(v4[1]), Number(v4[2])];
        return (
            a === 10 ||
            a === 127 ||
            (a === 172 && b >= 16 && b <= 31) ||
            (a === 192 && b === 168) ||
            (a === 169 && b === 254) ||
            (a === 100 && b >= 64 && b <= 127)
        );
    }
    return text === "::1" || /^f[cd][0-9a-f]{0,2}:/.test(text) || /^fe[89ab][0-9a-f]?:/.test(text);
}

/** Who is involved, by known kind: names trimmed and deduplicated, in the order they were sent. */
export type EntityScope = ReadonlyMap<KnownEntityType, readonly string[]>;

export function groupEntities(entities: readonly IncidentEntity[]): EntityScope {
    const scope = new Map<KnownEntityType, string[]>();
    for (const entity of entities) {
        const type = knownEntityType(entity.type);
        if (!type) continue;
        const names = scope.get(type) ?? [];
        const name = entity.name.trim();
        if (!names.includes(name)) names.push(name);
        scope.set(type, names);
    }
    return scope;
}

/** "a", "a and b", "a, b and c", "a, b, c and 2 more": short enough for one line. */
export function listNames(names: readonly string[]): string {
    const shown = names.length > 3 ? [...names.slice(0, 3), `${names.length - 3} more`] : [...names];
    const last = shown.pop();
    return shown.length === 0 ? String(last) : `${shown.join(", ")} and ${last}`;
}
