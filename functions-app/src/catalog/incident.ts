import { appRoles } from "../roles";
import { loadSentinel } from "../sentinel/load";
import { ToolInputError, defineTool } from "./tool";

/** The Sentinel analysis as an MCP tool: the same validation and engine as the webhook. */
export const analyzeIncident = defineTool({
    name: "analyze_incident",
    title: "Analyze incident",
    description:
        "Analyze a Microsoft Sentinel incident and return recommendations, a confidence score (0..1) and " +
        "enrichment. The incident is {incidentId, severity, entities: [{type, name}], alertContext: " +
        "{description, timestamp}} with optional tactics (MITRE ATT&CK).",
    arguments: [
        {
            name: "incident",
            type: "object",
            description:
                "The incident: {incidentId, severity (Informational|Low|Medium|High|Critical), entities: " +
                "[{type, name}], alertContext: {description, timestamp (ISO 8601)}, tactics?: string[]}.",
            required: true,
        },
    ],
    role: appRoles.incidentsAnalyze,
    readOnly: true,
    handler: (args, { now }) => {
        const { parseIncident, analyzeIncident: analyze } = loadSentinel();
        const parsed = parseIncident(args.incident);
        if (!parsed.ok) {
            throw new ToolInputError(
                `Invalid incident: ${parsed.errors.join("; ")}`,
                parsed.errors.map((e) => `incident.${e}`),
            );
        }
        const analysis = analyze(parsed.incident, now());
        return { text: JSON.stringify(analysis), structured: { ...analysis } };
    },
});
