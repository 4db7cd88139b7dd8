/**
 * The shipped stack files hold example identities, which the program refuses unless a stack opts
 * in. Offline tests deploy nothing, so they opt in, explicitly, through these helpers.
 */
import { exampleIdentitiesOptInKey } from "../../components/config/example-identities";
import { readStackFile, stackFilePath } from "../../scripts/lib/stack-file";
import type { SynthRequest } from "../../scripts/lib/synthesize";

/** Config overrides that opt a synthesis into the shipped example identities. */
export const exampleIdentitiesOptIn: Readonly<Record<string, string>> = {
    [exampleIdentitiesOptInKey]: "true",
};

/** A synthesis of `Pulumi.<stack>.yaml` as shipped, examples allowed, plus `configOverrides`. */
export function shippedStack(stack: string, configOverrides: Record<string, string> = {}): SynthRequest {
    return { stack, configOverrides: { ...exampleIdentitiesOptIn, ...configOverrides } };
}

/** The runtime's flat config of `Pulumi.<stack>.yaml` as shipped, opted into its examples. */
export function shippedConfig(stack: string): Record<string, string> {
    return {
        ...readStackFile(stackFilePath(stack)).config,
        [`agents-control-plane:${exampleIdentitiesOptInKey}`]: "true",
    };
}
