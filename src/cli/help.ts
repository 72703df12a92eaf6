// tspod's listings, as podman prints them: `tspod --help`, `tspod help`, `tspod` alone
// (then an error: no command), and a group word alone (`tspod image`), one line per
// command with its class's own description. Clipanion would print its listing only after
// registering every command and building its parse machine for all of them (~340 ms here);
// this loads the classes for their descriptions and registers none of them. A command's
// own help (`tspod ps --help`, which `tspod help ps` becomes) stays clipanion's.
import {Cli, Command} from 'clipanion';
import type {CommandClass} from 'clipanion';
import {BaseCommand} from './BaseCommand';
import type {TspodContext} from './BaseCommand';
import {commandTable, groupDescriptions} from './commands';
import type {CommandEntry} from './commands';
import {VersionFlagCommand} from './commands/version';
import {commandWords, GLOBAL_WITH_VALUE} from './commandLine';

export type HelpPlan =
  /** Print the listing of `group` (the top level without one); `missing`: a command was due, so also an error. */
  | {kind: `listing`, group?: string, missing: boolean, unknownTopic?: string}
  /** `help ps`: run this line instead (`ps --help`). */
  | {kind: `command`, argv: Array<string>}
  /** An option that a listing line does not take (`tspod --bogus`, `tspod image --bogus`). */
  | {kind: `badFlag`, flag: string, group?: string};

const HELP_FLAG = /^(-h|--help)$/;

/** What a command line asks of help, or undefined when it names a command (or a typo, or --version). */
export function helpPlan(argv: ReadonlyArray<string>): HelpPlan | undefined {
  const words = commandWords(argv);
  if (words[0] === `help`) {
    const topic = words.slice(1);
    if (topic[0] === undefined || topic[0] === `help`) return {kind: `listing`, missing: false};
    // podman (cobra): an unknown topic is a note and the listing, exit 0; extra words after a command are ignored.
    const known = commandTable.some(e => e.paths.some(p => p[0] === topic[0]));
    if (!known) return {kind: `listing`, missing: false, unknownTopic: topic.join(` `)};
    if (isGroup(topic[0])) {
      const sub = topic[1];
      if (sub === undefined || !commandTable.some(e => e.paths.some(p => p[0] === topic[0] && p[1] === sub)))
        return {kind: `listing`, group: topic[0], missing: false};
      return {kind: `command`, argv: [topic[0], sub, `--help`]};
    }
    return {kind: `command`, argv: [topic[0], `--help`]};
  }
  if (words.length > 1 || (words.length === 1 && !isGroup(words[0]!))) return undefined;
  const group = words[0];
  // `--version` among global options (`tspod --root /x --version`): left to main.ts, as before.
  if (group === undefined && argv.some(a => a === `--version` || a === `-v`)) return undefined;
  const flag = unknownFlag(argv);
  if (flag !== undefined) return {kind: `badFlag`, flag, group};
  return {kind: `listing`, group, missing: !argv.some(a => HELP_FLAG.test(a))};
}

/** A word that only begins longer paths (`image`, `volume`): it lists them. */
export function isGroup(word: string): boolean {
  return commandTable.some(e => e.paths.some(p => p.length > 1 && p[0] === word));
}

/** The first option other than help and the global ones (with their values). */
function unknownFlag(argv: ReadonlyArray<string>): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith(`-`) || HELP_FLAG.test(a)) continue;
    const name = a.split(`=`)[0]!;
    if (!GLOBAL_WITH_VALUE.has(name)) return name;
    if (name === a) i++;
  }
  return undefined;
}

/** The listing `tspod --help` (no group) or `tspod image --help` prints. */
export async function helpListing(group?: string): Promise<string> {
  const lines = group === undefined
    ? [`Manage containers and images, rootless and without a daemon`, ``, `Usage:`, `  tspod [options] [command]`]
    : [groupDescriptions[group] ?? ``, ``, `Usage:`, `  tspod ${group} [command]`];
  lines.push(``, `Available Commands:`, ...columns(await commandRows(group)), ``);
  if (group === undefined) lines.push(`Options:`, ...columns(globalOptionRows()), ``);
  return lines.join(`\n`);
}

/** A command's name in the listing and its description, sorted by name; aliases once (the first path). */
async function commandRows(group?: string): Promise<Array<[string, string]>> {
  const rows = new Map<string, CommandEntry | string>();
  for (const e of commandTable) {
    const path = e.paths.find(p => group === undefined ? p.length === 1 : p.length === 2 && p[0] === group);
    if (path) rows.set(path[path.length - 1]!, e);
    if (group === undefined) for (const p of e.paths) if (p.length > 1) rows.set(p[0]!, groupDescriptions[p[0]!] ?? ``);
  }
  if (group === undefined) rows.set(`help`, `Show help for tspod or one of its commands`);
  const described = await Promise.all([...rows].map(async ([name, what]): Promise<[string, string]> =>
    [name, typeof what === `string` ? what : describe(await what.load())]));
  return described.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
}

/** A class's one-line description. */
export function describe(cls: CommandClass<TspodContext>): string {
  return (cls.usage?.description ?? ``).split(`\n`)[0]!.trim();
}

// Its options are the ones every command takes, read the way clipanion describes them.
class GlobalOptions extends BaseCommand {
  static override usage = Command.Usage({});
  async execute() {
    return 0;
  }
}

/** The global options, podman's way: `-v, --version` and `    --root string`, sorted by long name. */
function globalOptionRows(): Array<[string, string]> {
  const cli = new Cli<TspodContext>({binaryName: `tspod`});
  cli.register(GlobalOptions);
  const rows: Array<[string, string]> = cli.definitions()[0]!.options.map(o => [o.definition, o.description ?? ``]);
  rows.push([`-h,--help`, `Show this help`], [`-v,--version`, VersionFlagCommand.usage?.description ?? ``]);
  const longName = (def: string) => /--[^ ,]+/.exec(def)?.[0] ?? def;
  return rows.sort(([a], [b]) => longName(a) < longName(b) ? -1 : 1)
    .map(([def, text]) => [def.replace(/^(-\w),/, `$1, `).replace(/^--/, `    --`), text]);
}

/** Rows as two columns: names padded to the longest. */
function columns(rows: Array<[string, string]>): Array<string> {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, text]) => `  ${name.padEnd(width)}   ${text}`.trimEnd());
}
