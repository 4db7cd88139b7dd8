/**
 * OneDeploy for Flex Consumption: POST the package to `/api/publish?RemoteBuild=false` on the app's
 * SCM host with an Entra bearer token, then poll `/api/deployments/<id>` until Kudu reports success
 * (status 4) or failure (3). Transient failures (network errors, 429, 5xx) are retried with
 * exponential backoff. 401/403 get their own, time-bounded budget: right after the stack grants
 * roles, the deployer's or the app's access may not be in effect yet. Everything is bounded by a
 * timeout. No Pulumi imports, and the clock is injectable, so it is tested against a local HTTP
 * endpoint without real waits.
 */

/** Kudu deployment status codes. */
export const deploymentStatus = { pending: 0, building: 1, deploying: 2, failed: 3, success: 4 } as const;

export interface OneDeployRequest {
    /** Base URL of the SCM site, e.g. https://<app>.scm.azurewebsites.net. */
    readonly scmBaseUrl: string;
    readonly token: string;
    readonly zip: Uint8Array;
    /** Delay between status polls (default 5 s). */
    readonly pollIntervalMs?: number;
    /** Give up after this long overall (default 15 min). */
    readonly timeoutMs?: number;
    /** Attempts per HTTP call before a transient failure becomes fatal (default 5). */
    readonly maxAttempts?: number;
    /** First retry delay; doubles per attempt (default 2 s). */
    readonly initialBackoffMs?: number;
    /** How long 401/403 answers keep being retried, from the first one (default 10 min). */
    readonly authRetryMs?: number;
    /** Delay between retries of a 401/403 (default 15 s). */
    readonly authRetryIntervalMs?: number;
    readonly log?: (message: string) => void;
    /** Clock and sleep (tests inject both; defaults are Date.now and setTimeout). */
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
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

/** Where 401/403 retries stand during one deployment: the budget is shared by every call. */
interface Run {
    readonly req: OneDeployRequest;
    readonly deadline: number;
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    authFailingSince?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function oneDeploy(req: OneDeployRequest): Promise<OneDeployResult> {
    const now = req.now ?? Date.now;
    const run: Run = {
        req,
        now,
        sleep: req.sleep ?? defaultSleep,
        deadline: now() + (req.timeoutMs ?? 15 * 60_000),
    };
    const deadline = run.deadline;
    const base = req.scmBaseUrl.replace(/\/+$/, "");
    const headers = { authorization: `Bearer ${req.token}` };

    const publish = await call(run, "publish", () =>
        fetch(`${base}/api/publish?RemoteBuild=false`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/zip" },
            body: req.zip,
            signal: AbortSignal.timeout(Math.max(1, deadline - now())),
        }),
    );
    if (publish.status !== 202 && publish.status !== 200) {
        throw new OneDeployError(`publish answered ${publish.status}: ${await bodyText(publish)}`);
    }
    const deploymentId = await deploymentIdOf(publish);
    req.log?.(`OneDeploy accepted deployment ${deploymentId}`);

    // Wherever the deadline falls (between polls or during one), the error says the same thing.
    const unfinished = `deployment ${deploymentId} did not finish in time`;
    for (;;) {
        const res = await call(
            run,
            "status",
            () =>
                fetch(`${base}/api/deployments/${encodeURIComponent(deploymentId)}`, {
                    headers,
                    signal: AbortSignal.timeout(Math.max(1, deadline - now())),
                }),
            unfinished,
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
        await sleepUntil(run, req.pollIntervalMs ?? 5000, unfinished);
    }
}

function isTransient(status: number): boolean {
    return status === 429 || status >= 500;
}

function isAuthFailure(status: number): boolean {
    return status === 401 || status === 403;
}

/**
 * One HTTP call. Transient failures are retried a bounded number of times with backoff; 401/403
 * are retried for a bounded time (a fresh role assignment takes minutes to apply) and then fail
 * naming that cause. Returns the first response that is neither.
 */
async function call(
    run: Run,
    what: string,
    send: () => Promise<Response>,
    timeoutMessage = `timed out during ${what}`,
): Promise<Response> {
    const { req } = run;
    const attempts = req.maxAttempts ?? 5;
    let delay = req.initialBackoffMs ?? 2000;
    for (let attempt = 1; ;) {
        if (run.now() >= run.deadline) throw new OneDeployError(timeoutMessage);
        let failure: string;
        try {
            const res = await send();
            if (isAuthFailure(res.status)) {
                await waitOutAuthFailure(run, what, res, timeoutMessage);
                continue;
            }
            run.authFailingSince = undefined;
            if (!isTransient(res.status)) return res;
            failure = `${res.status} ${await bodyText(res)}`;
            const retryAfter = Number(res.headers.get("retry-after"));
            if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.max(delay, retryAfter * 1000);
        } catch (err) {
            if (err instanceof OneDeployError) throw err;
            if (run.now() >= run.deadline) throw new OneDeployError(timeoutMessage);
            failure = err instanceof Error ? err.message : String(err);
        }
        if (attempt >= attempts)
            throw new OneDeployError(`${what} failed after ${attempts} attempts: ${failure}`);
        req.log?.(`${what} attempt ${attempt} failed (${failure}); retrying in ${delay} ms`);
        await sleepUntil(run, delay, timeoutMessage);
        delay *= 2;
        attempt++;
    }
}

/** Sleeps before retrying a 401/403, or throws once they have lasted longer than the budget. */
async function waitOutAuthFailure(
    run: Run,
    what: string,
    res: Response,
    timeoutMessage: string,
): Promise<void> {
    const budget = run.req.authRetryMs ?? 10 * 60_000;
    const since = (run.authFailingSince ??= run.now());
    const body = await bodyText(res);
    const elapsed = run.now() - since;
    if (elapsed >= budget) {
        throw new OneDeployError(
            `${what} answered ${res.status} for ${Math.round(elapsed / 1000)} s (${body || "no body"}): ` +
                "the deploying identity's role on the function app (publish needs Microsoft.Web/sites/publish/action, " +
                "e.g. Website Contributor) or the app identity's Storage Blob Data Owner on its deployment container " +
                "is not in effect yet or is missing; role assignments can take minutes to apply",
        );
    }
    const wait = run.req.authRetryIntervalMs ?? 15_000;
    run.req.log?.(
        `${what} answered ${res.status}; a new role assignment may not be in effect yet, retrying in ${wait} ms`,
    );
    await sleepUntil(run, wait, timeoutMessage);
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

async function bodyText(res: Response): Promise<string> {
    try {
        return (await res.text()).slice(0, 500);
    } catch {
        return "";
    }
}

async function sleepUntil(run: Run, ms: number, timeoutMessage: string): Promise<void> {
    const left = run.deadline - run.now();
    if (left <= 0) throw new OneDeployError(timeoutMessage);
    await run.sleep(Math.min(ms, left));
    if (run.now() >= run.deadline) throw new OneDeployError(timeoutMessage);
}
