import { parseIsoTimestamp } from "./timestamp";
import { severities, type Incident, type IncidentEntity, type Severity } from "./types";

/** Size limits: generous for real incidents, small enough that one request cannot hog the service. */
export const incidentLimits = {
    incidentIdLength: 256,
    entities: 100,
    entityTypeLength: 64,
    entityNameLength: 1024,
    descriptionLength: 8192,
    timestampLength: 64,
    tactics: 20,
    tacticLength: 64,
    techniques: 50,
} as const;

export type IncidentParseResult =
    | { readonly ok: true; readonly incident: Incident }
    | { readonly ok: false; readonly errors: readonly string[] };

const techniqueId = /^T\d{4}(\.\d{3})?$/i;

/**
 * Checks an untrusted value against the incident contract and reports every problem at once, each
 * prefixed with its location (`entities[1].name: ...`). Unknown extra fields are tolerated, so
 * playbooks that send more of the Sentinel incident keep working.
 */
export function parseIncident(value: unknown): IncidentParseResult {
    const errors: string[] = [];
    if (!isRecord(value)) {
        return { ok: false, errors: [`(root): must be a JSON object${got(value)}`] };
    }
    const incidentId = requireString(
        value,
        "incidentId",
        "incidentId",
        incidentLimits.incidentIdLength,
        errors,
    );
    const severity = parseSeverity(value["severity"], errors);
    const entities = parseEntities(value["entities"], errors);
    const alertContext = parseAlertContext(value["alertContext"], errors);
    const tactics = parseStringList(value["tactics"], "tactics", incidentLimits.tactics, errors, (item, at) =>
        checkLength(item, at, incidentLimits.tacticLength, errors),
    );
    const techniques = parseStringList(
        value["techniques"],
        "techniques",
        incidentLimits.techniques,
        errors,
        (item, at) => {
            if (!techniqueId.test(item.trim())) {
                errors.push(
                    `${at}: must be a MITRE ATT&CK technique id like T1110 or T1110.003 (got ${quote(item)})`,
                );
            }
        },
    );
    if (errors.length > 0 || !incidentId || !severity || !entities || !alertContext) {
        return { ok: false, errors };
    }
    const incident: Incident = {
        incidentId,
        severity,
        entities,
        alertContext,
        ...(tactics && { tactics }),
        ...(techniques && { techniques }),
    };
    return { ok: true, incident };
}

function parseSeverity(value: unknown, errors: string[]): Severity | undefined {
    if (typeof value === "string" && (severities as readonly string[]).includes(value)) {
        return value as Severity;
    }
    const received = typeof value === "string" ? ` (got ${quote(value)})` : got(value);
    errors.push(`severity: required, one of ${severities.join(", ")}${received}`);
    return undefined;
}

function parseEntities(value: unknown, errors: string[]): IncidentEntity[] | undefined {
    if (!Array.isArray(value)) {
        errors.push(`entities: required array of {type, name}${got(value)}`);
        return undefined;
    }
    if (value.length > incidentLimits.entities) {
        errors.push(`entities: at most ${incidentLimits.entities} entities allowed (got ${value.length})`);
        return undefined;
    }
    const entities: IncidentEntity[] = [];
    value.forEach((item: unknown, index) => {
        const at = `entities[${index}]`;
        if (!isRecord(item)) {
            errors.push(`${at}: must be an object with type and name${got(item)}`);
            return;
        }
        const type = requireString(item, "type", `${at}.type`, incidentLimits.entityTypeLength, errors);
        const name = requireString(item, "name", `${at}.name`, incidentLimits.entityNameLength, errors);
        if (type && name) entities.push({ ...item, type, name });
    });
    return entities;
}

function parseAlertContext(value: unknown, errors: string[]): Incident["alertContext"] | undefined {
    if (!isRecord(value)) {
        errors.push(`alertContext: required object with description and timestamp${got(value)}`);
        return undefined;
    }
    const description = requireString(
        value,
        "description",
        "alertContext.description",
        incidentLimits.descriptionLength,
        errors,
    );
    const timestamp = requireString(
        value,
        "timestamp",
        "alertContext.timestamp",
        incidentLimits.timestampLength,
        errors,
    );
    if (timestamp !== undefined && parseIsoTimestamp(timestamp) === undefined) {
        errors.push(
            `alertContext.timestamp: must be an ISO 8601 date-time with a time zone, e.g. 2025-09-26T18:44:12Z (got ${quote(timestamp)})`,
        );
        return undefined;
    }
    return description !== undefined && timestamp !== undefined ? { description, timestamp } : undefined;
}

/** An optional array of non-empty strings (null means absent); `check` adds item-specific errors. */
function parseStringList(
    value: unknown,
    at: string,
    maxItems: number,
    errors: string[],
    check: (item: string, at: string) => void,
): string[] | undefined {
    // Playbooks often send null for an empty optional field; treat it as absent.
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
        errors.push(`${at}: must be an array of strings when present${got(value)}`);
        return undefined;
    }
    if (value.length > maxItems) {
        errors.push(`${at}: at most ${maxItems} items allowed (got ${value.length})`);
        return undefined;
    }
    const items: string[] = [];
    value.forEach((item: unknown, index) => {
        const itemAt = `${at}[${index}]`;
        if (typeof item !== "string" || item.trim() === "") {
            errors.push(`${itemAt}: must be a non-empty string${got(item)}`);
            return;
        }
        check(item, itemAt);
        items.push(item);
    });
    return items;
}

function requireString(
    record: Readonly<Record<string, unknown>>,
    key: string,
    at: string,
    maxLength: number,
    errors: string[],
): string | undefined {
    const value = record[key];
    if (typeof value !== "string" || value.trim() === "") {
        errors.push(`${at}: required non-empty string${got(value)}`);
        return undefined;
    }
    return checkLength(value, at, maxLength, errors) ? value : undefined;
}

function checkLength(value: string, at: string, maxLength: number, errors: string[]): boolean {
    if (value.length <= maxLength) return true;
    errors.push(`${at}: must be at most ${maxLength} characters (got ${value.length})`);
    return false;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** " (got a number)": what was received instead, never the value itself; nothing when it is missing. */
function got(value: unknown): string {
    return value === undefined ? "" : ` (got ${describe(value)})`;
}

function describe(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    if (typeof value === "string") return value.trim() === "" ? "an empty string" : "a string";
    if (typeof value === "object") return "an object";
    return `a ${typeof value}`;
}

/** Echoes a value in an error without letting a huge or multi-line input flood the message. */
function quote(text: string): string {
    const short = text.length > 40 ? `${text.slice(0, 40)}...` : text;
    return JSON.stringify(short);
}
