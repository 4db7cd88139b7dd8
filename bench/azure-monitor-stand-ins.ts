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
 * What one host exported for `calls` traced calls, as a line to print, and a problem when it did
 * not really export (no token asked for, fewer request items than one per ten calls, or posts
 * without the Entra token): its figures would then measure a host that drops its spans.
 */
export function exportReport(
    name: string,
    exported: AzureMonitorExport,
    calls: number,
    tokenRequests: number,
): { readonly line: string; readonly problem?: string } {
    const { received } = exported;
    const requests = received.byBaseType.get("RequestData") ?? 0;
    const dependencies = received.byBaseType.get("RemoteDependencyData") ?? 0;
    const perCall = (n: number) => (n / Math.max(1, calls)).toFixed(2);
    const line =
        `${name}: ${requests} request and ${dependencies} dependency items at the ingestion stand-in for ` +
        `${calls} calls (${perCall(requests)} and ${perCall(dependencies)} per call), ` +
        `${received.envelopes} items in ${received.posts} posts, ${tokenRequests} Entra token requests`;
    const unauthenticated = [...received.authorizations].filter((a) => a !== `Bearer ${entraToken}`);
    const problem =
        tokenRequests === 0
            ? "the Entra stand-in was never asked for a token"
            : requests * 10 < calls
              ? `only ${requests} request items reached ingestion for ${calls} calls`
              : unauthenticated.length > 0
                ? `posts reached ingestion without the Entra token (${unauthenticated.join(", ")})`
                : undefined;
    return problem === undefined ? { line } : { line, problem: `${name}: ${problem}` };
}
