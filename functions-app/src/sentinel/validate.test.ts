import assert from "node:assert/strict";
import { sampleIncidents } from "./samples";
import { parseIsoTimestamp } from "./timestamp";
import { incidentLimits, parseIncident } from "./validate";

/** A valid incident as a plain JSON value, to be broken one field at a time. */
function valid(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(sampleIncidents[0])) as Record<string, unknown>;
}

function withField(path: string, value: unknown): Record<string, unknown> {
    const incident = valid();
    const keys = path.split(".");
    const last = keys.pop() as string;
    let target = incident;
    for (const key of keys) target = target[key] as Record<string, unknown>;
    if (value === undefined) delete target[last];
    else target[last] = value;
    return incident;
}

function errorsOf(value: unknown): readonly string[] {
    const result = parseIncident(value);
    assert.equal(result.ok, false, "expected the incident to be rejected");
    return result.ok ? [] : result.errors;
}

describe("parseIncident", () => {
    it("accepts the sample incidents unchanged", () => {
        for (const sample of sampleIncidents) {
            const result = parseIncident(JSON.parse(JSON.stringify(sample)));
            assert.ok(result.ok);
            assert.deepEqual(result.incident, sample);
        }
    });

    const longText = (n: number) => "x".repeat(n);
    const entity = (i: number) => ({ type: "Host", name: `host${i}` });
    const rejected: [string, unknown, string][] = [
        ["null body", null, "(root): must be a JSON object (got null)"],
        ["array body", [valid()], "(root): must be a JSON object (got an array)"],
        ["string body", "incident", "(root): must be a JSON object (got a string)"],
        ["number body", 42, "(root): must be a JSON object (got a number)"],
        ["missing incidentId", withField("incidentId", undefined), "incidentId: required non-empty string"],
        [
            "numeric incidentId",
            withField("incidentId", 12345),
            "incidentId: required non-empty string (got a number)",
        ],
        [
            "blank incidentId",
            withField("incidentId", "  "),
            "incidentId: required non-empty string (got an empty string)",
        ],
        [
            "long incidentId",
            withField("incidentId", longText(incidentLimits.incidentIdLength + 1)),
            "incidentId: must be at most 256 characters (got 257)",
        ],
        [
            "missing severity",
            withField("severity", undefined),
            "severity: required, one of Informational, Low, Medium, High, Critical",
        ],
        [
            "unknown severity",
            withField("severity", "Severe"),
            'severity: required, one of Informational, Low, Medium, High, Critical (got "Severe")',
        ],
        [
            "lower-case severity",
            withField("severity", "high"),
            'severity: required, one of Informational, Low, Medium, High, Critical (got "high")',
        ],
        [
            "numeric severity",
            withField("severity", 3),
            "severity: required, one of Informational, Low, Medium, High, Critical (got a number)",
        ],
        ["missing entities", withField("entities", undefined), "entities: required array of {type, name}"],
        [
            "entities as object",
            withField("entities", { type: "Host", name: "h" }),
            "entities: required array of {type, name} (got an object)",
        ],
        [
            "too many entities",
            withField(
                "entities",
                Array.from({ length: incidentLimits.entities + 1 }, (_, i) => entity(i)),
            ),
            "entities: at most 100 entities allowed (got 101)",
        ],
        [
            "entity without a name",
            withField("entities", [entity(0), { type: "Host" }]),
            "entities[1].name: required non-empty string",
        ],
        [
            "entity without a type",
            withField("entities", [{ name: "host01" }]),
            "entities[0].type: required non-empty string",
        ],
        [
            "entity with a numeric name",
            withField("entities", [{ type: "IP", name: 10 }]),
            "entities[0].name: required non-empty string (got a number)",
        ],
        [
            "entity that is a string",
            withField("entities", ["host01"]),
            "entities[0]: must be an object with type and name (got a string)",
        ],
        [
            "entity with a long name",
            withField("entities", [{ type: "Host", name: longText(incidentLimits.entityNameLength + 1) }]),
            "entities[0].name: must be at most 1024 characters (got 1025)",
        ],
        [
            "missing alertContext",
            withField("alertContext", undefined),
            "alertContext: required object with description and timestamp",
        ],
        [
            "alertContext as string",
            withField("alertContext", "Suspicious login"),
            "alertContext: required object with description and timestamp (got a string)",
        ],
        [
            "missing description",
            withField("alertContext.description", undefined),
            "alertContext.description: required non-empty string",
        ],
        [
            "long description",
            withField("alertContext.description", longText(incidentLimits.descriptionLength + 1)),
            "alertContext.description: must be at most 8192 characters (got 8193)",
        ],
        [
            "missing timestamp",
            withField("alertContext.timestamp", undefined),
            "alertContext.timestamp: required non-empty string",
        ],
        [
            "epoch number timestamp",
            withField("alertContext.timestamp", 1758912252),
            "alertContext.timestamp: required non-empty string (got a number)",
        ],
        ...[
            "yesterday",
            "2025-09-26",
            "2025-09-26T18:44:12",
            "2025-02-30T10:00:00Z",
            "2025-09-26T24:00:00Z",
        ].map((t): [string, unknown, string] => [
            `timestamp ${t}`,
            withField("alertContext.timestamp", t),
            `alertContext.timestamp: must be an ISO 8601 date-time with a time zone, e.g. 2025-09-26T18:44:12Z (got "${t}")`,
        ]),
        [
            "tactics as string",
            withField("tactics", "Execution"),
            "tactics: must be an array of strings when present (got a string)",
        ],
        [
            "empty tactic",
            withField("tactics", ["Execution", ""]),
            "tactics[1]: must be a non-empty string (got an empty string)",
        ],
        [
            "too many tactics",
            withField(
                "tactics",
                Array.from({ length: incidentLimits.tactics + 1 }, () => "Execution"),
            ),
            "tactics: at most 20 items allowed (got 21)",
        ],
        [
            "malformed technique",
            withField("techniques", ["T1110", "brute force"]),
            'techniques[1]: must be a MITRE ATT&CK technique id like T1110 or T1110.003 (got "brute force")',
        ],
    ];
    for (const [label, input, expected] of rejected) {
        it(`rejects ${label}`, () => {
            assert.deepEqual(errorsOf(input), [expected]);
        });
    }

    it("reports every problem at once, each with its location", () => {
        const errors = errorsOf({
            incidentId: "",
            severity: "Urgent",
            entities: [{ type: "Account", name: "a@b.c" }, { type: "Host" }, 7],
            alertContext: { description: 5, timestamp: "soon" },
            techniques: ["X1"],
        });
        assert.deepEqual(errors, [
            "incidentId: required non-empty string (got an empty string)",
            'severity: required, one of Informational, Low, Medium, High, Critical (got "Urgent")',
            "entities[1].name: required non-empty string",
            "entities[2]: must be an object with type and name (got a number)",
            "alertContext.description: required non-empty string (got a number)",
            'alertContext.timestamp: must be an ISO 8601 date-time with a time zone, e.g. 2025-09-26T18:44:12Z (got "soon")',
            'techniques[0]: must be a MITRE ATT&CK technique id like T1110 or T1110.003 (got "X1")',
        ]);
    });

    it("does not echo huge values into messages", () => {
        const [error] = errorsOf(withField("severity", longText(10_000)));
        assert.ok(error !== undefined && error.length < 200, error);
    });

    it("allows an empty entity list and omitted or null tactics and techniques", () => {
        const result = parseIncident(withField("entities", []));
        assert.ok(result.ok);
        assert.deepEqual(result.incident.entities, []);
        assert.equal("tactics" in result.incident, false);
        const nulls = parseIncident({ ...valid(), tactics: null, techniques: null });
        assert.ok(nulls.ok);
        assert.equal("techniques" in nulls.incident, false);
    });

    it("tolerates unknown fields and keeps extra entity fields", () => {
        const input = withField("entities", [{ type: "IP", name: "203.0.113.9", address: "203.0.113.9" }]);
        input["status"] = "New";
        const result = parseIncident(input);
        assert.ok(result.ok);
        assert.deepEqual(result.incident.entities, [
            { type: "IP", name: "203.0.113.9", address: "203.0.113.9" },
        ]);
    });

    it("accepts technique ids in either case and tactics in either spelling", () => {
        const input = {
            ...valid(),
            tactics: ["LateralMovement", "Credential Access"],
            techniques: ["t1110.003"],
        };
        assert.ok(parseIncident(input).ok);
    });
});

describe("parseIsoTimestamp", () => {
    const cases: [string, number | undefined][] = [
        ["2025-09-26T18:44:12Z", Date.UTC(2025, 8, 26, 18, 44, 12)],
        ["2025-09-26T18:44:12.1234567Z", Date.UTC(2025, 8, 26, 18, 44, 12, 123)],
        ["2025-09-26T20:44:12+02:00", Date.UTC(2025, 8, 26, 18, 44, 12)],
        ["2025-09-26T13:14:12-0530", Date.UTC(2025, 8, 26, 18, 44, 12)],
        ["2025-09-26T18:44Z", Date.UTC(2025, 8, 26, 18, 44)],
        ["2024-02-29T00:00:00Z", Date.UTC(2024, 1, 29)],
        ["2023-02-29T00:00:00Z", undefined],
        ["2025-09-26T18:60:00Z", undefined],
        ["2025-09-26T18:44:12+24:00", undefined],
        ["2025-09-26 18:44:12Z", undefined],
        ["Fri, 26 Sep 2025 18:44:12 GMT", undefined],
        ["", undefined],
    ];
    for (const [text, expected] of cases) {
        it(`${JSON.stringify(text)} -> ${expected === undefined ? "invalid" : new Date(expected).toISOString()}`, () => {
            assert.equal(parseIsoTimestamp(text), expected);
        });
    }
});
