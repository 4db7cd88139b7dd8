import assert from "node:assert/strict";
import { randomUuid, uuidPoolReading } from "./random-id";

const version4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("random ids", () => {
    it("are version 4 UUIDs, distinct across several blocks of the pool", () => {
        const ids = Array.from({ length: 2_000 }, () => randomUuid());
        for (const id of ids) assert.match(id, version4);
        assert.equal(new Set(ids).size, ids.length);
    });

    it("spread over every hex digit where the format leaves them random", () => {
        const ids = Array.from({ length: 512 }, () => randomUuid());
        // Position 0 is fully random; 19 carries the variant (8-b); 14 is always the version.
        const digitsAt = (position: number) => new Set(ids.map((id) => id[position])).size;
        assert.equal(digitsAt(0), 16);
        assert.equal(digitsAt(19), 4);
        assert.equal(digitsAt(14), 1);
    });

    it("come from Web Crypto where the kernel's device cannot be read", () => {
        const pool = uuidPoolReading("/nonexistent/urandom");
        const ids = [pool.next(), pool.next()];
        for (const id of ids) assert.match(id, version4);
        assert.notEqual(ids[0], ids[1]);
    });

    it("take the kernel's bytes as they are, version and variant bits aside", () => {
        const zeros = uuidPoolReading("/dev/zero");
        try {
            assert.equal(zeros.next(), "00000000-0000-4000-8000-000000000000");
        } finally {
            zeros.close();
        }
    });
});
