import type { Incident } from "./types";

/**
 * The three incidents of the original service's Sentinel test, for tests and the smoke client:
 * a suspicious sign-in (High), suspicious network activity from an internal address (Medium) and
 * malware on a workstation (Critical). Timestamps are fixed so analyses are reproducible.
 */
export const sampleIncidents: readonly [Incident, Incident, Incident] = [
    {
        incidentId: "12345",
        severity: "High",
        entities: [
            { type: "Account", name: "user@domain.com" },
            { type: "Host", name: "host01" },
        ],
        alertContext: {
            description: "Suspicious login detected",
            timestamp: "2025-09-26T18:44:12Z",
        },
    },
    {
        incidentId: "12346",
        severity: "Medium",
        entities: [{ type: "IP", name: "192.168.1.100" }],
        alertContext: {
            description: "Suspicious network activity detected from 192.168.1.100",
            timestamp: "2025-09-26T19:02:45Z",
        },
    },
    {
        incidentId: "12347",
        severity: "Critical",
        entities: [
            { type: "FileHash", name: "44d88612fea8a8f36de82e1278abb02f" },
            { type: "Host", name: "ws-finance-07" },
            { type: "Process", name: "invoice_viewer.exe" },
        ],
        alertContext: {
            description: "Malware detected: Trojan executed from an email attachment on ws-finance-07",
            timestamp: "2025-09-26T19:15:03Z",
        },
        tactics: ["Execution"],
        techniques: ["T1204.002"],
    },
];
