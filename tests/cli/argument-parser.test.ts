/** The argument rules every command shares (functions-app/scripts/cli.ts), case by case. */
import * as assert from "node:assert/strict";
import { UsageError, defineCommand, parseCommandLine, usage } from "functions-app/cli";

const command = defineCommand({
    name: "npm run example",
    summary: "An example.",
    flags: {
        stack: { type: "string", value: "<name>", default: "dev", description: "stack" },
        out: { type: "string", value: "<file>", description: "output" },
        config: { type: "string", value: "<key>=<value>", multiple: true, description: "override" },
        json: { type: "boolean", description: "as JSON" },
    },
});

const refused = (argv: string[], message: RegExp) =>
    assert.throws(
        () => parseCommandLine(command, argv),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
        argv.join(" "),
    );

describe("command line: the shared argument rules", () => {
    it("fills defaults, collects repeatable flags and accepts both value forms", () => {
        assert.deepEqual(parseCommandLine(command, []), {
            stack: "dev",
            out: undefined,
            config: [],
            json: false,
        });
        assert.deepEqual(
            parseCommandLine(command, [
                "--stack=prod",
                "--config",
                "a=1",
                "--config=b=2",
                "--json",
                "--out",
                "x",
            ]),
            { stack: "prod", out: "x", config: ["a=1", "b=2"], json: true },
        );
        assert.deepEqual(parseCommandLine(command, ["--out=-dash"]), {
            stack: "dev",
            out: "-dash",
            config: [],
            json: false,
        });
    });

    it("answers help wherever -h or --help stands", () => {
        assert.equal(parseCommandLine(command, ["--help"]), "help");
        assert.equal(parseCommandLine(command, ["--stack", "dev", "-h"]), "help");
    });

    it("refuses what it cannot take, naming the flag", () => {
        refused(["--nope"], /^unknown option --nope \(npm run example -- --help lists the options\)$/);
        refused(["-x"], /^unknown option -x/);
        refused(["--stack"], /^--stack needs a value: --stack <name>$/);
        refused(["--stack", "--json"], /^--stack needs a value/);
        refused(["--json=yes"], /^--json takes no value$/);
        refused(["--stack", "a", "--stack", "b"], /^--stack is given twice$/);
        refused(["stray"], /^unexpected argument "stray"/);
        refused(["--", "after"], /^unexpected argument "after"/);
    });

    it("lists every flag, its default and the exit codes in the usage", () => {
        const text = usage(command);
        assert.match(text, /^Usage: npm run example -- \[options\]\n/);
        assert.match(text, /^ {2}--stack <name> +stack \(default: dev\)$/m);
        assert.match(text, /^ {2}--config <key>=<value> +override \(repeatable\)$/m);
        assert.match(text, /^ {2}--json +as JSON$/m);
        assert.match(text, /Exit status: 0 success; 2 bad arguments\.\n$/);
    });
});
