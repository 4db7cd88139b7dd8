import type { ThreatCategory } from "./types";

/** A phrase rule over the alert description. Patterns run on normalized text (see normalizeText). */
export interface KeywordRule {
    readonly id: string;
    readonly category: ThreatCategory;
    readonly pattern: RegExp;
    /** 0.3 for phrases that name the attack, 0.2 for phrases that only suggest it. */
    readonly weight: number;
}

const strong = 0.3;
const suggestive = 0.2;

/** Word-start anchored, so "virus" matches "viruses" but "c2" does not match "abc2". */
function rule(id: string, category: ThreatCategory, weight: number, pattern: string): KeywordRule {
    return { id: `keyword:${id}`, category, weight, pattern: new RegExp(`\\b(?:${pattern})`) };
}

export const keywordRules: readonly KeywordRule[] = [
    rule("brute-force", "Authentication Attack", strong, "brute ?forc"),
    rule("password-spray", "Authentication Attack", strong, "password spray"),
    rule("credential-stuffing", "Authentication Attack", strong, "credential stuffing"),
    rule("mfa-fatigue", "Authentication Attack", strong, "mfa (?:fatigue|bombing|spam)"),
    rule("impossible-travel", "Authentication Attack", suggestive, "impossible travel"),
    rule(
        "suspicious-sign-in",
        "Authentication Attack",
        suggestive,
        "(?:suspicious|unusual|anomalous|unfamiliar|risky) (?:log ?[io]n|sign ?[io]n)",
    ),
    rule(
        "failed-sign-in",
        "Authentication Attack",
        suggestive,
        "failed (?:log ?[io]n|sign ?[io]n|authentication)",
    ),
    rule("ransomware", "Malware", strong, "ransomware"),
    rule("malware", "Malware", strong, "malware|malicious (?:file|executable|binary|payload)"),
    rule("trojan", "Malware", strong, "trojan"),
    rule("virus", "Malware", suggestive, "virus|worm\\b"),
    rule("backdoor", "Malware", strong, "backdoor|rootkit|keylogger|remote access trojan"),
    rule("cryptominer", "Malware", suggestive, "crypto ?miner|coin ?miner|cryptojack"),
    rule("phishing", "Phishing", strong, "phish"),
    rule(
        "malicious-link",
        "Phishing",
        suggestive,
        "malicious (?:link|url|attachment|email)|credential harvest",
    ),
    rule("business-email-compromise", "Phishing", strong, "business email compromise"),
    rule("exfiltration", "Data Exfiltration", strong, "exfiltrat"),
    rule(
        "data-transfer",
        "Data Exfiltration",
        suggestive,
        "(?:large|unusual|anomalous|mass) (?:data transfer|upload|download)|data transfer|data (?:theft|leak)",
    ),
    rule("lateral-movement", "Lateral Movement", strong, "lateral movement|moved laterally"),
    rule("pass-the-hash", "Lateral Movement", strong, "pass the (?:hash|ticket)|overpass the hash"),
    rule(
        "remote-execution",
        "Lateral Movement",
        suggestive,
        "psexec|remote (?:execution|service creation)|wmi execution",
    ),
    rule(
        "privilege-escalation",
        "Privilege Escalation",
        strong,
        "privilege escalation|escalat\\w* (?:of )?privilege|elevation of privilege",
    ),
    rule(
        "admin-granted",
        "Privilege Escalation",
        suggestive,
        "added to (?:\\w+ )?(?:admin|administrators|privileged|domain admins)|(?:admin|global administrator|owner) role (?:assigned|granted)",
    ),
    rule("command-and-control", "Command and Control", strong, "command and control|c2\\b|c and c\\b"),
    rule("beaconing", "Command and Control", strong, "beacon"),
    rule("dns-tunneling", "Command and Control", strong, "dns tunnel"),
    rule(
        "credential-dumping",
        "Credential Access",
        strong,
        "credential dump|mimikatz|lsass|dcsync|kerberoast|golden ticket|ntds dit",
    ),
    rule(
        "port-scan",
        "Reconnaissance",
        suggestive,
        "(?:port|network|vulnerability) scan|reconnaissance|enumeration",
    ),
    rule(
        "suspicious-network",
        "Suspicious Network Activity",
        suggestive,
        "(?:suspicious|unusual|anomalous|abnormal) (?:network|traffic|connection|outbound|inbound)|network anomaly",
    ),
    rule("denial-of-service", "Impact", strong, "denial of service|ddos|dos attack"),
    rule(
        "destruction",
        "Impact",
        strong,
        "wiper|data destruction|mass (?:deletion|file deletion)|defacement",
    ),
    rule(
        "defense-evasion",
        "Defense Evasion",
        suggestive,
        "(?:antivirus|defender|edr|security agent|firewall|logging) (?:disabled|tamper|turned off|stopped)|(?:disabled|tampered with) (?:antivirus|defender|edr|logging)|(?:audit |event |security )?logs? cleared|clear(?:ed)? (?:the )?(?:audit |event |security )?logs?",
    ),
    rule(
        "persistence",
        "Persistence",
        suggestive,
        "persistence|scheduled task|new service install|run key|autostart|startup folder",
    ),
];

/** Lower case, "&" spelled out, every run of other symbols one space: "Sign-in" and "sign in" agree. */
export function normalizeText(text: string): string {
    return text
        .toLowerCase()
        .replace(/&/g, " and ")
        .replace(/[^a-z0-9]+/g, " ")
        .trim();
}
