import assert from "node:assert/strict";
import { analyzeIncident } from "./analyze";
import { sampleIncidents } from "./samples";
import type { Analysis, Incident, IncidentEntity, Severity } from "./types";
import { seededRandom } from "../../test/support/seeded-random";

const now = new Date("2025-09-26T19:20:00Z");
const minutesBefore = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

function incident(overrides: Partial<Incident> & { description?: string } = {}): Incident {
    const { description, ...rest } = overrides;
    return {
        incidentId: "inc-1",
        severity: "Medium",
        entities: [],
        alertContext: { description: description ?? "Alert raised", timestamp: minutesBefore(5) },
        ...rest,
    };
}

/** The score recomputed from the indicators the analysis reports, as the formula in score.ts states. */
function recomputedScore(analysis: Analysis): number {
    const doubt = analysis.enrichment.matched_indicators
        .filter((i) => i.contributes)
        .reduce((d, i) => d * (1 - i.weight), 1);
    return Math.round((1 - doubt) * 100) / 100;
}

describe("analyzeIncident", () => {
    describe("the sample incidents", () => {
        const [suspiciousLogin, networkActivity, malware] = sampleIncidents.map((s) =>
            analyzeIncident(s, now),
        ) as [Analysis, Analysis, Analysis];

        it("fills every field of the contract", () => {
            for (const [analysis, sample] of [suspiciousLogin, networkActivity, malware].map(
                (a, i) => [a, sampleIncidents[i]] as const,
            )) {
                assert.equal(analysis.incidentId, sample?.incidentId);
                assert.ok(analysis.recommendations.length > 0);
                assert.ok(analysis.confidenceScore > 0 && analysis.confidenceScore <= 1);
                assert.equal(analysis.confidenceScore, Number(analysis.confidenceScore.toFixed(2)));
                assert.equal(analysis.processedAt, now.toISOString());
                const e = analysis.enrichment;
                assert.equal(e.severity, sample?.severity);
                assert.ok(e.threat_intel.length > 0);
                assert.ok(e.matched_indicators.some((i) => i.source === "severity"));
                assert.ok(Array.isArray(e.mitre_tactics));
            }
        });

        it("classifies a suspicious login on an account and host as an authentication attack", () => {
            assert.equal(suspiciousLogin.enrichment.threat_category, "Authentication Attack");
            assert.deepEqual(suspiciousLogin.enrichment.entity_summary, { Account: 1, Host: 1 });
            assert.match(suspiciousLogin.enrichment.threat_intel, /immediate attention due to high severity/);
            assert.ok(
                suspiciousLogin.recommendations.includes(
                    "Disable account user@domain.com and revoke its sessions and refresh tokens",
                ),
            );
            assert.ok(
                suspiciousLogin.recommendations.includes(
                    "Isolate host host01 from the network and collect forensic evidence",
                ),
            );
            assert.deepEqual(suspiciousLogin.enrichment.mitre_tactics, [
                "Initial Access",
                "Credential Access",
            ]);
        });

        it("treats suspicious traffic from a private address as an internal device to find, not a perimeter block", () => {
            assert.equal(networkActivity.enrichment.threat_category, "Suspicious Network Activity");
            assert.deepEqual(networkActivity.enrichment.entity_summary, { IP: 1 });
            const ipAdvice = networkActivity.recommendations.filter((r) => r.includes("192.168.1.100"));
            assert.deepEqual(ipAdvice, [
                "Identify the device at internal address 192.168.1.100 and isolate it from the network",
            ]);
        });

        it("classifies the critical malware incident and names hash, host and process", () => {
            assert.equal(malware.enrichment.threat_category, "Malware");
            assert.deepEqual(malware.enrichment.entity_summary, { Host: 1, FileHash: 1, Process: 1 });
            const text = malware.recommendations.join("\n");
            assert.match(text, /Quarantine file hash 44d88612fea8a8f36de82e1278abb02f/);
            assert.match(text, /Isolate host ws-finance-07/);
            assert.match(text, /Terminate process invoice_viewer\.exe on ws-finance-07/);
            assert.equal(
                malware.recommendations[0],
                "Escalate to the incident response team now and open a major incident",
            );
            assert.ok(malware.confidenceScore > suspiciousLogin.confidenceScore);
        });

        it("reports a score that can be recomputed from the contributing indicators", () => {
            for (const analysis of [suspiciousLogin, networkActivity, malware]) {
                assert.equal(analysis.confidenceScore, recomputedScore(analysis));
            }
            // 1 - (1 - 0.65 High) * (1 - 0.1 Account) * (1 - 0.1 Host) * (1 - 0.2 "suspicious login")
            assert.equal(suspiciousLogin.confidenceScore, 0.77);
        });
    });

    const categories: [string, Partial<Incident> & { description?: string }, string][] = [
        ["password spray", { description: "Password spraying against 40 accounts" }, "Authentication Attack"],
        ["brute force", { description: "Brute-force attack on VPN gateway" }, "Authentication Attack"],
        ["ransomware", { description: "Ransomware encrypting file shares" }, "Malware"],
        ["virus", { description: "Virus found in downloads folder" }, "Malware"],
        ["phishing", { description: "Phishing email with a fake invoice" }, "Phishing"],
        [
            "exfiltration",
            { description: "Possible data exfiltration to personal cloud storage" },
            "Data Exfiltration",
        ],
        ["data transfer", { description: "Unusual data transfer volume at night" }, "Data Exfiltration"],
        ["lateral movement", { description: "Lateral movement via PsExec" }, "Lateral Movement"],
        [
            "privilege escalation",
            { description: "User added to Domain Admins group" },
            "Privilege Escalation",
        ],
        ["C2 beacon", { description: "Periodic beacon to a C2 server" }, "Command and Control"],
        ["credential dumping", { description: "Mimikatz accessing LSASS memory" }, "Credential Access"],
        ["scanning", { description: "Port scan from an external address" }, "Reconnaissance"],
        ["DDoS", { description: "DDoS against the web front end" }, "Impact"],
        ["log clearing", { description: "Security event log cleared on DC01" }, "Defense Evasion"],
        ["scheduled task", { description: "New scheduled task created at logon" }, "Persistence"],
        ["tactic only (Sentinel spelling)", { tactics: ["LateralMovement"] }, "Lateral Movement"],
        ["tactic only (ATT&CK spelling)", { tactics: ["Command and Control"] }, "Command and Control"],
        ["technique only", { techniques: ["T1110.003"] }, "Authentication Attack"],
        ["nothing recognizable", { description: "Routine compliance check" }, "General Security Incident"],
        ["unknown tactic", { tactics: ["ImpairProcessControl"] }, "General Security Incident"],
    ];
    for (const [label, overrides, expected] of categories) {
        it(`classifies ${label} as ${expected}`, () => {
            const analysis = analyzeIncident(incident(overrides), now);
            assert.equal(analysis.enrichment.threat_category, expected);
            assert.equal(analysis.confidenceScore, recomputedScore(analysis));
        });
    }

    it("lists sent and implied tactics in kill-chain order, unknown ones last", () => {
        const analysis = analyzeIncident(
            incident({
                description: "Data exfiltration",
                tactics: ["ImpairProcessControl", "InitialAccess"],
            }),
            now,
        );
        assert.deepEqual(analysis.enrichment.mitre_tactics, [
            "Initial Access",
            "Collection",
            "Exfiltration",
            "ImpairProcessControl",
        ]);
    });

    it("explains which rules fired and which counted", () => {
        const analysis = analyzeIncident(
            incident({
                description: "Brute force then malware",
                entities: [{ type: "MailMessage", name: "m-1" }],
            }),
            now,
        );
        const rules = analysis.enrichment.matched_indicators.map((i) => [i.rule, i.contributes]);
        assert.deepEqual(rules, [
            ["severity:Medium", true],
            ["entity:MailMessage", false],
            ["keyword:brute-force", false],
            ["keyword:malware", true],
        ]);
        assert.match(analysis.enrichment.threat_intel, /Weaker signals of: Authentication Attack/);
    });

    it("is deterministic: the same incident and time give the same analysis", () => {
        for (const sample of sampleIncidents) {
            const first = JSON.stringify(analyzeIncident(sample, now));
            const second = JSON.stringify(analyzeIncident(structuredClone(sample), new Date(now)));
            assert.equal(first, second);
        }
    });

    it("raises the score with corroborating evidence", () => {
        const base = analyzeIncident(sampleIncidents[0], now).confidenceScore;
        const withTactic = analyzeIncident(
            { ...sampleIncidents[0], tactics: ["CredentialAccess"] },
            now,
        ).confidenceScore;
        const withTechnique = analyzeIncident(
            { ...sampleIncidents[0], techniques: ["T1110"] },
            now,
        ).confidenceScore;
        assert.ok(withTactic > base, `${withTactic} > ${base}`);
        assert.ok(withTechnique > withTactic, `${withTechnique} > ${withTactic}`);
    });

    it("never lowers the score when evidence is added (randomized, seeded)", () => {
        const random = seededRandom(20250926);
        const pick = <T>(items: readonly T[]): T => {
            const item = items[Math.floor(random() * items.length)];
            assert.ok(item !== undefined, "pick from an empty list");
            return item;
        };
        const phrases = [
            "brute force",
            "ransomware",
            "phishing link",
            "exfiltration",
            "beacon",
            "lateral movement",
            "port scan",
            "login",
        ];
        const entityPool: IncidentEntity[] = [
            { type: "Account", name: "a@contoso.com" },
            { type: "Host", name: "h1" },
            { type: "IP", name: "203.0.113.7" },
            { type: "URL", name: "http://bad.example" },
            { type: "FileHash", name: "abc123" },
            { type: "MailMessage", name: "msg-1" },
            { type: "Process", name: "evil.exe" },
            { type: "Gadget", name: "g" },
        ];
        const tacticPool = ["Execution", "Exfiltration", "CredentialAccess", "Impact", "Discovery"];
        const techniquePool = ["T1110", "T1566", "T1486", "T1071", "T1021"];
        const severityPool: Severity[] = ["Informational", "Low", "Medium", "High", "Critical"];
        for (let round = 0; round < 500; round++) {
            const before = incident({
                severity: pick(severityPool),
                description: `${pick(phrases)} observed`,
                entities: [pick(entityPool)],
                tactics: random() < 0.5 ? [pick(tacticPool)] : [],
            });
            const additions: Partial<Incident>[] = [
                { entities: [...before.entities, pick(entityPool)] },
                {
                    alertContext: {
                        ...before.alertContext,
                        description: `${before.alertContext.description}, ${pick(phrases)}`,
                    },
                },
                { tactics: [...(before.tactics ?? []), pick(tacticPool)] },
                { techniques: [pick(techniquePool)] },
            ];
            const after = { ...before, ...pick(additions) };
            const scoreBefore = analyzeIncident(before, now).confidenceScore;
            const scoreAfter = analyzeIncident(after, now).confidenceScore;
            assert.ok(scoreAfter >= scoreBefore, `${JSON.stringify(after)}: ${scoreAfter} < ${scoreBefore}`);
        }
    });

    it("keeps the score above zero with no evidence and at most 1 with overwhelming evidence", () => {
        const bare = analyzeIncident(incident({ severity: "Informational" }), now);
        assert.equal(bare.confidenceScore, 0.2);
        const everything = analyzeIncident(
            incident({
                severity: "Critical",
                description: "Ransomware malware trojan backdoor virus with C2 beacon and exfiltration",
                entities: [
                    { type: "Host", name: "h" },
                    { type: "FileHash", name: "f" },
                    { type: "Process", name: "p" },
                    { type: "URL", name: "u" },
                ],
                tactics: ["Execution", "CommandAndControl"],
                techniques: ["T1486", "T1059", "T1204"],
            }),
            now,
        );
        assert.ok(everything.confidenceScore <= 1 && everything.confidenceScore >= 0.99);
    });

    describe("time analysis", () => {
        it("notes the delay for an incident two hours old", () => {
            const analysis = analyzeIncident(
                incident({ alertContext: { description: "x", timestamp: minutesBefore(120) } }),
                now,
            );
            const time = analysis.enrichment.time_analysis;
            assert.equal(time?.kind, "delayed");
            assert.equal(time?.age_minutes, 120);
            assert.match(time?.note ?? "", /2 hours before this analysis/);
            assert.ok(analysis.recommendations.some((r) => r.includes("120 minutes old")));
        });

        it("is absent for a fresh incident and for one exactly an hour old", () => {
            for (const minutes of [0, 10, 60]) {
                const analysis = analyzeIncident(
                    incident({ alertContext: { description: "x", timestamp: minutesBefore(minutes) } }),
                    now,
                );
                assert.equal("time_analysis" in analysis.enrichment, false, `${minutes} minutes`);
            }
        });

        it("notes a future timestamp beyond clock skew and tolerates small skew", () => {
            const ahead = (minutes: number) =>
                analyzeIncident(
                    incident({ alertContext: { description: "x", timestamp: minutesBefore(-minutes) } }),
                    now,
                );
            assert.equal(ahead(3).enrichment.time_analysis, undefined);
            const future = ahead(30).enrichment.time_analysis;
            assert.equal(future?.kind, "future");
            assert.equal(future?.age_minutes, -30);
            assert.match(future?.note ?? "", /30 minutes in the future/);
        });

        it("uses the time zone of the timestamp", () => {
            const analysis = analyzeIncident(
                incident({ alertContext: { description: "x", timestamp: "2025-09-26T19:15:00+02:00" } }),
                now,
            );
            assert.equal(analysis.enrichment.time_analysis?.age_minutes, 125);
        });
    });

    describe("recommendations", () => {
        it("blocks a public address at the perimeter when containment is warranted", () => {
            const analysis = analyzeIncident(
                incident({
                    severity: "High",
                    description: "Brute force",
                    entities: [{ type: "Ip", name: "203.0.113.5" }],
                }),
                now,
            );
            assert.ok(
                analysis.recommendations.includes(
                    "Block IP 203.0.113.5 at the perimeter firewall and review other traffic to and from it",
                ),
            );
            assert.deepEqual(analysis.enrichment.entity_summary, { IP: 1 });
        });

        it("only investigates low-severity incidents", () => {
            const analysis = analyzeIncident(
                incident({
                    severity: "Low",
                    description: "Phishing",
                    entities: [
                        { type: "Account", name: "a@contoso.com" },
                        { type: "URL", name: "http://x.example/login" },
                    ],
                }),
                now,
            );
            assert.ok(
                analysis.recommendations.includes(
                    "Review recent sign-ins and activity of account a@contoso.com",
                ),
            );
            assert.ok(
                analysis.recommendations.includes(
                    "Check URL http://x.example/login against threat intelligence and proxy logs",
                ),
            );
            assert.ok(
                !analysis.recommendations.some((r) => r.startsWith("Disable") || r.startsWith("Block")),
            );
        });

        it("names mail messages, mailboxes and processes on the involved hosts", () => {
            const analysis = analyzeIncident(
                incident({
                    severity: "High",
                    description: "Phishing with macro",
                    entities: [
                        { type: "MailMessage", name: "<abc@mail.example>" },
                        { type: "Mailbox", name: "ceo@contoso.com" },
                        { type: "Process", name: "winword.exe" },
                        { type: "Host", name: "pc1" },
                        { type: "Host", name: "pc2" },
                    ],
                }),
                now,
            );
            const text = analysis.recommendations.join("\n");
            assert.match(text, /Purge mail message <abc@mail\.example> from all mailboxes/);
            assert.match(text, /mailbox ceo@contoso\.com/);
            assert.match(text, /Terminate process winword\.exe on pc1 and pc2/);
        });

        it("are deduplicated and in a stable order, with unknown entity types counted but not acted on", () => {
            const analysis = analyzeIncident(
                incident({
                    severity: "High",
                    description: "Malware",
                    entities: [
                        { type: "Host", name: "host01" },
                        { type: "AzureResource", name: "/subscriptions/1" },
                        { type: "host", name: " host01 " },
                        { type: "constructor", name: "c" },
                        { type: "__proto__", name: "p" },
                    ],
                }),
                now,
            );
            assert.equal(new Set(analysis.recommendations).size, analysis.recommendations.length);
            assert.equal(analysis.recommendations.filter((r) => r.includes("Isolate host host01")).length, 1);
            assert.ok(!analysis.recommendations.some((r) => r.includes("/subscriptions/1")));
            // Parsed from JSON: in an object literal "__proto__" would set the prototype, not a key.
            assert.deepEqual(
                JSON.parse(JSON.stringify(analysis.enrichment.entity_summary)),
                JSON.parse('{"Host":2,"AzureResource":1,"constructor":1,"__proto__":1}'),
            );
        });
    });
});
