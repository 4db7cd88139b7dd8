/**
 * The kubectl commands that apply and delete a set of Kubernetes objects through AKS run command,
 * and the zip of files they read. Pure: objects in, command text and file bytes out.
 */
import { projectName } from "../../project";
import { strToU8, zipSync } from "fflate";

/** A Kubernetes object as rendered (already validated against the Kubernetes schemas). */
export interface KubeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: { readonly name: string; readonly namespace?: string };
}

/** A Deployment whose rollout the apply waits for, so a pod that cannot start fails the update. */
export interface RolloutCheck {
    readonly namespace: string;
    readonly deployment: string;
    readonly timeoutSeconds: number;
}

export interface ClusterCommand {
    readonly command: string;
    /** File name -> content, placed in the command's working directory. */
    readonly files: Readonly<Record<string, string>>;
}

/** Server-side apply field manager: the owner of every field the program sets. */
export const fieldManager = projectName;

/** DNS-1123 names only: they are interpolated into a shell command. */
const namePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Identity of an object across API versions: group, kind, namespace, name. */
export function objectKey(o: KubeObject): string {
    const slash = o.apiVersion.lastIndexOf("/");
    const group = slash < 0 ? "" : o.apiVersion.slice(0, slash);
    return `${group}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

/** Objects in `previous` that `next` no longer has (they must be deleted, not left behind). */
export function removedObjects(previous: readonly KubeObject[], next: readonly KubeObject[]): KubeObject[] {
    const kept = new Set(next.map(objectKey));
    return previous.filter((o) => !kept.has(objectKey(o)));
}

/**
 * Server-side apply of `objects` (forcing ownership of the fields they set), deletion of `removed`,
 * then a wait for the rollout. `&&` makes the first failure the command's exit code.
 */
export function applyCommand(
    objects: readonly KubeObject[],
    removed: readonly KubeObject[],
    rollout?: RolloutCheck,
): ClusterCommand {
    if (objects.length === 0) throw new Error("nothing to apply");
    const steps = [
        `kubectl apply --server-side --force-conflicts --field-manager=${fieldManager} -f apply.json`,
    ];
    const files: Record<string, string> = { "apply.json": list(objects) };
    if (removed.length > 0) {
        steps.push("kubectl delete --ignore-not-found -f prune.json");
        files["prune.json"] = list([...removed].reverse());
    }
    if (rollout) {
        for (const name of [rollout.namespace, rollout.deployment]) {
            if (!namePattern.test(name)) throw new Error(`"${name}" is not a Kubernetes object name`);
        }
        if (!Number.isInteger(rollout.timeoutSeconds) || rollout.timeoutSeconds <= 0)
            throw new Error(`rollout timeout must be a positive whole number of seconds`);
        steps.push(
            `kubectl rollout status deployment/${rollout.deployment} -n ${rollout.namespace} --timeout=${rollout.timeoutSeconds}s`,
        );
    }
    return { command: steps.join(" && "), files };
}

/** Deletes `objects`, dependents first; objects already gone are not an error. */
export function deleteCommand(objects: readonly KubeObject[]): ClusterCommand {
    return {
        command: "kubectl delete --ignore-not-found -f delete.json",
        files: { "delete.json": list([...objects].reverse()) },
    };
}

/** The files as the zip run command expects in `context`. */
export function contextZip(files: Readonly<Record<string, string>>): Uint8Array {
    return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));
}

function list(objects: readonly KubeObject[]): string {
    return JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 1);
}
