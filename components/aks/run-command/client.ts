/**
 * AKS run command (what `az aks command invoke` uses): POST a shell command and a zip of files to
 * `<cluster id>/runCommand` on Azure Resource Manager; AKS runs it in a pod inside the cluster with
 * kubectl configured for the caller's Entra identity (`clusterToken`), so Kubernetes RBAC applies
 * and a private API server needs no network path from where `pulumi up` runs. The POST answers
 * 202 with a Location to poll; the result reports `provisioningState`, `exitCode` and `logs`.
 * No Pulumi imports, so it is tested against a local HTTP endpoint.
 */
import { bodyText, RetryingCaller, type RetryOptions } from "../../azure/retrying-caller";

/** Same API version as the ManagedCluster resource the program creates. */
export const runCommandApiVersion = "2025-09-01";

export interface RunCommandRequest extends Omit<RetryOptions, "timeoutMs"> {
    /** Azure Resource Manager endpoint (default https://management.azure.com). */
    readonly armBaseUrl?: string;
    /** Resource id of the managed cluster. */
    readonly clusterId: string;
    /** Entra token for Azure Resource Manager. */
    readonly armToken: string;
    /** Entra token for the AKS Entra server app: kubectl in the command pod acts as its subject. */
    readonly clusterToken: string;
    readonly command: string;
    /** Zip of the files the command reads (its working directory). */
    readonly context?: Uint8Array;
    /** Delay between result polls (default 5 s). */
    readonly pollIntervalMs?: number;
    /** Give up after this long overall (default 20 min). */
    readonly timeoutMs?: number;
}

export interface RunCommandResult {
    readonly commandId: string;
    readonly exitCode: number;
    readonly logs: string;
}

export class RunCommandError extends Error {
    constructor(
        message: string,
        /** HTTP status of the refusal, when ARM refused the request itself. */
        public readonly status?: number,
    ) {
        super(message);
        this.name = "RunCommandError";
    }
}

interface CommandResultBody {
    readonly id?: string;
    readonly properties?: {
        readonly provisioningState?: string;
        readonly exitCode?: number;
        readonly logs?: string;
        readonly reason?: string;
    };
}

/** ARM refusing the run command itself (the deployer's Azure role on the cluster). */
const armAuthCause =
    "the deploying identity needs Microsoft.ContainerService/managedClusters/runCommand/action and " +
    "commandResults/read on the cluster (e.g. Contributor on the resource group); a new role assignment " +
    "may not be in effect yet";
/** kubectl in the command pod refused by Kubernetes RBAC (Azure RBAC for Kubernetes). */
const clusterAuthCause =
    "the deploying identity's Azure Kubernetes Service RBAC Cluster Admin on this cluster is not in " +
    "effect yet (Azure RBAC for Kubernetes can take minutes to apply) or is missing";

/** kubectl's own words when the API server refuses the caller. */
export function refusedByCluster(logs: string): boolean {
    return /\b(Forbidden|Unauthorized)\b|You must be logged in to the server/.test(logs);
}

/**
 * Runs one command to completion. Throws RunCommandError when the command fails or exits
 * non-zero (with its logs), when access stays refused past the budget, or at the deadline.
 */
export async function runClusterCommand(req: RunCommandRequest): Promise<RunCommandResult> {
    const caller = new RetryingCaller(
        { ...req, timeoutMs: req.timeoutMs ?? 20 * 60_000 },
        (message) => new RunCommandError(message),
    );
    const arm = new URL(req.armBaseUrl ?? "https://management.azure.com");
    const headers = { authorization: `Bearer ${req.armToken}` };
    const submitUrl = new URL(
        `${req.clusterId.replace(/\/+$/, "")}/runCommand?api-version=${runCommandApiVersion}`,
        arm,
    );
    const body = JSON.stringify({
        command: req.command,
        clusterToken: req.clusterToken,
        ...(req.context ? { context: Buffer.from(req.context).toString("base64") } : {}),
    });

    for (;;) {
        const submitted = await caller.call(
            "runCommand",
            () =>
                fetch(submitUrl, {
                    method: "POST",
                    headers: { ...headers, "content-type": "application/json" },
                    body,
                    signal: AbortSignal.timeout(caller.remainingMs()),
                }),
            { timeoutMessage: "timed out submitting the command", authCause: armAuthCause },
        );
        if (submitted.status !== 202 && submitted.status !== 200) {
            throw new RunCommandError(
                `runCommand on ${req.clusterId} answered ${submitted.status}: ${await bodyText(submitted)}`,
                submitted.status,
            );
        }
        await submitted.body?.cancel();
        const resultUrl = resultLocation(submitted, arm);
        const result = await pollResult(caller, req, resultUrl, headers);
        const commandId = result.id ?? resultUrl.pathname.split("/").pop() ?? "";
        const props = result.properties ?? {};
        const logs = props.logs ?? "";
        const exitCode = typeof props.exitCode === "number" ? props.exitCode : -1;
        if (props.provisioningState === "Succeeded" && exitCode === 0) {
            return { commandId, exitCode, logs };
        }
        if (props.provisioningState === "Succeeded" && refusedByCluster(logs)) {
            // The command ran, but the API server refused the deployer: its role may still be propagating.
            await caller.waitOutAuthFailure(
                `kubectl was refused in command ${commandId}`,
                lastLines(logs),
                {
                    timeoutMessage: `command ${commandId} did not succeed in time`,
                    authCause: clusterAuthCause,
                },
                "kubernetes",
            );
            continue;
        }
        const state = props.provisioningState ?? "an unknown state";
        throw new RunCommandError(
            `command ${commandId} ended ${state} with exit code ${exitCode}` +
                `${props.reason ? ` (${props.reason})` : ""}; its output:\n${logs || "(none)"}`,
        );
    }
}

/** Polls the result URL until ARM reports the command finished (200). */
async function pollResult(
    caller: RetryingCaller,
    req: RunCommandRequest,
    url: URL,
    headers: Record<string, string>,
): Promise<CommandResultBody> {
    const unfinished = `command ${url.pathname.split("/").pop() ?? ""} did not finish in time`;
    for (;;) {
        const res = await caller.call(
            "commandResults",
            () => fetch(url, { headers, signal: AbortSignal.timeout(caller.remainingMs()) }),
            { timeoutMessage: unfinished, authCause: armAuthCause },
        );
        if (res.status === 200) return (await res.json()) as CommandResultBody;
        if (res.status !== 202) {
            throw new RunCommandError(
                `command result answered ${res.status}: ${await bodyText(res)}`,
                res.status,
            );
        }
        await res.body?.cancel();
        await caller.sleep(req.pollIntervalMs ?? 5000, unfinished);
    }
}

/** The result URL from the 202; only ever on the ARM host the tokens were meant for. */
function resultLocation(res: Response, arm: URL): URL {
    const location = res.headers.get("location");
    if (!location) throw new RunCommandError("runCommand was accepted but named no result location");
    const url = new URL(location, arm);
    if (url.origin !== arm.origin) {
        throw new RunCommandError(
            `runCommand result location ${url.origin} is not ${arm.origin}; not following it`,
        );
    }
    return url;
}

function lastLines(text: string, count = 5): string {
    return text.trim().split("\n").slice(-count).join(" | ").slice(0, 500);
}
