/**
 * The parts of `@pulumi/policy`'s analyzer runtime the in-process evaluator reuses, so resources
 * are deserialized and proxied by the very code the CLI's analyzer runs. Their declaration files
 * are empty (`export {}`), so their signatures are stated here.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as deserializeModule from "@pulumi/policy/deserialize";
import * as proxyModule from "@pulumi/policy/proxy";

interface DeserializeModule {
    /** Struct -> plain properties: secrets unwrapped (when `proxySecrets` is false), assets rebuilt. */
    readonly deserializeProperties: (struct: Struct, proxySecrets: boolean) => Record<string, unknown>;
}

interface ProxyModule {
    /** Wraps properties so reading a value unknown during preview throws UnknownValueError. */
    readonly unknownCheckingProxy: <T extends object>(props: T) => T;
    readonly UnknownValueError: new (sentinel: string, path: string[]) => Error;
}

export const { deserializeProperties } = deserializeModule as unknown as DeserializeModule;
export const { unknownCheckingProxy, UnknownValueError } = proxyModule as unknown as ProxyModule;
