/**
 * OneDeploy for Flex Consumption: POST the package to `/api/publish?RemoteBuild=false` on the app's
 * SCM host with an Entra bearer token, then poll `/api/deployments/<id>` until Kudu reports success
 * (status 4) or failure (3). Transient failures (network errors, 429, 5xx) are retried with
 * exponential backoff, 401/403 for a bounded time (the deployer's or the app's fresh role may not
 * be in effect yet; see RetryingCaller); everything is bounded by a timeout. No Pulumi imports, so
 * it is tested against a local HTTP endpoint.
 */

import { bodyText, RetryingCaller, type RetryOptions } from "../../azure/retrying-caller";

/** Kudu deployment status codes. */
export const deploymentStatus = { pending: 0, building: 1, deploying: 2, failed: 3, success: 4 } as const;

export interface OneDeployRequest extends Omit<RetryOptions, "timeoutMs"> {
    /** Base URL of the SCM site, e.g. https://<app>.scm.azurewebsites.net. */
    readonly scmBaseUrl: string;
    readonly token: string;
    readonly zip: Uint8Array;
    /** Delay between status polls (default 5 s). */
    readonly pollIntervalMs?: number;
    /** Give up after this long overall (default 15 min). */
    readonly timeoutMs?: number;
}

export interface OneDeployResult {
    readonly deploymentId: string;
    readonly status: number;
    readonly statusText: string;
}

export class OneDeployError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "OneDeployError";
    }
}

/** Why a 401/403 from the SCM host would last past the propagation wait. */
const authCause =
    "the deploying identity's role on the function app (publish needs Microsoft.Web/sites/publish/action, " +
    "e.g. Website Contributor) or the app identity's Storage Blob Data Owner on its deployment container " +
    "is not in effect yet or is missing; role assignments can take minutes to apply";

export async function oneDeploy(req: OneDeployRequest): Promise<OneDeployResult> {
    const caller = new RetryingCaller(
        { ...req, timeoutMs: req.timeoutMs ?? 15 * 60_000 },
        (message) => new OneDeployError(message),
    );
    const base = req.scmBaseUrl.replace(/\/+$/, "");
    const headers = { authorization: `Bearer ${req.token}` };

    const publish = await caller.call(
        "publish",
        () =>
            fetch(`${base}/api/publish?RemoteBuild=false`, {
                method: "POST",
                headers: { ...headers, "content-type": "application/zip" },
                body: req.zip,
                signal: AbortSignal.timeout(caller.remainingMs()),
            }),
        { timeoutMessage: "timed out during publish", authCause },
    );
    if (publish.status !== 202 && publish.status !== 200) {
        throw new OneDeployError(`publish answered ${publish.status}: ${await bodyText(publish)}`);
    }
    const deploymentId = await deploymentIdOf(publish);
    req.log?.(`OneDeploy accepted deployment ${deploymentId}`);

    // Wherever the deadline falls (between polls or during one), the error says the same thing.
    const unfinished = `deployment ${deploymentId} did not finish in time`;
    for (;;) {
        const res = await caller.call(
            "status",
            () =>
                fetch(`${base}/api/deployments/${encodeURIComponent(deploymentId)}`, {
                    headers,
                    signal: AbortSignal.timeout(caller.remainingMs()),
                }),
            { timeoutMessage: unfinished, authCause },
        );
        if (res.status === 200) {
            const body = (await res.json()) as {
                status?: number;
                status_text?: string;
                statusText?: string;
                log_url?: string;
            };
            const status = typeof body.status === "number" ? body.status : -1;
            const statusText = body.status_text ?? body.statusText ?? "";
            if (status === deploymentStatus.success) return { deploymentId, status, statusText };
            if (status === deploymentStatus.failed) {
                throw new OneDeployError(
                    `deployment ${deploymentId} failed: ${statusText || "no status text"}${body.log_url ? ` (log: ${body.log_url})` : ""}`,
                );
            }
            req.log?.(`deployment ${deploymentId}: status ${status} ${statusText}`);
        } else if (res.status !== 404) {
            // 404 right after the 202 means the record is not written yet; keep polling.
            throw new OneDeployError(
                `status of ${deploymentId} answered ${res.status}: ${await bodyText(res)}`,
            );
        } else {
            await res.body?.cancel();
        }
        await caller.sleep(req.pollIntervalMs ?? 5000, unfinished);
    }
}

/** Kudu answers with the id as JSON (`{"id": ...}` or a string) or only a Location header. */
async function deploymentIdOf(res: Response): Promise<string> {
    const text = (await res.text()).trim();
    if (text) {
        try {
            const parsed = JSON.parse(text) as unknown;
            if (typeof parsed === "string" && parsed) return parsed;
            if (
                typeof parsed === "object" &&
                parsed !== null &&
                typeof (parsed as { id?: unknown }).id === "string"
            ) {
                return (parsed as { id: string }).id;
            }
        } catch {
            if (/^[A-Za-z0-9-]+$/.test(text)) return text;
        }
    }
    const location = res.headers.get("location");
    const fromLocation = location?.match(/\/api\/deployments\/([^/?#]+)/)?.[1];
    // Polling "latest" could report the previous deployment's success: without an id, fail loudly.
    if (!fromLocation) {
        throw new OneDeployError(
            `publish was accepted but named no deployment id (body ${JSON.stringify(text.slice(0, 100))}, no Location header)`,
        );
    }
    return decodeURIComponent(fromLocation);
}
