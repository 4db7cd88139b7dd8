import type { ChildProcess } from "node:child_process";

const children = new Set<ChildProcess>();
let hooked = false;

/**
 * Makes sure a helper process (Azurite, a host under test) never outlives the process that
 * started it, even when that one exits without stopping it (a failed test hook, Ctrl-C).
 */
export function killOnExit(child: ChildProcess): void {
    children.add(child);
    child.once("exit", () => children.delete(child));
    if (!hooked) {
        hooked = true;
        process.once("exit", () => {
            for (const c of children) c.kill("SIGKILL");
        });
    }
}
