import assert from "node:assert/strict";
import { decodeMirroredHeader } from "./revisions";

describe("Mcp-Name header values (the revision's value encoding)", () => {
    const cases: [string, string, string | undefined][] = [
        ["a plain ASCII name as is", "get_weather", "get_weather"],
        ["the spec's non-ASCII example", "=?base64?SGVsbG8sIOS4lueVjA==?=", "Hello, 世界"],
        ["the spec's padded example", "=?base64?IHBhZGRlZCA=?=", " padded "],
        [
            "an encoded literal that looks like the sentinel",
            "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=",
            "=?base64?literal?=",
        ],
        ["an empty Base64 value", "=?base64??=", ""],
        ["Base64 with characters outside the alphabet", "=?base64?not base64!?=", undefined],
        ["Base64 without its padding", "=?base64?SGk?=", undefined],
        ["Base64 of bytes that are not UTF-8", "=?base64?/w==?=", undefined],
        ["a plain value with a control character", "a\u0001b", undefined],
        ["a plain value with a non-ASCII character", "caf\u00e9", undefined],
        ["an upper-case sentinel as a plain value", "=?BASE64?SGk=?=", "=?BASE64?SGk=?="],
    ];
    for (const [label, header, expected] of cases) {
        it(`decodes ${label}`, () => assert.equal(decodeMirroredHeader(header), expected));
    }
});
