import { loadStackSource, type StackSource } from "../../src/stack-source";

let dev: Promise<StackSource> | undefined;

/** The dev stack, synthesized once per test process (synthesis takes seconds). */
export function devStackSource(): Promise<StackSource> {
    dev ??= loadStackSource({ stack: "dev" });
    return dev;
}
