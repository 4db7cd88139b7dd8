/**
 * Helpers for stack-level policies: reading a resource's properties whether the engine passes
 * outputs (which for azure-native keep the inputs under `__inputs`) or inputs, and deciding whether
 * one resource refers to another.
 */
import { PolicyResource } from "@pulumi/policy";
import { armNameInput, armTypeMatches, parseArmId } from "./arm";

type Props = Record<string, unknown>;

/** A property by name from the resource's outputs, falling back to its recorded inputs. */
export function propOf(resource: PolicyResource, key: string): unknown {
    const props = resource.props as Props;
    if (props[key] !== undefined) {
        return props[key];
    }
    const inputs = props.__inputs;
    return inputs !== null && typeof inputs === "object" ? (inputs as Props)[key] : undefined;
}

export function stringPropOf(resource: PolicyResource, key: string): string | undefined {
    const value = propOf(resource, key);
    return typeof value === "string" ? value : undefined;
}

/** Names Azure knows the resource by: the explicit name input, the `name` output, the logical name. */
export function armNamesOf(resource: PolicyResource): string[] {
    const key = armNameInput[resource.type];
    const names = [
        key === undefined ? undefined : stringPropOf(resource, key),
        stringPropOf(resource, "name"),
        resource.name,
    ];
    return names.filter((n): n is string => n !== undefined && n !== "");
}

/** A resource's ARM id when the engine or the recorded graph knows it. */
export function idOf(resource: PolicyResource): string | undefined {
    return stringPropOf(resource, "id");
}

/**
 * Whether `source`'s property `key` refers to `target`: the engine's property dependencies say
 * so, or the value equals the target's id, or it is an ARM id (or a child id) of the target's
 * type and name.
 */
export function refersTo(source: PolicyResource, key: string, target: PolicyResource): boolean {
    if ((source.propertyDependencies[key] ?? []).some((d) => d.urn === target.urn)) {
        return true;
    }
    const value = stringPropOf(source, key);
    return value !== undefined && idRefersTo(value, target);
}

/**
 * Whether an id names `target`: it equals the target's id, or is a child of it, or is an ARM id
 * (or a child id) of the target's type and name.
 */
export function idRefersTo(value: string, target: PolicyResource): boolean {
    if (value === "") {
        return false;
    }
    const id = idOf(target);
    if (id !== undefined && (value === id || value.toLowerCase().startsWith(`${id.toLowerCase()}/`))) {
        return true;
    }
    const arm = parseArmId(value);
    return (
        arm !== undefined &&
        armTypeMatches(arm.topLevelType, target.type) &&
        armNamesOf(target).some((n) => n.toLowerCase() === arm.topLevelName.toLowerCase())
    );
}
