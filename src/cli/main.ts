// The only place that reads process.argv and sets the exit code. It builds one
// clipanion Cli, runs the command and turns errors into podman's messages and exit
// codes: one line on stderr, a stack trace only with --log-level debug.
import {notBuiltMessage} from './notBuilt';
import {Builtins, Cli} from 'clipanion';
import {dirname} from 'node:path';
import {commandTable} from './commands';
import {rewriteBooleanAssignment} from './boolFlags';
import {commandOptions, fastProcess, matchLine} from './fastParse';
import {splitShortValues} from './shortValues';
import {commandWord, commandWords} from './commandLine';
import {helpListing, helpPlan, isGroup} from './help';
import type {HelpPlan} from './help';
import {VersionFlagCommand} from './commands/version';
import {stderr, stdout} from './stdio';
import {errorText} from './errorText';
import {exitCodeFor, ExitCode, TspodError} from '../engine/errors';
import {VERSION} from '../version';
import type {CommandClass} from 'clipanion';
import type {TspodContext} from './BaseCommand';

/** The Cli for one command line: the built-ins and only the commands it can mean. */
export async function cliFor(argv: ReadonlyArray<string>): Promise<{cli: Cli<TspodContext>, classes: Array<CommandClass<TspodContext>>}> {
  const cli = new Cli<TspodContext>({binaryLabel: `tspod`, binaryName: `tspod`, binaryVersion: VERSION, enableCapture: false, enableColors: stdout.isTTY});
  cli.register(Builtins.HelpCommand);
  cli.register(VersionFlagCommand);
  const word = commandWord(argv);
  const classes: Array<CommandClass<TspodContext>> = [];
  for (const entry of selectCommands(argv)) {
    const cls = await entry.load();
    classes.push(word === undefined ? cls : onlyPathsStartingWith(cls, word));
    cli.register(classes[classes.length - 1]!);
  }
  return {cli, classes};
}

export async function main(argv: Array<string>): Promise<number> {
  const help = helpPlan(argv);
  if (help?.kind === `command`) argv = help.argv;
  else if (help !== undefined) return answerHelp(help);
  // A first word no command has is said at once: clipanion would first register every
  // command (~340 ms here) only to fail.
  const first = commandWord(argv);
  // `tspod --root /x --version`: global options do not change what the version is (podman).
  if (first === undefined && argv.some(a => a === `--version` || a === `-v`)) argv = [`--version`];
  if (first !== undefined && !isCommandWord(first)) {
    stderr.write(`Error: ${notBuiltMessage(argv) ?? unrecognized(argv)}\n`);
    return ExitCode.engine;
  }
  const {cli, classes} = await cliFor(argv);
  // `-p8080:80`, `-eX=1`, `rm -ft0`: pflag's attached short values (shortValues.ts). The
  // split leaves the path where it was, so the match serves the fast parse below too.
  const match = classes.length > 0 ? matchLine(cli, classes, argv) : undefined;
  if (match) {
    const own = commandOptions(match);
    argv = splitShortValues(argv, own.builder, own.rest);
  }

  const debug = argv.some((a, i) => (a === `--log-level=debug`) || (a === `--log-level` && argv[i + 1] === `debug`));
  const context: TspodContext = {
    // A getter: creating the stdin stream costs ~8 ms, and most commands never read it.
    get stdin() { return process.stdin; },
    // Not process.stdout: see stdio.ts.
    stdout: stdout as TspodContext[`stdout`],
    stderr: stderr as TspodContext[`stderr`],
    env: process.env,
    installDir: dirname(dirname(__filename)),
    get isTTY() { return stdout.isTTY && stderr.isTTY; },
    colorDepth: 1,
    failure: {},
  };

  // The direct parse (fastParse.ts) when it is sure; clipanion's machine otherwise.
  let command = match ? fastProcess(cli, classes, argv, context, match) as ReturnType<typeof cli.process> | undefined : undefined;
  for (let line = argv; command === undefined;) {
    try {
      command = cli.process(line, context);
      break;
    } catch (err) {
      const again = rewriteBooleanAssignment(line, err);
      if (again) { line = again; continue; }
      // Clipanion's parse errors: unknown command or option, missing argument.
      stderr.write(`Error: ${usageMessage(err, argv)}\n`);
      return ExitCode.engine;
    }
  }
  let code: number;
  try {
    code = await cli.run(command, context);
  } catch (err) {
    context.failure.error = err;
  }
  if (context.failure.error !== undefined) {
    reportError(context.failure.error, debug);
    return exitCodeFor(context.failure.error);
  }
  return code!;
}

/** Prints a listing (and, when no command was given, podman's error for it) or refuses an option. */
async function answerHelp(help: Exclude<HelpPlan, {kind: `command`}>): Promise<number> {
  if (help.kind === `badFlag`) {
    stderr.write(`Error: unknown flag: ${help.flag}\nSee '${[`tspod`, help.group, `--help`].filter(Boolean).join(` `)}'.\n`);
    return ExitCode.engine;
  }
  if (help.unknownTopic !== undefined) {
    // podman: the note and the listing both on stderr, and success.
    stderr.write(`Unknown help topic [\`${help.unknownTopic}\`]\n${await helpListing(help.group)}`);
    return 0;
  }
  stdout.write(await helpListing(help.group));
  if (!help.missing) return 0;
  stderr.write(`Error: missing command '${[`tspod`, help.group].filter(Boolean).join(` `)} COMMAND'\n`);
  return ExitCode.engine;
}

/** The table entries the command line can mean; all of them when no word names one (`--root /x --version`). */
export function selectCommands(argv: ReadonlyArray<string>) {
  // `tspod --version` is VersionFlagCommand alone, always registered.
  if (argv.length === 1 && (argv[0] === `--version` || argv[0] === `-v`)) return [];
  const first = commandWord(argv);
  const matching = first === undefined ? [] : commandTable.filter(e => e.paths.some(p => p[0] === first));
  return matching.length > 0 ? matching : commandTable;
}

/**
 * The class with only its paths that begin with `word` (`run` of run's [[run], [container, run]]):
 * clipanion builds and simplifies a state machine with every option once per path before it
 * parses, which for run's ~90 options costs more than all of Node's startup. Unchanged when
 * no path (a typo: every command is registered for the suggestion) or every path begins so.
 */
function onlyPathsStartingWith(cls: CommandClass<TspodContext>, word: string): CommandClass<TspodContext> {
  const paths = cls.paths ?? [];
  const mine = paths.filter(p => p[0] === word);
  if (mine.length === 0 || mine.length === paths.length) return cls;
  const Base = cls as unknown as new () => object;
  return class extends Base {
    static paths = mine;
  } as unknown as CommandClass<TspodContext>;
}

/** `run`, or `image ls` for the group commands: what `tspod … --help` needs. */
function commandPath(argv: ReadonlyArray<string>): string {
  const words = commandWords(argv);
  return words.slice(0, isGroup(words[0] ?? ``) ? 2 : 1).join(` `);
}

function usageMessage(err: unknown, argv: Array<string>): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (msg.includes(`Not enough positional arguments`)) {
    const path = commandPath(argv);
    return `missing argument: "tspod ${path}" needs more arguments\nSee 'tspod ${path} --help'.`;
  }
  if (msg.startsWith(`Command not found`)) return notBuiltMessage(argv) ?? unrecognized(argv);
  // podman (cobra): `unknown flag: --x` and the command's own help.
  const flag = /Unsupported option name \("([^"]+)"\)/.exec(msg)?.[1];
  if (flag !== undefined) {
    const path = commandPath(argv);
    return `unknown flag: ${flag}\nSee '${[`tspod`, path, `--help`].filter(Boolean).join(` `)}'.`;
  }
  const firstLine = msg.split(`\n`).find(l => l.trim() !== ``) ?? msg;
  return `${firstLine.replace(/^(Unknown Syntax Error|Error): ?/, ``).trim()}\nSee 'tspod --help'.`;
}

/** podman's words for a line no command has; `tspod image nosuch` points at the group's help. */
function unrecognized(argv: ReadonlyArray<string>): string {
  const words = commandWords(argv).slice(0, 2);
  const help = words.length > 1 && isGroup(words[0]!) ? `tspod ${words[0]} --help` : `tspod --help`;
  return `unrecognized command \`tspod ${words.join(` `)}\`\nTry '${help}' for more information.`;
}

export function reportError(err: unknown, debug: boolean): void {
  if (err instanceof TspodError) {
    stderr.write(errorText(err));
    if (debug && err.stack) stderr.write(`${err.stack}\n`);
    return;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === `object` && typeof e.code === `string` && typeof e.message === `string` && !debug) {
    stderr.write(`Error: ${e.message}\n`);
    return;
  }
  stderr.write(`Error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (debug && e instanceof Error && e.stack) stderr.write(`${e.stack}\n`);
  else if (e instanceof Error && e.message.startsWith(`Assertion failed`)) stderr.write(`(this is a bug in tspod; rerun with --log-level debug for a stack trace)\n`);
}

/** A command's first word (`run`, `image`, `system`), not a typo. */
function isCommandWord(word: string): boolean {
  return commandTable.some(e => e.paths.some(p => p[0] === word));
}

/**
 * Whether this line's run trains its first word's code cache (launcher.cjs): a command, not a
 * typo nor help. A cache is written once, so one trained on `tspod image` (the listing) or
 * `ps --help` would serve every later `image ls` or `ps` with what help compiled instead.
 */
export function trainsCodeCache(argv: ReadonlyArray<string>): boolean {
  const word = commandWord(argv);
  return word !== undefined && isCommandWord(word) && helpPlan(argv) === undefined && !argv.some(a => a === `-h` || a === `--help`);
}

/**
 * Runs a command line and exits with its code (src/cli/launcher.cjs calls it). The exit is
 * explicit, once what is already queued has run: a natural end would first tear down V8's
 * heap page by page, 5 to 8 ms of a `run` here. Output is written synchronously
 * (cli/stdio.ts), and process.exit still runs the 'exit' listeners (the code cache's save).
 */
export function runCli(argv: Array<string>): void {
  main(argv).then(code => {
    process.exitCode = code;
  }, err => {
    reportError(err, false);
    process.exitCode = ExitCode.engine;
  }).finally(() => setImmediate(() => process.exit()));
}

if (require.main === module) runCli(process.argv.slice(2));
