import assert from "node:assert/strict";
import childProcess from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { lazyManagedIdentityCredential } from "./azure-sdk";

/** Runs `work` with the given environment variables set (undefined: removed), then restores them. */
async function withEnv<T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    try {
        return await work();
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}

describe("the workload's credential", () => {
    let identity: Server;
    let identityUrl: string;
    before(async () => {
        // A Functions site's identity endpoint that refuses: the managed identity is unavailable.
        identity = createServer((req, res) => {
            req.resume();
            res.writeHead(400, { "content-type": "application/json" }).end('{"error":"invalid_request"}');
        });
        await new Promise<void>((resolve) => identity.listen(0, "127.0.0.1", resolve));
        identityUrl = `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`;
    });
    after(async () => {
        identity.closeAllConnections();
        await new Promise((resolve) => identity.close(resolve));
    });

    it("fails when the managed identity does, without running developer tools", async () => {
        const ran: string[] = [];
        const originals = {
            execFile: childProcess.execFile,
            exec: childProcess.exec,
            spawn: childProcess.spawn,
        };
        let recording = true;
        // Modules loaded meanwhile may keep a reference to these: outside this test they forward.
        const record = (name: keyof typeof originals) => {
            const original = originals[name] as (...args: unknown[]) => unknown;
            return (...args: unknown[]): unknown => {
                if (!recording) return original.apply(childProcess, args);
                ran.push(`${name} ${String(args[0])}`);
                throw new Error("no child processes in this test");
            };
        };
        Object.assign(childProcess, {
            execFile: record("execFile"),
            exec: record("exec"),
            spawn: record("spawn"),
        });
        try {
            await withEnv(
                {
                    IDENTITY_ENDPOINT: identityUrl,
                    IDENTITY_HEADER: "header",
                    AZURE_FEDERATED_TOKEN_FILE: undefined,
                    AZURE_CLIENT_SECRET: undefined,
                    AZURE_CLIENT_CERTIFICATE_PATH: undefined,
                },
                async () => {
                    const credential = lazyManagedIdentityCredential({
                        managedIdentityClientId: "00000000-0000-0000-0000-000000000002",
                    });
                    await assert.rejects(credential.getToken("https://storage.azure.com/.default"));
                },
            );
        } finally {
            recording = false;
            Object.assign(childProcess, originals);
        }
        assert.deepEqual(ran, []);
    });
});
