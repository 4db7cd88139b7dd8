import * as path from "node:path";
import { bundleFunctionsApp, bundleNodeServer } from "./bundle";

/** `npm run build`: both deployable artifacts, with their sizes and hashes. */
async function main(): Promise<void> {
    const [functions, server] = await Promise.all([bundleFunctionsApp(), bundleNodeServer()]);
    const { statSync } = await import("node:fs");
    const kib = (file: string) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;
    const rel = (p: string) => path.relative(process.cwd(), p);
    console.log(
        `Functions app  ${rel(functions.zipPath)}  ${kib(functions.zipPath)}  sha256 ${functions.sha256}`,
    );
    console.log(`Node server    ${rel(server.entry)}  ${kib(server.entry)}  sha256 ${server.sha256}`);
}

main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
});
