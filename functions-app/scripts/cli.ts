/**
 * The argument handling every command of this repository shares, so they all behave alike:
 *
 * - `--help` (or `-h`) prints the usage to stdout and exits 0;
 * - an unknown flag, a flag without its value, a value where none belongs, a stray argument or a
 *   bad value ({@link UsageError}) prints one line to stderr and exits 2, with no stack trace;
 * - any other failure prints its message (no stack trace) and exits 1.
 *
 *   const synth = defineCommand({ name: "npm run synth", summary: "...", flags: { stack: { ... } } });
 *   runCommand(synth, async (flags) => { ... flags.stack ... });
 */
import { parseArgs } from "node:util";

/** A bad argument the user can correct: reported on one line, exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

interface FlagBase {
    /** One line for the usage text. */
    readonly description: string;
}

/** A flag that takes a value (`--stack dev` or `--stack=dev`). */
export interface ValueFlag extends FlagBase {
    readonly type: "string";
    /** Placeholder in the usage, e.g. `<name>`. */
    readonly value: string;
    readonly default?: string;
    /** May be given more than once; the values are collected in order. */
    readonly multiple?: boolean;
}

/** A flag that is present or not (`--json`). */
export interface SwitchFlag extends FlagBase {
    readonly type: "boolean";
}

export type Flag = ValueFlag | SwitchFlag;

export interface Command<F extends Record<string, Flag>> {
    /** How the user runs it, e.g. `npm run synth`. */
    readonly name: string;
    /** What it does, a few lines. */
    readonly summary: string;
    readonly flags: F;
    /** Environment variables it reads, with their meaning. */
    readonly environment?: Readonly<Record<string, string>>;
    /** Exit codes beyond 0 (success) and 2 (bad arguments), with their meaning. */
    readonly exitCodes?: Readonly<Record<number, string>>;
}

/** The parsed flags: switches are booleans, repeatable flags arrays, flags with a default strings. */
export type FlagValues<F extends Record<string, Flag>> = {
    -readonly [K in keyof F]: F[K] extends SwitchFlag
        ? boolean
        : F[K] extends { multiple: true }
          ? string[]
          : F[K] extends { default: string }
            ? string
            : string | undefined;
};

export function defineCommand<const F extends Record<string, Flag>>(command: Command<F>): Command<F> {
    return command;
}

/** The usage text `--help` prints. */
export function usage(command: Command<Record<string, Flag>>): string {
    const rows: [string, string][] = Object.entries(command.flags).map(([name, flag]) => [
        flag.type === "string" ? `--${name} ${flag.value}` : `--${name}`,
        flag.type === "string"
            ? `${flag.description}${flag.multiple ? " (repeatable)" : ""}${flag.default === undefined ? "" : ` (default: ${flag.default})`}`
            : flag.description,
    ]);
    rows.push(["-h, --help", "print this help"]);
    const width = Math.max(...rows.map(([left]) => left.length));
    const lines = [
        `Usage: ${command.name}${Object.keys(command.flags).length > 0 ? " -- [options]" : ""}`,
        "",
        command.summary,
        "",
        "Options:",
        ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    ];
    const environment = Object.entries(command.environment ?? {});
    if (environment.length > 0) {
        const envWidth = Math.max(...environment.map(([name]) => name.length));
        lines.push("", "Environment:", ...environment.map(([n, d]) => `  ${n.padEnd(envWidth)}  ${d}`));
    }
    const codes: [string, string][] = [
        ["0", "success"],
        ...Object.entries(command.exitCodes ?? {}),
        ["2", "bad arguments"],
    ];
    lines.push("", `Exit status: ${codes.map(([code, meaning]) => `${code} ${meaning}`).join("; ")}.`);
    return lines.join("\n") + "\n";
}

/**
 * Parses `argv` against the command's flags. Returns `"help"` when help was asked for; throws
 * {@link UsageError} naming the first problem.
 */
export function parseCommandLine<F extends Record<string, Flag>>(
    command: Command<F>,
    argv: readonly string[],
): FlagValues<F> | "help" {
    // Non-strict parsing, then our own checks: Node's strict errors suggest `--` tricks that make
    // no sense behind `npm run ... --`, and would take `--stack --out x` as the stack "--out".
    const { tokens } = parseArgs({
        args: [...argv],
        strict: false,
        allowPositionals: true,
        tokens: true,
        options: Object.fromEntries(
            Object.entries(command.flags).map(([name, flag]) => [name, { type: flag.type }]),
        ),
    });
    const flags: Record<string, Flag> = command.flags;
    const given = new Map<string, string[]>();
    let help = false;
    const hint = `(${command.name} -- --help lists the options)`;
    for (const token of tokens) {
        if (token.kind === "option-terminator") continue;
        if (token.kind === "positional") throw new UsageError(`unexpected argument "${token.value}" ${hint}`);
        const name = token.name;
        if (name === "help" || name === "h") {
            help = true;
            continue;
        }
        const flag = Object.hasOwn(flags, name) ? flags[name] : undefined;
        if (!flag) throw new UsageError(`unknown option ${token.rawName} ${hint}`);
        if (flag.type === "boolean") {
            if (token.inlineValue) throw new UsageError(`${token.rawName} takes no value`);
            given.set(name, ["true"]);
            continue;
        }
        const value = token.value;
        if (value === undefined || (!token.inlineValue && value.startsWith("-")))
            throw new UsageError(`${token.rawName} needs a value: ${token.rawName} ${flag.value}`);
        if (!flag.multiple && given.has(name)) throw new UsageError(`${token.rawName} is given twice`);
        given.set(name, [...(given.get(name) ?? []), value]);
    }
    if (help) return "help";
    const values: Record<string, string | string[] | boolean | undefined> = {};
    for (const [name, flag] of Object.entries(flags)) {
        const seen = given.get(name);
        if (flag.type === "boolean") values[name] = seen !== undefined;
        else if (flag.multiple) values[name] = seen ?? [];
        else values[name] = seen?.[0] ?? flag.default;
    }
    return values as FlagValues<F>;
}

/**
 * Parses the process's arguments and runs `main` with them, turning every outcome into the exit
 * codes above. `main` may return an exit code (e.g. 1 for a failed check).
 */
export function runCommand<F extends Record<string, Flag>>(
    command: Command<F>,
    main: (flags: FlagValues<F>) => Promise<number | void>,
    argv: readonly string[] = process.argv.slice(2),
): void {
    // Exits at once: a failed start may leave handles (a child, a timer) that would keep it alive.
    const fail = (code: number, message: string): never => {
        process.stderr.write(`${command.name}: ${message}\n`);
        process.exit(code);
    };
    let flags: FlagValues<F> | "help";
    try {
        flags = parseCommandLine(command, argv);
    } catch (error) {
        return fail(2, error instanceof Error ? error.message : String(error));
    }
    if (flags === "help") {
        process.stdout.write(usage(command));
        return;
    }
    main(flags).then(
        (code) => {
            if (typeof code === "number") process.exitCode = code;
        },
        (error: unknown) => {
            if (error instanceof UsageError) return fail(2, error.message);
            fail(1, error instanceof Error ? error.message : String(error));
        },
    );
}
