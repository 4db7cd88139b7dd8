import type { ScenarioResult } from "../scripts/conformance/run";

/**
 * What the Node host gets from each server scenario of @modelcontextprotocol/conformance 0.1.16,
 * and why. The README's "Conformance" table is this list. A scenario that changes result (or a
 * new or removed scenario) fails the test until this list is updated.
 */
export interface ScenarioExpectation {
    readonly result: ScenarioResult;
    /** Applicable scenarios must pass; the others say what the host lacks. */
    readonly applicable: boolean;
    readonly reason: string;
}

const fixtureTool = (tool: string): ScenarioExpectation => ({
    result: "fail",
    applicable: false,
    reason: `calls the suite's own fixture tool \`${tool}\`; the host serves only its catalog (unknown tool: -32602)`,
});
const noCapability = (capability: string): ScenarioExpectation => ({
    result: "fail",
    applicable: false,
    reason: `needs the ${capability} capability, which the host does not offer (-32601)`,
});
const sessionsOnly: ScenarioExpectation = {
    result: "warning",
    applicable: false,
    reason: "SSE polling and resumption (SEP-1699) need a protocol session; the host is stateless (no Mcp-Session-Id)",
};

export const conformanceExpectations: Readonly<Record<string, ScenarioExpectation>> = {
    "server-initialize": { result: "pass", applicable: true, reason: "initialize handshake and server info" },
    ping: { result: "pass", applicable: true, reason: "ping answers an empty result" },
    "tools-list": {
        result: "pass",
        applicable: true,
        reason: "the catalog's tools with valid input schemas",
    },
    "dns-rebinding-protection": {
        result: "pass",
        applicable: true,
        reason: "a foreign Host/Origin is refused, localhost is accepted",
    },
    "logging-set-level": noCapability("logging"),
    "completion-complete": noCapability("completions"),
    "tools-call-simple-text": fixtureTool("test_simple_text"),
    "tools-call-image": fixtureTool("test_image_content"),
    "tools-call-audio": fixtureTool("test_audio_content"),
    "tools-call-embedded-resource": fixtureTool("test_embedded_resource"),
    "tools-call-mixed-content": fixtureTool("test_multiple_content_types"),
    "tools-call-with-logging": {
        result: "fail",
        applicable: false,
        reason: "needs the logging capability and the fixture tool `test_tool_with_logging`",
    },
    "tools-call-error": fixtureTool("test_error_handling"),
    "tools-call-with-progress": fixtureTool("test_tool_with_progress"),
    "tools-call-sampling": fixtureTool("test_sampling"),
    "tools-call-elicitation": fixtureTool("test_elicitation"),
    "json-schema-2020-12": fixtureTool("json_schema_2020_12_tool"),
    "elicitation-sep1034-defaults": fixtureTool("test_elicitation_sep1034_defaults"),
    "elicitation-sep1330-enums": fixtureTool("test_elicitation_sep1330_enums"),
    "server-sse-polling": sessionsOnly,
    "server-sse-multiple-streams": sessionsOnly,
    "resources-list": noCapability("resources"),
    "resources-read-text": noCapability("resources"),
    "resources-read-binary": noCapability("resources"),
    "resources-templates-read": noCapability("resources"),
    "resources-subscribe": noCapability("resources"),
    "resources-unsubscribe": noCapability("resources"),
    "prompts-list": noCapability("prompts"),
    "prompts-get-simple": noCapability("prompts"),
    "prompts-get-with-args": noCapability("prompts"),
    "prompts-get-embedded-resource": noCapability("prompts"),
    "prompts-get-with-image": noCapability("prompts"),
};
