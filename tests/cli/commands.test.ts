/**
 * Every command of the README's command table (smoke has its own tests) run as a process, as a new
 * user would: `--help` answers with the usage, bad arguments are refused with one line and exit
 * code 2, and the README's table lists exactly the flags each command accepts.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { inBatches, repositoryRoot, runProcess } from "./run-process";

interface CommandUnderTest {
    /** As the README's command table writes it. */
    readonly readme: string;
    /** The script npm runs for it. */
    readonly file: string;
}

const commands: readonly CommandUnderTest[] = [
    { readme: "npm start", file: "local-gateway/src/main.ts" },
    { readme: "npm run token", file: "local-gateway/src/token-cli.ts" },
    { readme: "npm run synth", file: "scripts/synth.ts" },
    { readme: "npm run policy", file: "scripts/policy.ts" },
    { readme: "npm run connect", file: "scripts/connect.ts" },
    { readme: "npm run bench", file: "bench/main.ts" },
    { readme: "npm run knowledge", file: "scripts/knowledge.ts" },
    { readme: "npm run build", file: "functions-app/scripts/build.ts" },
    { readme: "npm run -w functions-app dev", file: "functions-app/scripts/dev.ts" },
];

/** Through npm, exactly as typed: `npm run synth -- --help`. */
function viaNpm(command: CommandUnderTest, args: readonly string[]) {
    return runProcess("npm", ["--silent", ...command.readme.split(" ").slice(1), "--", ...args]);
}

/** The script itself (the same code, without npm's start-up cost). */
function direct(command: CommandUnderTest, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    return runProcess(process.execPath, ["--import", "tsx", command.file, ...args], env);
}

const named = (readme: string): CommandUnderTest => {
    const found = commands.find((c) => c.readme === readme);
    if (!found) throw new Error(readme);
    return found;
};

/** The flags a usage text lists under "Options:", without --help. */
function flagsOfUsage(usage: string): string[] {
    const options = usage.split("\nOptions:\n")[1]?.split("\n\n")[0] ?? "";
    return [...options.matchAll(/^ {2}(?:-h, )?(--[a-z-]+)/gm)]
        .flatMap((m) => m[1] ?? [])
        .filter((f) => f !== "--help");
}

/** The flags the README's command table names in the row of `command`. */
function flagsOfReadmeRow(command: string): string[] {
    const readme = readFileSync(path.join(repositoryRoot, "README.md"), "utf8");
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${command}\``));
    assert.ok(row, `the README's command table has no row for ${command}`);
    return [...new Set([...row.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]))];
}

function assertOneLineRefusal(
    result: { code: number | null; stdout: string; stderr: string },
    name: string,
    reason: RegExp,
) {
    assert.equal(result.code, 2, `exit code of ${name}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, `one line expected, got:\n${result.stderr}`);
    const [line = ""] = lines;
    assert.ok(line.startsWith(`${name}: `), line);
    assert.match(line, reason);
}

describe("commands: help, bad arguments and the README's command table", function () {
    this.timeout(120_000);

    it("every command answers --help through npm with its usage, and the README lists exactly its flags", async () => {
        const results = await inBatches(
            commands.map((c) => async () => ({ readme: c.readme, result: await viaNpm(c, ["--help"]) })),
            4,
        );
        results.forEach(({ readme, result }) => {
            assert.equal(result.code, 0, `${readme} --help: ${result.stderr}`);
            assert.equal(result.stderr, "");
            assert.ok(result.stdout.startsWith(`Usage: ${readme}`), result.stdout);
            assert.match(result.stdout, /\nExit status: 0 success;.* 2 bad arguments\.\n$/);
            assert.deepEqual(
                flagsOfReadmeRow(readme).sort(),
                flagsOfUsage(result.stdout).sort(),
                `README row of ${readme} vs its --help`,
            );
        });
        // One rule for defaults: every command that reads a stack uses dev unless told otherwise.
        for (const readme of ["npm start", "npm run synth", "npm run policy", "npm run connect"]) {
            const usage = results.find((r) => r.readme === readme)?.result.stdout;
            assert.ok(usage !== undefined, `no --help run for ${readme}`);
            assert.match(usage, /^ {2}--stack <name> .*\(default: dev\)$/m, readme);
        }
    });

    it("every command refuses an unknown flag with one line and exit code 2", async () => {
        const results = await inBatches(
            commands.map((c) => async () => ({
                readme: c.readme,
                result: await direct(c, ["--no-such-flag"]),
            })),
            4,
        );
        results.forEach(({ readme, result }) =>
            assertOneLineRefusal(result, readme, /unknown option --no-such-flag .*--help/),
        );
    });

    it("bad values are refused before any work, with one line that names the flag and exit code 2", async () => {
        const cases: [CommandUnderTest, string[], NodeJS.ProcessEnv, RegExp][] = [
            [
                named("npm run synth"),
                ["--config", "apimSku"],
                {},
                /--config expects key=value, got "apimSku"/,
            ],
            [
                named("npm run synth"),
                ["--stack", "nope"],
                {},
                /no Pulumi\.nope\.yaml; stacks here: dev, prod/,
            ],
            [named("npm run policy"), ["--stack"], {}, /--stack needs a value/],
            [named("npm start"), [], { PORT: "abc" }, /PORT=abc is not a port number/],
            [named("npm run token"), [], {}, /--agent <name> is required/],
            [named("npm run connect"), [], {}, /--agent <name> is required/],
            [
                named("npm run connect"),
                ["--agent", "x", "--outputs", "no-such-outputs.json"],
                {},
                /--outputs no-such-outputs\.json: ENOENT/,
            ],
            [named("npm run bench"), ["--rounds", "0"], {}, /--rounds 0: expected a whole number/],
            [
                named("npm run knowledge"),
                ["load", "scripts", "--dry-run", "--index"],
                {},
                /--index needs a value/,
            ],
        ];
        const results = await inBatches(
            cases.map(([command, args, env, reason]) => async () => ({
                readme: command.readme,
                reason,
                result: await direct(command, args, env),
            })),
            4,
        );
        results.forEach(({ readme, reason, result }) => assertOneLineRefusal(result, readme, reason));
    });
});
