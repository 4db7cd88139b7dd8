/** Questions tests ask of one synthesized stack (`synthesize()`'s recorded resources and outputs). */
import * as assert from "node:assert/strict";
import { isWrappedSecret } from "../../scripts/lib/secret-wire";
import type { RecordedResource, SynthResult } from "../../scripts/lib/synthesize";

/**
 * A recorded value without its secret wrapper; with `expectSecret`, fails unless the value is
 * (true) or is not (false) secret.
 */
export function plain(value: unknown, expectSecret?: boolean): unknown {
    const secret = isWrappedSecret(value);
    if (expectSecret !== undefined) assert.equal(secret, expectSecret, `secret: ${JSON.stringify(value)}`);
    return secret ? value.value : value;
}

/** The built-in role a recorded role assignment grants (the GUID at the end of its definition id). */
export function roleOf(assignment: RecordedResource): string {
    return String(assignment.inputs.roleDefinitionId).split("/").pop() ?? "";
}

export interface StackView {
    /** Every resource of `type`, in registration order. */
    readonly ofType: (type: string) => RecordedResource[];
    /** The one resource of `type` (whose name ends with `nameSuffix`); fails unless exactly one. */
    readonly one: (type: string, nameSuffix?: string) => RecordedResource;
}

export function stackView(result: Pick<SynthResult, "resources">): StackView {
    const ofType = (type: string) => result.resources.filter((r) => r.type === type);
    return {
        ofType,
        one: (type, nameSuffix) => {
            const list = ofType(type).filter((r) => nameSuffix === undefined || r.name.endsWith(nameSuffix));
            const [only] = list;
            assert.ok(
                only && list.length === 1,
                `exactly one ${type} ${nameSuffix ?? ""}, found ${list.length}`,
            );
            return only;
        },
    };
}
