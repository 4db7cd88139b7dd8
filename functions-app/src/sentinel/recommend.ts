import {
    groupEntities,
    isInternalAddress,
    listNames,
    knownEntityTypes,
    type EntityScope,
    type KnownEntityType,
} from "./entities";
import type { Incident, Severity, ThreatCategory, TimeAnalysis } from "./types";

/** What the recommendations are built from. */
export interface RecommendationInput {
    readonly incident: Incident;
    readonly category: ThreatCategory;
    /** Every category with a signal, strongest first (the chosen one included). */
    readonly matchedCategories: readonly ThreatCategory[];
    readonly timeAnalysis: TimeAnalysis | undefined;
}

/**
 * Concrete actions, most urgent first: escalation, then one action per entity (containment when
 * the incident warrants it, investigation otherwise), then what the category calls for, then the
 * timing. Containment is recommended for High and Critical incidents, and for Medium ones that a
 * rule classified; Low and Informational incidents get investigation steps only.
 */
export function recommend(input: RecommendationInput): string[] {
    const { incident, category } = input;
    const scope = groupEntities(incident.entities);
    const contain = containmentWarranted(incident.severity, category);
    const secondary = input.matchedCategories.filter((c) => c !== category);
    const all = [
        ...escalation[incident.severity],
        ...knownEntityTypes.flatMap((type) =>
            (scope.get(type) ?? []).map((name) => entityAction(type, name, contain, scope)),
        ),
        ...categoryActions(category, scope),
        // Weaker signals still deserve a look, but only their first step, so the list stays readable.
        ...secondary.flatMap((c) => categoryActions(c, scope).slice(0, 1)),
        ...timing(incident.alertContext.timestamp, input.timeAnalysis),
    ];
    return [...new Set(all)];
}

function timing(timestamp: string, time: TimeAnalysis | undefined): string[] {
    if (time?.kind === "delayed") {
        return [
            `Review all activity of the involved entities since ${timestamp}, as the alert is ${time.age_minutes} minutes old`,
        ];
    }
    if (time?.kind === "future") {
        return ["Check the clock synchronization of the alert source; its timestamp is in the future"];
    }
    return [];
}

function containmentWarranted(severity: Severity, category: ThreatCategory): boolean {
    if (severity === "High" || severity === "Critical") return true;
    return severity === "Medium" && category !== "General Security Incident";
}

const escalation: Readonly<Record<Severity, readonly string[]>> = {
    Critical: ["Escalate to the incident response team now and open a major incident"],
    High: ["Assign an analyst now and start containment within the hour"],
    Medium: [],
    Low: [],
    Informational: [],
};

function entityAction(type: KnownEntityType, name: string, contain: boolean, scope: EntityScope): string {
    const hosts = scope.get("Host");
    const where = hosts ? `on ${listNames(hosts)}` : "on the affected hosts";
    switch (type) {
        case "Account":
            return contain
                ? `Disable account ${name} and revoke its sessions and refresh tokens`
                : `Review recent sign-ins and activity of account ${name}`;
        case "Host":
            return contain
                ? `Isolate host ${name} from the network and collect forensic evidence`
                : `Review recent alerts and process activity on host ${name}`;
        case "IP":
            if (isInternalAddress(name)) {
                return contain
                    ? `Identify the device at internal address ${name} and isolate it from the network`
                    : `Identify the device at internal address ${name} and review its recent connections`;
            }
            return contain
                ? `Block IP ${name} at the perimeter firewall and review other traffic to and from it`
                : `Check IP ${name} against threat intelligence and review firewall logs for it`;
        case "URL":
            return contain
                ? `Block URL ${name} at the web proxy and email gateway`
                : `Check URL ${name} against threat intelligence and proxy logs`;
        case "DNS":
            return contain
                ? `Sinkhole domain ${name} at the DNS resolvers`
                : `Review which hosts resolved domain ${name}`;
        case "FileHash":
            return contain
                ? `Quarantine file hash ${name} on all endpoints and add it to the block list`
                : `Search all endpoints for file hash ${name}`;
        case "File":
            return contain
                ? `Quarantine file ${name} and submit it for sandbox analysis`
                : `Submit file ${name} for sandbox analysis`;
        case "Process":
            return contain
                ? `Terminate process ${name} ${where} and capture a memory image first`
                : `Review the parent process and command line of ${name} ${where}`;
        case "MailMessage":
            return contain
                ? `Purge mail message ${name} from all mailboxes and block its sender`
                : `Find other recipients of mail message ${name}`;
        case "Mailbox":
            return contain
                ? `Remove inbox rules and external forwarding from mailbox ${name}`
                : `Review inbox rules and forwarding on mailbox ${name}`;
        case "CloudApplication":
            return contain
                ? `Revoke consent and tokens of cloud application ${name}`
                : `Review permissions and recent activity of cloud application ${name}`;
    }
}

function categoryActions(category: ThreatCategory, scope: EntityScope): string[] {
    const accounts = scope.get("Account");
    const hosts = scope.get("Host");
    const theAccounts = accounts
        ? `${plural("account", accounts)} ${listNames(accounts)}`
        : "the targeted accounts";
    const theHosts = hosts ? `${plural("host", hosts)} ${listNames(hosts)}` : "the affected hosts";
    switch (category) {
        case "Authentication Attack":
            return [
                `Reset the password of ${theAccounts} and require MFA re-registration`,
                "Enforce MFA through Conditional Access and block legacy authentication",
                "Review sign-in logs for other accounts targeted from the same source",
            ];
        case "Malware":
            return [
                `Run a full scan with current signatures on ${theHosts}`,
                "Hunt for the same file hashes and process names across all endpoints",
                "Verify that backups are intact and offline before restoring anything",
            ];
        case "Phishing":
            return [
                "Search all mailboxes for messages from the same sender or with the same URLs and purge them",
                "Reset the credentials of users who opened the message or clicked its links",
            ];
        case "Data Exfiltration":
            return [
                "Identify what data left and assess whether breach notification applies",
                "Review DLP and egress logs for the involved accounts and hosts",
            ];
        case "Lateral Movement":
            return [
                "Hunt for the same credentials and tools on other hosts",
                "Restrict remote administration protocols (RDP, SMB, WinRM) between workstations",
            ];
        case "Privilege Escalation":
            return [
                `Review recent role and group changes of ${theAccounts} and remove unauthorized privileges`,
            ];
        case "Command and Control":
            return [
                "Block the command-and-control destinations at the firewall, proxy and DNS resolvers",
                "Hunt for the same beaconing pattern on other hosts",
            ];
        case "Credential Access":
            return [
                `Reset every credential that was present on ${theHosts}, including service accounts`,
                "Check domain controllers for replication requests and ticket anomalies",
            ];
        case "Impact":
            return [
                "Activate the incident response plan and confirm that backups are intact before restoring",
            ];
        case "Defense Evasion":
            return [`Re-enable and verify security tooling and logging on ${theHosts}`];
        case "Persistence":
            return [`Remove unauthorized scheduled tasks, services and autostart entries on ${theHosts}`];
        case "Reconnaissance":
            return [
                "Review firewall and IDS logs for scanning from the same source and confirm exposed services are intended",
            ];
        case "Suspicious Network Activity":
            return ["Review network flow logs for the involved addresses around the alert time"];
        case "General Security Incident":
            return [
                "Confirm with the owners whether the activity is expected, and correlate with related alerts",
            ];
    }
}

function plural(noun: string, names: readonly string[]): string {
    return names.length === 1 ? noun : `${noun}s`;
}
