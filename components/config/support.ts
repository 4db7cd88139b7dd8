/**
 * Support windows of the runtimes the program deploys: the one table config validation reads to
 * refuse a version past its end of support, and to name the versions that are still supported.
 * Pure: "today" is an argument, so the check is the same in every test run.
 *
 * A window ends on `endOfSupport`: from that day on the version is refused.
 */

export interface SupportWindow {
    readonly version: string;
    /** First day without support (ISO date, UTC). */
    readonly endOfSupport: string;
}

export const supportWindows = {
    /**
     * Node.js on Functions Flex Consumption. Azure Functions retires a language version on the
     * community end-of-life date (learn.microsoft.com/azure/azure-functions/language-support-policy).
     * Dates: the Node.js release schedule (github.com/nodejs/Release, schedule.json "end"). Azure's
     * own Flex stack list (Microsoft.Web functionAppStacks, FC1, as shipped in Az.Functions'
     * FunctionsStackFlexData/node.json) gives the same dates for 20 and 22.
     */
    functionsNode: [
        { version: "20", endOfSupport: "2026-04-30" },
        { version: "22", endOfSupport: "2027-04-30" },
        // Not confirmed from a primary source: 24 on Flex Consumption (a secondary summary lists it
        // GA there). The date is Node's own end of life.
        { version: "24", endOfSupport: "2028-04-30" },
    ],
    /**
     * Kubernetes minor versions on AKS. Each window ends at the earlier of the AKS release
     * calendar's end of life (learn.microsoft.com/azure/aks/supported-kubernetes-versions, "AKS
     * Kubernetes release calendar", revision of 2026-08-05: a month means its last day) and the
     * upstream end of life (kubernetes.io/releases/<minor>), after which no upstream security fix
     * exists to backport.
     */
    aksKubernetes: [
        // AKS: Mar 2026. Upstream 2026-02-28 (not re-checked here).
        { version: "1.32", endOfSupport: "2026-02-28" },
        // AKS: Jul 2026 (an earlier revision of the calendar said Jun 2026). Upstream: 2026-06-28.
        { version: "1.33", endOfSupport: "2026-06-28" },
        // AKS: Nov 2026. Upstream: 2026-10-27.
        { version: "1.34", endOfSupport: "2026-10-27" },
        // AKS: Mar 2027. Upstream: 2027-02-28.
        { version: "1.35", endOfSupport: "2027-02-28" },
        // AKS: Jun 2027. Upstream: 2027-06-28.
        { version: "1.36", endOfSupport: "2027-06-28" },
        // AKS: Oct 2027. Upstream date not confirmed here; the AKS date stands.
        { version: "1.37", endOfSupport: "2027-10-31" },
    ],
} as const satisfies Record<string, readonly SupportWindow[]>;

export type SupportedRuntime = keyof typeof supportWindows;

/** Node.js versions the Flex Consumption app may name (supported or not: the date decides). */
export type FunctionsNodeVersion = (typeof supportWindows.functionsNode)[number]["version"];

/** Versions whose support has not ended on `today`. */
export function supportedOn(runtime: SupportedRuntime, today: Date): string[] {
    const day = isoDay(today);
    return supportWindows[runtime].filter((w) => day < w.endOfSupport).map((w) => w.version);
}

/**
 * Why `version` may not be deployed on `today`, or undefined when it may. Kubernetes versions are
 * judged by their minor (1.35.2 as 1.35); one newer than every entry is accepted (the table cannot
 * know its date yet, and AKS refuses what it does not offer), one older than every entry is past
 * support. Node.js versions must be in the table.
 */
export function supportProblem(runtime: SupportedRuntime, version: string, today: Date): string | undefined {
    const windows: readonly SupportWindow[] = supportWindows[runtime];
    const line = runtime === "aksKubernetes" ? version.split(".").slice(0, 2).join(".") : version;
    const use = `use one of ${supportedOn(runtime, today).join(", ")}`;
    const window = windows.find((w) => w.version === line);
    if (window !== undefined) {
        return isoDay(today) >= window.endOfSupport
            ? `${version} reached end of support on ${window.endOfSupport}; ${use}`
            : undefined;
    }
    if (!/^\d+(\.\d+)*$/.test(line)) return `"${version}" is not a version this program knows; ${use}`;
    const oldest = windows[0];
    const newest = windows.at(-1);
    if (oldest === undefined || newest === undefined) throw new Error(`no support windows for ${runtime}`);
    if (compareVersions(line, oldest.version) < 0)
        return `${version} is older than ${oldest.version}, whose support ended on ${oldest.endOfSupport}; ${use}`;
    if (runtime === "aksKubernetes" && compareVersions(line, newest.version) > 0) return undefined;
    return `"${version}" is not a version this program knows; ${use}`;
}

function isoDay(d: Date): string {
    return d.toISOString().slice(0, 10);
}

/** Numeric comparison of dotted versions ("1.9" < "1.10"). */
function compareVersions(a: string, b: string): number {
    const pa = a.split(".").map(Number);
    const pb = b.split(".").map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}
