import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import { killOnExit } from "./child-processes";

/** A running in-memory Azurite (blob and queue) on loopback, on ports the OS picked. */
export interface LocalStorage {
    readonly blobUrl: string;
    readonly queueUrl: string;
    /** Connection string for the emulator account, for the tool service and the SDKs. */
    readonly connectionString: string;
    stop(): Promise<void>;
}

/** The storage emulator's fixed, publicly documented development account; not a secret. */
const account = "devstoreaccount1";
const accountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

function azuriteBin(): string {
    const pkg = require.resolve("azurite/package.json");
    return path.join(path.dirname(pkg), "dist", "src", "azurite.js");
}

/** Starts Azurite with nothing persisted; resolves once both services listen. */
export function startAzurite(opts: { startTimeoutMs?: number } = {}): Promise<LocalStorage> {
    const child = spawn(
        process.execPath,
        [
            azuriteBin(),
            "--inMemoryPersistence",
            "--blobHost",
            "127.0.0.1",
            "--queueHost",
            "127.0.0.1",
            "--tableHost",
            "127.0.0.1",
            "--blobPort",
            "0",
            "--queuePort",
            "0",
            "--tablePort",
            "0",
            "--skipApiVersionCheck",
            "--disableProductStyleUrl",
            "--disableTelemetry",
            "--silent",
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
    );
    killOnExit(child);
    return new Promise((resolve, reject) => {
        let output = "";
        const ports: { blob?: string; queue?: string } = {};
        const timer = setTimeout(() => {
            child.kill("SIGKILL");
            reject(new Error(`Azurite did not start in time:\n${output}`));
        }, opts.startTimeoutMs ?? 20_000);
        const onData = (chunk: Buffer) => {
            output += chunk.toString();
            for (const [, service, url] of output.matchAll(
                /Azurite (Blob|Queue) service is successfully listening at (\S+)/g,
            )) {
                if (url !== undefined) ports[service === "Blob" ? "blob" : "queue"] = url;
            }
            if (ports.blob && ports.queue) {
                clearTimeout(timer);
                child.stdout?.off("data", onData);
                child.stdout?.resume();
                child.stderr?.resume();
                resolve(running(child, ports.blob, ports.queue));
            }
        };
        child.stdout?.on("data", onData);
        child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.once("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`Azurite exited with ${code}:\n${output}`));
        });
    });
}

function running(child: ChildProcess, blobBase: string, queueBase: string): LocalStorage {
    const blobUrl = `${blobBase}/${account}`;
    const queueUrl = `${queueBase}/${account}`;
    return {
        blobUrl,
        queueUrl,
        connectionString:
            `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${accountKey};` +
            `BlobEndpoint=${blobUrl};QueueEndpoint=${queueUrl};`,
        stop: () =>
            new Promise<void>((resolve) => {
                if (child.exitCode !== null || child.signalCode !== null) return resolve();
                child.removeAllListeners("exit");
                child.once("exit", () => resolve());
                child.kill("SIGTERM");
                setTimeout(() => child.kill("SIGKILL"), 3000).unref();
            }),
    };
}
