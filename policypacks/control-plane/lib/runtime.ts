/**
 * The parts of `@pulumi/policy`'s analyzer runtime the in-process evaluator reuses, so resources
 * are deserialized and proxied by the very code the CLI's analyzer runs. They ship without type
 * declarations (`deserialize.d.ts` and `proxy.d.ts` are empty), so their signatures are stated here.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

interface DeserializeModule {
    /** Struct -> plain properties: secrets unwrapped (when `proxySecrets` is false), assets rebuilt. */
    deserializeProperties(struct: Struct, proxySecrets: boolean): Record<string, unknown>;
}

interface ProxyModule {
    /** Wraps properties so reading a value unknown during preview throws UnknownValueError. */
    unknownCheckingProxy<T extends object>(props: T): T;
    UnknownValueError: new (sentinel: string, path: string[]) => Error;
}

export const { deserializeProperties } = require("@pulumi/policy/deserialize") as DeserializeModule;
export const { unknownCheckingProxy, UnknownValueError } = require("@pulumi/policy/proxy") as ProxyModule;
