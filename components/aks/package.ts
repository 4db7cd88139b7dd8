/**
 * Builds the Node host bundle (server.js, azure-sdk.js, tracing-sdk.js and the Dockerfile) the AKS image is made from. The build
 * context is a fixed path relative to the project (`dist/aks-image`) whose files change only when
 * the code does, so the image's inputs are the same on every machine and run: unchanged code
 * builds nothing and rolls out nothing.
 */
import { readFile, readdir, rename, writeFile, mkdir } from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { bundleNodeServer, type NodeServerBundle } from "functions-app/bundle";

/** Build context, relative to the project directory (the program's working directory). */
export const imageContextDirectory = path.join("dist", "aks-image");

export async function buildNodeServerBundle(projectDir = process.cwd()): Promise<NodeServerBundle> {
    // Bundle per process (concurrent runs never share files), then publish into the stable context.
    const scratch = path.join(os.tmpdir(), "agents-control-plane-package", String(process.pid));
    const bundle = await bundleNodeServer({ outDir: scratch });
    const target = path.join(projectDir, imageContextDirectory);
    await mkdir(target, { recursive: true });
    // Every file of the bundle: the Dockerfile copies each of them into the image.
    for (const file of await readdir(bundle.directory)) {
        const content = await readFile(path.join(bundle.directory, file));
        const existing = await readFile(path.join(target, file)).catch(() => undefined);
        if (existing?.equals(content)) continue;
        // Atomic replace: a concurrent run sees the old or the new file, never half of one.
        const temporary = path.join(target, `.${file}.${process.pid}`);
        await writeFile(temporary, content);
        await rename(temporary, path.join(target, file));
    }
    return {
        directory: imageContextDirectory,
        entry: path.join(imageContextDirectory, path.basename(bundle.entry)),
        sha256: bundle.sha256,
    };
}
