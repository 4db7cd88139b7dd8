import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { entraAuthenticationString } from "functions-app/tracing/settings";
import { makeLoopbackCertificate } from "functions-app/test-support/loopback-certificate";
import {
    startFakeAppInsights,
    type FakeAppInsights,
    type IngestionCounts,
} from "functions-app/test-support/fake-app-insights";
import {
    startFakeEntraTokenEndpoint,
    type FakeEntraTokenEndpoint,
} from "functions-app/test-support/fake-entra-token-endpoint";
import { writeOutboundGuard } from "functions-app/test-support/outbound-guard";
import {
    aksPodEnvironment,
    entraHost,
    entraToken,
    federatedToken,
    identityClientId,
    instrumentationKey,
} from "functions-app/test-support/aks-pod-identity";

/**
 * Azure Monitor export as the stack deploys it (TRACING_EXPORTER=azure-monitor on AKS, the pod's
 * workload identity), to offline stand-ins as functions-app/test/azure-monitor-export.test.ts
 * sets them up: a loopback certificate, an HTTPS ingestion endpoint, Entra's token endpoint, and a
 * preload that sends login.microsoftonline.com:443 to it and refuses every other destination off
 * loopback at once (statsbeat's westus-0.in.applicationinsights.azure.com among them).
 */

/** One host's export: its own ingestion stand-in, so each row's envelopes are counted apart. */
export interface AzureMonitorExport {
    /** The tracing settings and the AKS pod's identity variables, for that host. */
    readonly env: Record<string, string>;
    /** What reached its ingestion stand-in so far (counts only: a bench exports for minutes). */
    readonly received: IngestionCounts;
}

export interface AzureMonitorStandIns {
    /** Node's arguments before the entry point: the outbound guard's preload. */
    readonly nodeArgs: readonly string[];
    /** Starts an ingestion stand-in for one more host. */
    exportFor(): Promise<AzureMonitorExport>;
    /** Token requests the Entra stand-in answered, all hosts together. */
    tokenRequests(): number;
    /** Stops every stand-in and removes their files. */
    close(): Promise<void>;
}

/**
 * The stand-ins, or why they cannot run here (the certificate needs the machine's `openssl`): the
 * caller then leaves its Azure Monitor rows out rather than failing.
 */
export async function startAzureMonitorStandIns(): Promise<
    AzureMonitorStandIns | { readonly unavailable: string }
> {
    const work = await mkdtemp(path.join(tmpdir(), "bench-azure-monitor-"));
    const ingestions: FakeAppInsights[] = [];
    let entra: FakeEntraTokenEndpoint | undefined;
    const close = async () => {
        await Promise.all([...ingestions.map((i) => i.close()), entra?.close()]);
        await rm(work, { recursive: true, force: true });
    };
    try {
        const certificate = await makeLoopbackCertificate(work, [entraHost]).catch((error: unknown) =>
            error instanceof Error ? error : new Error(String(error)),
        );
        if (certificate instanceof Error) {
            await close();
            return {
                unavailable:
                    (certificate as NodeJS.ErrnoException).code === "ENOENT"
                        ? "no openssl on PATH for the stand-ins' loopback certificate"
                        : `openssl could not make the stand-ins' loopback certificate: ${certificate.message}`,
            };
        }
        entra = await startFakeEntraTokenEndpoint(certificate, entraToken);
        // Each destination logged once: statsbeat retries, and the host runs for minutes.
        const guard = await writeOutboundGuard(work, { [`${entraHost}:443`]: entra.port }, { logOnce: true });
        const tokenFile = path.join(work, "azure-identity-token");
        await writeFile(tokenFile, federatedToken);
        const answered = entra.tokenRequests;
        return {
            nodeArgs: ["--require", guard.file],
            async exportFor() {
                const ingestion = await startFakeAppInsights(certificate, { keep: "counts" });
                ingestions.push(ingestion);
                // The exporter keeps failed sends under the temporary folder: this one, removed at the end.
                const spool = await mkdtemp(path.join(work, "tmp-"));
                return {
                    received: ingestion.counts,
                    env: {
                        TRACING_EXPORTER: "azure-monitor",
                        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${ingestion.endpoint}`,
                        APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
                            entraAuthenticationString(identityClientId),
                        NODE_EXTRA_CA_CERTS: certificate.certFile,
                        TMPDIR: spool,
                        ...aksPodEnvironment(tokenFile),
                    },
                };
            },
            tokenRequests: () => answered.length,
            close,
        };
    } catch (error) {
        await close();
        throw error;
    }
}

/**
 * What a row's host is expected to export: every call (a request item for each, at least one in ten
 * must arrive), or about `tracesPerSecond` traces a second while it was loaded.
 */
export type ExpectedExport =
    | { readonly kind: "every call" }
    | {
          readonly kind: "rate-limited";
          readonly tracesPerSecond: number;
          /** Seconds the host was under load, warm-up included. */
          readonly loadSeconds: number;
          /** Times load came back after the host was idle (rounds are interleaved with other rows'). */
          readonly spells: number;
          /** Telemetry items one recorded trace makes (hello_mcp: a request and a dependency). */
          readonly itemsPerTrace: number;
      };

/**
 * Traces a rate-limited host may record at most in one spell of load beyond its rate: the first
 * calls after an idle spell are recorded whole until the limit's window fills (about 18 in the
 * first second at 10,000 calls a second; `functions-app/src/tracing/rate-limit.test.ts` holds it
 * under 25).
 */
const tracesPerSpell = 25;

/**
 * Items by the sample rate they carried, in a few words ("3 at 100%, 52 below: 0.079% to 50%,
 * median 0.95%"), and the calls Application Insights counts them back to (100/rate each).
 */
export function describeSampleRates(byRate: ReadonlyMap<number, number>): {
    line: string;
    countedBack: number;
} {
    const countedBack = [...byRate].reduce((n, [rate, items]) => n + (items * 100) / rate, 0);
    const below = [...byRate]
        .filter(([rate]) => rate < 100)
        .flatMap(([rate, items]) => Array.from({ length: items }, () => rate))
        .sort((a, b) => a - b);
    const percent = (rate: number | undefined) => `${Number((rate ?? NaN).toPrecision(2))}%`;
    const whole = byRate.get(100) ?? 0;
    const line =
        `${whole} at 100%` +
        (below.length === 0
            ? ""
            : `, ${below.length} below: ${percent(below[0])} to ${percent(below.at(-1))}, ` +
              `median ${percent(below[Math.floor(below.length / 2)])}`);
    return { line, countedBack };
}

/**
 * What one host exported for `calls` traced calls, as a line to print, and a problem when it did
 * not export as expected: no token asked for, posts without the Entra token, and for a host that
 * traces every call fewer request items than one per ten calls (its figures would then measure a
 * host that drops its spans), for a rate-limited one no request item at all or more items than
 * its limit allows (20% over the rate while loaded, and {@link tracesPerSpell} each time load came
 * back after idle).
 */
export function exportReport(
    name: string,
    exported: AzureMonitorExport,
    calls: number,
    tokenRequests: number,
    expected: ExpectedExport = { kind: "every call" },
): { readonly line: string; readonly problem?: string } {
    const { received } = exported;
    const requests = received.byBaseType.get("RequestData") ?? 0;
    const dependencies = received.byBaseType.get("RemoteDependencyData") ?? 0;
    const perCall = (n: number) => (n / Math.max(1, calls)).toFixed(2);
    const rates = describeSampleRates(received.requestSampleRates);
    let line =
        `${name}: ${requests} request and ${dependencies} dependency items at the ingestion stand-in for ` +
        `${calls} calls (${perCall(requests)} and ${perCall(dependencies)} per call), ` +
        `${received.envelopes} items in ${received.posts} posts, ${tokenRequests} Entra token requests`;
    let limitProblem: string | undefined;
    if (expected.kind === "rate-limited") {
        const most = Math.ceil(
            expected.itemsPerTrace *
                (1.2 * expected.tracesPerSecond * expected.loadSeconds + tracesPerSpell * expected.spells),
        );
        const items = requests + dependencies;
        line +=
            `; rate-limited at ${expected.tracesPerSecond} traces/s over ${expected.loadSeconds} s of load in ` +
            `${expected.spells} spells (at most ${most} items): request items by sample rate ${rates.line}, ` +
            `counted back by Application Insights (100/rate each) to ${Math.round(rates.countedBack)} calls ` +
            `(${(rates.countedBack / Math.max(1, calls)).toFixed(2)} of those answered)`;
        limitProblem =
            requests === 0
                ? "no request item reached ingestion"
                : items > most
                  ? `${items} items reached ingestion, more than the ${most} its limit allows`
                  : undefined;
    } else if (requests * 10 < calls) {
        limitProblem = `only ${requests} request items reached ingestion for ${calls} calls`;
    }
    const unauthenticated = [...received.authorizations].filter((a) => a !== `Bearer ${entraToken}`);
    const problem =
        tokenRequests === 0
            ? "the Entra stand-in was never asked for a token"
            : limitProblem !== undefined
              ? limitProblem
              : unauthenticated.length > 0
                ? `posts reached ingestion without the Entra token (${unauthenticated.join(", ")})`
                : undefined;
    return problem === undefined ? { line } : { line, problem: `${name}: ${problem}` };
}
