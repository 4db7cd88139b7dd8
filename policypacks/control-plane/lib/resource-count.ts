/**
 * How the offline synth and the offline policy run count a stack, so both print the same figure:
 * resources are what Azure gets (custom resources), components group them and create nothing.
 */
export interface ResourceCount {
    readonly resources: number;
    readonly components: number;
    /** `101 resources in 13 components`, or `52 resources` when there are no components. */
    readonly text: string;
}

/** `custom: false` marks a component; a recording without the flag counts as a resource. */
export function countResources(recorded: readonly { readonly custom?: boolean }[]): ResourceCount {
    const components = recorded.filter((r) => r.custom === false).length;
    const resources = recorded.length - components;
    const text = `${resources} resources${components > 0 ? ` in ${components} components` : ""}`;
    return { resources, components, text };
}
