/**
 * Builds the Node host bundle (server.js and the Dockerfile) the AKS image is made from, into the
 * same per-process folder as the Functions package so concurrent runs never share files.
 */
import * as os from "node:os";
import * as path from "node:path";
import { bundleNodeServer } from "../../functions-app/scripts/bundle";
import type { NodeServerBundle } from "./image";

export async function buildNodeServerBundle(outDir?: string): Promise<NodeServerBundle> {
    const dir = outDir ?? path.join(os.tmpdir(), "agents-control-plane-package", String(process.pid));
    const bundle = await bundleNodeServer({ outDir: dir });
    return { directory: bundle.directory, sha256: bundle.sha256 };
}
