import * as path from "node:path";
import { statSync } from "node:fs";
import { defineCommand, runCommand } from "./cli";

const command = defineCommand({
    name: "npm run build",
    summary:
        "Bundles both deployable artifacts of the tool service and prints their sizes and sha256: the\n" +
        "Functions app (functions-app/dist/functions-app.zip, byte-for-byte reproducible) and the Node\n" +
        "server (functions-app/dist/server/server.js, which runs without node_modules).",
    flags: {},
});

runCommand(command, async () => {
    const { bundleFunctionsApp, bundleNodeServer } = await import("./bundle");
    const [functions, server] = await Promise.all([bundleFunctionsApp(), bundleNodeServer()]);
    const kib = (file: string) => `${(statSync(file).size / 1024).toFixed(0)} KiB`;
    const rel = (p: string) => path.relative(process.cwd(), p);
    console.log(
        `Functions app  ${rel(functions.zipPath)}  ${kib(functions.zipPath)}  sha256 ${functions.sha256}`,
    );
    console.log(`Node server    ${rel(server.entry)}  ${kib(server.entry)}  sha256 ${server.sha256}`);
});
