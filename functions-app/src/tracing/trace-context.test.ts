import assert from "node:assert/strict";
import { formatTraceparent, parseTraceparent, parseTracestate } from "./trace-context";

describe("W3C trace context headers", () => {
    const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const span = "00f067aa0ba902b7";

    it("reads a version-00 traceparent and writes it back", () => {
        const parsed = parseTraceparent(`00-${trace}-${span}-01`);
        assert.deepEqual(parsed, { traceId: trace, parentId: span, sampled: true });
        assert.equal(formatTraceparent(parsed), `00-${trace}-${span}-01`);
        assert.equal(parseTraceparent(`00-${trace}-${span}-00`)?.sampled, false);
        assert.equal(
            parseTraceparent(`00-${trace}-${span}-03`)?.sampled,
            true,
            "other flag bits are ignored",
        );
    });

    it("accepts a later version's extra fields and refuses every malformed form", () => {
        assert.equal(parseTraceparent(`01-${trace}-${span}-01-extra`)?.traceId, trace);
        for (const bad of [
            undefined,
            "",
            [`00-${trace}-${span}-01`, `00-${trace}-${span}-01`],
            `ff-${trace}-${span}-01`,
            `00-${trace}-${span}-01-extra`,
            `01-${trace}-${span}-01x`,
            `00-${"0".repeat(32)}-${span}-01`,
            `00-${trace}-${"0".repeat(16)}-01`,
            `00-${trace.toUpperCase()}-${span}-01`,
            `00-${trace}-${span}-0g`,
            `00_${trace}_${span}_01`,
            `0-${trace}-${span}-011`,
        ]) {
            assert.equal(parseTraceparent(bad), undefined, JSON.stringify(bad));
        }
    });

    it("keeps a valid tracestate (repeated headers joined) and drops an invalid one whole", () => {
        assert.equal(
            parseTracestate("congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"),
            "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
        );
        assert.equal(parseTracestate(["a=1", "tenant@vendor=2"]), "a=1,tenant@vendor=2");
        for (const bad of [
            undefined,
            "",
            "=1",
            "Upper=1",
            "a=1,a=2",
            "a=x=y",
            "a=1 ,b",
            Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(","),
        ]) {
            assert.equal(parseTracestate(bad), undefined, JSON.stringify(bad));
        }
    });
});
