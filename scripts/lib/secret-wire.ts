/**
 * Secrets as the engine and the mock runtime write them in recorded inputs and outputs:
 * `{"<specialSigKey>": "<specialSecretSig>", "value": ...}`, with the constants the Pulumi SDK exports.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export interface WrappedSecret {
    readonly value: unknown;
}

export function wrapSecret(value: unknown): Record<string, unknown> {
    return { [specialSigKey]: specialSecretSig, value };
}

export function isWrappedSecret(value: unknown): value is WrappedSecret {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[specialSigKey] === specialSecretSig
    );
}
