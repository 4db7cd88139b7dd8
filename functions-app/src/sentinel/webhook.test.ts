import assert from "node:assert/strict";
import { sampleIncidents } from "./samples";
import { handleSentinelWebhook, type WebhookRequest, type WebhookResponse } from "./webhook";
import { maxWebhookBodyBytes } from "./webhook-limits";
import { seededRandom } from "../../test/support/seeded-random";

const now = new Date("2025-09-26T19:20:00Z");
const post = (
    body: string | Buffer,
    contentType: string | undefined = "application/json",
): WebhookRequest => ({
    method: "POST",
    contentType,
    body,
});

interface ErrorBody {
    readonly error: string;
    readonly message: string;
    readonly details?: readonly string[];
}

function send(request: WebhookRequest): { response: WebhookResponse; json: Record<string, unknown> } {
    const response = handleSentinelWebhook(request, now);
    assert.equal(response.headers["content-type"], "application/json; charset=utf-8");
    return { response, json: JSON.parse(response.body) as Record<string, unknown> };
}

function expectError(request: WebhookRequest, status: number, message: RegExp): ErrorBody {
    const { response, json } = send(request);
    assert.equal(response.status, status, response.body);
    const body = json as unknown as ErrorBody;
    assert.match(body.message, message);
    return body;
}

describe("handleSentinelWebhook", () => {
    it("answers each sample incident with 200 and the full analysis", () => {
        for (const sample of sampleIncidents) {
            const { response, json } = send(post(JSON.stringify(sample)));
            assert.equal(response.status, 200, response.body);
            assert.deepEqual(Object.keys(json), [
                "incidentId",
                "recommendations",
                "confidenceScore",
                "enrichment",
                "processedAt",
            ]);
            assert.equal(json["incidentId"], sample.incidentId);
            const score = json["confidenceScore"] as number;
            assert.ok(score >= 0 && score <= 1);
            const enrichment = json["enrichment"] as Record<string, unknown>;
            for (const field of [
                "threat_category",
                "threat_intel",
                "severity",
                "entity_summary",
                "matched_indicators",
                "mitre_tactics",
            ]) {
                assert.ok(field in enrichment, field);
            }
        }
    });

    it("accepts JSON media types with parameters, in any case, and Buffer bodies with a byte order mark", () => {
        const body = JSON.stringify(sampleIncidents[1]);
        for (const contentType of [
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/vnd.sentinel.incident+json",
            'application/json; charset="UTF-8"',
        ]) {
            assert.equal(handleSentinelWebhook(post(body, contentType), now).status, 200, contentType);
        }
        const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
        assert.equal(handleSentinelWebhook(post(withBom), now).status, 200);
    });

    it("rejects missing fields with every problem listed", () => {
        const body = expectError(
            post(JSON.stringify({ incidentId: "x" })),
            400,
            /the incident has 3 problems/,
        );
        assert.equal(body.error, "invalid_request");
        assert.deepEqual(body.details, [
            "severity: required, one of Informational, Low, Medium, High, Critical",
            "entities: required array of {type, name}",
            "alertContext: required object with description and timestamp",
        ]);
    });

    it("rejects an entity without a name", () => {
        const incident = {
            ...sampleIncidents[0],
            entities: [{ type: "Account", name: "a@b.c" }, { type: "Host" }],
        };
        const body = expectError(
            post(JSON.stringify(incident)),
            400,
            /entities\[1\]\.name: required non-empty string/,
        );
        assert.deepEqual(body.details, ["entities[1].name: required non-empty string"]);
    });

    const badBodies: [string, WebhookRequest, RegExp][] = [
        ["non-JSON", post("{not json"), /request body is not valid JSON/],
        ["truncated JSON", post(JSON.stringify(sampleIncidents[0]).slice(0, 30)), /not valid JSON/],
        ["an empty body", post(""), /request body is empty/],
        [
            "text/plain",
            post(JSON.stringify(sampleIncidents[0]), "text/plain"),
            /Content-Type "text\/plain" is not supported; send the incident with Content-Type: application\/json/,
        ],
        ["form encoding", post("incidentId=1", "application/x-www-form-urlencoded"), /is not supported/],
        [
            "no content type",
            { method: "POST", contentType: undefined, body: JSON.stringify(sampleIncidents[0]) },
            /Content-Type header is missing/,
        ],
        [
            "a Latin-1 charset",
            post(JSON.stringify(sampleIncidents[0]), "application/json; charset=iso-8859-1"),
            /charset "iso-8859-1" is not supported/,
        ],
        [
            "an array",
            post(JSON.stringify([sampleIncidents[0]])),
            /\(root\): must be a JSON object \(got an array\)/,
        ],
        ["a JSON string", post('"incident"'), /\(root\): must be a JSON object \(got a string\)/],
        ["JSON null", post("null"), /\(root\): must be a JSON object \(got null\)/],
        ["invalid UTF-8", post(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/],
    ];
    for (const [label, request, message] of badBodies) {
        it(`answers 400 for ${label}`, () => {
            assert.equal(expectError(request, 400, message).error, "invalid_request");
        });
    }

    it("answers 413 above the size limit and accepts a body exactly at it", () => {
        const json = JSON.stringify(sampleIncidents[0]);
        const atLimit = json + " ".repeat(maxWebhookBodyBytes - json.length);
        assert.equal(handleSentinelWebhook(post(atLimit), now).status, 200);
        const body = expectError(post(atLimit + " "), 413, /limit is 262144 bytes/);
        assert.equal(body.error, "payload_too_large");
        // Counted in bytes, not characters: 2-byte characters reach the limit at half the length.
        expectError(post(Buffer.from("é".repeat(maxWebhookBodyBytes / 2 + 1))), 413, /limit/);
    });

    it("answers 405 with Allow: POST for other methods", () => {
        for (const method of ["GET", "PUT", "DELETE"]) {
            const { response, json } = send({ method, contentType: undefined, body: "" });
            assert.equal(response.status, 405);
            assert.equal(response.headers["allow"], "POST");
            assert.equal(json["error"], "method_not_allowed");
        }
    });

    it("answers a defect in the host (an invalid clock) with a generic 500, not a throw", () => {
        const response = handleSentinelWebhook(
            post(JSON.stringify(sampleIncidents[0])),
            new Date(Number.NaN),
        );
        assert.equal(response.status, 500);
        assert.deepEqual(JSON.parse(response.body), {
            error: "internal_error",
            message: "the incident could not be analyzed",
        });
    });

    it("uses the time it is given for the analysis", () => {
        const { json } = send(post(JSON.stringify(sampleIncidents[0])));
        assert.equal(json["processedAt"], now.toISOString());
    });

    it("never throws and never answers 5xx for arbitrary input (seeded fuzzing)", () => {
        const random = seededRandom(7);
        const statuses = new Map<number, number>();
        for (let round = 0; round < 2000; round++) {
            const request = randomRequest(random);
            // A throw fails the test with the offending request in the stack.
            const response = handleSentinelWebhook(request, now);
            assert.ok(
                response.status < 500,
                `${response.status} for ${String(request.body).slice(0, 200)}: ${response.body}`,
            );
            const parsed = JSON.parse(response.body) as { confidenceScore?: number };
            if (response.status === 200) {
                const score = parsed.confidenceScore ?? -1;
                assert.ok(score >= 0 && score <= 1, response.body);
            }
            statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
        // The generator must reach the analysis as well as the rejections, or it proves little.
        assert.ok((statuses.get(200) ?? 0) > 100, JSON.stringify([...statuses]));
        assert.ok((statuses.get(400) ?? 0) > 100, JSON.stringify([...statuses]));
    });
});

/** Requests mixing mutated samples, random JSON values and random bytes. */
function randomRequest(random: () => number): WebhookRequest {
    const roll = random();
    if (roll < 0.1) {
        const bytes = Buffer.from(
            Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
        );
        return post(bytes);
    }
    if (roll < 0.4) return post(JSON.stringify(randomJson(random, 4)));
    const incident = JSON.parse(JSON.stringify(sampleIncidents[Math.floor(random() * 3)])) as Record<
        string,
        unknown
    >;
    mutate(incident, random);
    return post(JSON.stringify(incident));
}

/** Replaces or deletes a few fields anywhere in the incident, sometimes with odd but valid values. */
function mutate(value: Record<string, unknown> | unknown[], random: () => number): void {
    const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
        const target = value as Record<string | number, unknown>;
        const child = target[key];
        const roll = random();
        if (roll < 0.08) delete target[key];
        else if (roll < 0.16) target[key] = randomJson(random, 2);
        else if (roll < 0.24 && typeof child === "string")
            target[key] = oddStrings[Math.floor(random() * oddStrings.length)];
        else if (typeof child === "object" && child !== null)
            mutate(child as Record<string, unknown>, random);
    }
    if (!Array.isArray(value) && random() < 0.2) value["tactics"] = ["LateralMovement", "Impact", "Unknown"];
    if (!Array.isArray(value) && random() < 0.2) value["techniques"] = ["T1110.001", "T9999"];
}

const oddStrings = [
    "",
    " ",
    "\u0000",
    "__proto__",
    "constructor",
    "Critical",
    "Low",
    "2025-01-01T00:00:00Z",
    "2099-12-31T23:59:59+14:00",
    "Ip",
    "é😀",
    "x".repeat(2000),
];

function randomJson(random: () => number, depth: number): unknown {
    const roll = random();
    if (depth <= 0 || roll < 0.3) {
        const scalars = [null, true, false, 0, -1, 1.5, 1e308, "", "x", "High", "Host", { __proto__: null }];
        return scalars[Math.floor(random() * scalars.length)];
    }
    if (roll < 0.6)
        return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(random, depth - 1));
    const keys = [
        "incidentId",
        "severity",
        "entities",
        "alertContext",
        "type",
        "name",
        "description",
        "timestamp",
        "tactics",
        "__proto__",
        "x",
    ];
    return Object.fromEntries(
        Array.from({ length: Math.floor(random() * 5) }, () => [
            keys[Math.floor(random() * keys.length)],
            randomJson(random, depth - 1),
        ]),
    );
}
