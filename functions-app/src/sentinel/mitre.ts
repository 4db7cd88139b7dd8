import type { ThreatCategory } from "./types";

/** ATT&CK Enterprise tactics in kill-chain order, with the categories each one points to. */
export const tactics: readonly { readonly name: string; readonly categories: readonly ThreatCategory[] }[] = [
    { name: "Reconnaissance", categories: ["Reconnaissance"] },
    { name: "Resource Development", categories: [] },
    { name: "Initial Access", categories: ["Phishing", "Authentication Attack"] },
    { name: "Execution", categories: ["Malware"] },
    { name: "Persistence", categories: ["Persistence"] },
    { name: "Privilege Escalation", categories: ["Privilege Escalation"] },
    { name: "Defense Evasion", categories: ["Defense Evasion"] },
    { name: "Credential Access", categories: ["Credential Access", "Authentication Attack"] },
    { name: "Discovery", categories: ["Reconnaissance"] },
    { name: "Lateral Movement", categories: ["Lateral Movement"] },
    { name: "Collection", categories: ["Data Exfiltration"] },
    { name: "Command and Control", categories: ["Command and Control"] },
    { name: "Exfiltration", categories: ["Data Exfiltration"] },
    { name: "Impact", categories: ["Impact"] },
];

/** The tactics a category implies, for `mitre_tactics` when the incident carries none. */
export const tacticsOfCategory: Readonly<Record<ThreatCategory, readonly string[]>> = {
    Malware: ["Execution"],
    "Data Exfiltration": ["Collection", "Exfiltration"],
    "Command and Control": ["Command and Control"],
    "Credential Access": ["Credential Access"],
    "Lateral Movement": ["Lateral Movement"],
    "Privilege Escalation": ["Privilege Escalation"],
    "Authentication Attack": ["Initial Access", "Credential Access"],
    Phishing: ["Initial Access"],
    Impact: ["Impact"],
    "Defense Evasion": ["Defense Evasion"],
    Persistence: ["Persistence"],
    Reconnaissance: ["Reconnaissance", "Discovery"],
    "Suspicious Network Activity": [],
    "General Security Incident": [],
};

/** Techniques (parent ids) with a clear category; sub-techniques (T1110.003) use their parent. */
export const techniques: Readonly<
    Record<string, { readonly name: string; readonly categories: readonly ThreatCategory[] }>
> = {
    T1003: { name: "OS Credential Dumping", categories: ["Credential Access"] },
    T1021: { name: "Remote Services", categories: ["Lateral Movement"] },
    T1041: { name: "Exfiltration Over C2 Channel", categories: ["Data Exfiltration", "Command and Control"] },
    T1046: { name: "Network Service Discovery", categories: ["Reconnaissance"] },
    T1048: { name: "Exfiltration Over Alternative Protocol", categories: ["Data Exfiltration"] },
    T1053: { name: "Scheduled Task/Job", categories: ["Persistence"] },
    T1059: { name: "Command and Scripting Interpreter", categories: ["Malware"] },
    T1068: { name: "Exploitation for Privilege Escalation", categories: ["Privilege Escalation"] },
    T1070: { name: "Indicator Removal", categories: ["Defense Evasion"] },
    T1071: { name: "Application Layer Protocol", categories: ["Command and Control"] },
    T1078: { name: "Valid Accounts", categories: ["Authentication Attack"] },
    T1090: { name: "Proxy", categories: ["Command and Control"] },
    T1098: { name: "Account Manipulation", categories: ["Privilege Escalation", "Persistence"] },
    T1110: { name: "Brute Force", categories: ["Authentication Attack"] },
    T1204: { name: "User Execution", categories: ["Malware", "Phishing"] },
    T1485: { name: "Data Destruction", categories: ["Impact"] },
    T1486: { name: "Data Encrypted for Impact", categories: ["Malware", "Impact"] },
    T1498: { name: "Network Denial of Service", categories: ["Impact"] },
    T1499: { name: "Endpoint Denial of Service", categories: ["Impact"] },
    T1547: { name: "Boot or Logon Autostart Execution", categories: ["Persistence"] },
    T1550: { name: "Use Alternate Authentication Material", categories: ["Lateral Movement"] },
    T1558: { name: "Steal or Forge Kerberos Tickets", categories: ["Credential Access"] },
    T1562: { name: "Impair Defenses", categories: ["Defense Evasion"] },
    T1566: { name: "Phishing", categories: ["Phishing"] },
    T1567: { name: "Exfiltration Over Web Service", categories: ["Data Exfiltration"] },
    T1571: { name: "Non-Standard Port", categories: ["Command and Control"] },
    T1595: { name: "Active Scanning", categories: ["Reconnaissance"] },
    T1621: { name: "Multi-Factor Authentication Request Generation", categories: ["Authentication Attack"] },
};

/** "Lateral Movement", "LateralMovement" and "lateral-movement" all name the same tactic. */
export function tacticKey(name: string): string {
    return name.toLowerCase().replace(/[^a-z]/g, "");
}

const tacticsByKey = new Map(tactics.map((t, order) => [tacticKey(t.name), { ...t, order }]));

/** The canonical tactic for a name as sent, or undefined for a name ATT&CK Enterprise does not have. */
export function findTactic(name: string) {
    return tacticsByKey.get(tacticKey(name));
}

/** Orders tactic names along the kill chain; unknown names (as sent) follow in their given order. */
export function killChainOrder(names: Iterable<string>): string[] {
    const known = new Map<string, number>();
    const unknown: string[] = [];
    for (const name of names) {
        const tactic = findTactic(name);
        if (tactic) known.set(tactic.name, tactic.order);
        else if (!unknown.includes(name.trim())) unknown.push(name.trim());
    }
    return [...[...known].sort((a, b) => a[1] - b[1]).map(([name]) => name), ...unknown];
}
