import { closeSync, openSync, readSync } from "node:fs";

/**
 * Random (version 4) UUIDs for correlation and session ids, from the kernel's CSPRNG read a block
 * at a time. Why not `crypto.randomUUID()`: its first use loads Web Crypto and the crypto modules
 * under it, about 2 ms of CPU on the first request after a cold start; here a block of 256 ids
 * costs one read of `/dev/urandom`, which is open from the first id on. Where the device is
 * missing (Windows), Web Crypto.
 */
export function randomUuid(): string {
    return pool.next();
}

const idsPerBlock = 256;
const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** One block of random bytes, refilled when used up. */
class UuidPool {
    private readonly bytes = Buffer.alloc(16 * idsPerBlock);
    private offset = this.bytes.length;
    private device: number | null | undefined;

    constructor(private readonly devicePath: string) {}

    next(): string {
        if (this.offset === this.bytes.length) {
            if (!this.refill()) return globalThis.crypto.randomUUID();
            this.offset = 0;
        }
        const b = this.bytes;
        const at = this.offset;
        this.offset += 16;
        // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the top bits of byte 8.
        return (
            hex[b[at]!]! +
            hex[b[at + 1]!]! +
            hex[b[at + 2]!]! +
            hex[b[at + 3]!]! +
            "-" +
            hex[b[at + 4]!]! +
            hex[b[at + 5]!]! +
            "-" +
            hex[(b[at + 6]! & 0x0f) | 0x40]! +
            hex[b[at + 7]!]! +
            "-" +
            hex[(b[at + 8]! & 0x3f) | 0x80]! +
            hex[b[at + 9]!]! +
            "-" +
            hex[b[at + 10]!]! +
            hex[b[at + 11]!]! +
            hex[b[at + 12]!]! +
            hex[b[at + 13]!]! +
            hex[b[at + 14]!]! +
            hex[b[at + 15]!]!
        );
    }

    close(): void {
        if (typeof this.device === "number") closeSync(this.device);
        this.device = null;
    }

    /** False when there is no device to read, from then on. */
    private refill(): boolean {
        if (this.device === undefined) {
            try {
                this.device = openSync(this.devicePath, "r");
            } catch {
                this.device = null;
            }
        }
        if (this.device === null) return false;
        try {
            let filled = 0;
            while (filled < this.bytes.length) {
                const read = readSync(this.device, this.bytes, filled, this.bytes.length - filled, null);
                if (read <= 0) throw new Error(`${this.devicePath} gave no bytes`);
                filled += read;
            }
            return true;
        } catch {
            this.device = null;
            return false;
        }
    }
}

const pool = new UuidPool("/dev/urandom");

/** For tests: a pool reading another path (a missing one takes the Web Crypto fallback). */
export function uuidPoolReading(devicePath: string): { next(): string; close(): void } {
    return new UuidPool(devicePath);
}
