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

    it("agrees with the spec's grammar on every one-character change of a valid header", () => {
        // W3C Trace Context §3.2, as a regular expression: the reference the parser is held to.
        const grammar = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
        const reference = (header: string) => {
            const value = header.trim();
            const match = grammar.exec(value);
            if (!match) return undefined;
            const [, version, traceId = "", parentId = "", flags = "", rest] = match;
            if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
            if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
            return { traceId, parentId, sampled: (parseInt(flags, 16) & 1) === 1 };
        };
        let checked = 0;
        for (const base of [`00-${trace}-${span}-01`, `cc-${trace}-${span}-00-x`]) {
            for (let at = 0; at <= base.length; at++) {
                for (const c of ["0", "9", "a", "f", "g", "A", "-", " ", ""]) {
                    const header = base.slice(0, at) + c + base.slice(at + 1);
                    assert.deepEqual(parseTraceparent(header), reference(header), JSON.stringify(header));
                    checked++;
                }
            }
        }
        assert.ok(checked > 1_000);
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
