import { jsonLogger } from "../logger";
import { BlobSnippetStore } from "../storage/blob-snippet-store";
import { NodeHost } from "./host";
import { readSettings } from "./settings";
import { createQueueBackplane } from "./queue-backplane";
import { frontDoorFromEnvironment } from "../front-door/environment";

/** Entry point of the bundled server (container and local runs): env -> settings -> host. */
async function main(): Promise<void> {
    const logger = jsonLogger();
    const result = readSettings(process.env);
    if (!result.ok) {
        process.stderr.write(`Invalid configuration:\n${result.errors.map((e) => `  - ${e}`).join("\n")}\n`);
        process.exit(2);
    }
    const { settings } = result;
    const backplane = settings.backplane ? await createQueueBackplane(settings.backplane, logger) : undefined;
    const host = new NodeHost({
        snippets: new BlobSnippetStore(settings.storage),
        logger,
        auth: settings.auth,
        allowedOrigins: settings.allowedOrigins,
        allowedHosts: settings.allowedHosts,
        sseKeepAliveMs: settings.sseKeepAliveMs,
        backplane,
        publicBaseUrl: settings.publicBaseUrl,
        fastPath: settings.fastPath,
        toolCallTimeoutMs: settings.toolCallTimeoutMs,
        frontDoor: settings.frontDoor
            ? frontDoorFromEnvironment(
                  settings.frontDoor,
                  settings.storage,
                  "managedIdentityClientId" in settings.storage
                      ? settings.storage.managedIdentityClientId
                      : undefined,
              )
            : undefined,
    });
    const url = await host.listen(settings.port, settings.host);
    logger.info("listening", {
        url,
        auth: settings.auth ? "on" : "off",
        backplane: Boolean(settings.backplane),
        frontDoor: settings.frontDoor?.issuer ?? "off",
    });

    let stopping = false;
    const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info("stopping", { signal });
        host.close().then(
            () => process.exit(0),
            (error: unknown) => {
                logger.error("unclean stop", { error: String(error) });
                process.exit(1);
            },
        );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
}

void main();
