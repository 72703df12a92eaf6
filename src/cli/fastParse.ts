// A direct parse of the common command lines, beside clipanion's. Clipanion compiles
// every registered command into a state machine before it reads a single word; for
// `run`/`create` (~90 options) that machine has 450 states and 21,000 transitions and
// building it cost 40-180 ms of every such command on this machine. This parser
// reads the same option definitions clipanion recorded (names, arity, binding,
// positionals) and fills the same parse state its transformers read, so the command
// object is built by clipanion's own code. Anything it is not sure of (help, an unknown
// or malformed option, a missing value, a command that needs trailing positionals)
// returns undefined, and clipanion parses the line as before, errors included.
// test/cli/fastParse.test.ts checks it against clipanion on a corpus of command lines.
import {Cli} from 'clipanion';
import type {BaseContext, CommandClass} from 'clipanion';

interface OptionDef {
  names: Array<string>;
  arity: number;
  required: boolean;
  allowBinding: boolean;
}

export interface BuilderView {
  paths: Array<Array<string>>;
  options: Array<OptionDef>;
  allOptionNames: Array<string>;
  arity: {leading: Array<string>, trailing: Array<string>, extra: Array<string> | symbol, proxy: boolean};
}

interface Registration {
  specs: Map<string, {transformer: (builder: BuilderView, key: string, state: ParseState, context: BaseContext) => unknown}>;
  builder: BuilderView;
}

interface ParseState {
  path: Array<string>;
  options: Array<{name: string, value: unknown}>;
  positionals: Array<{value: string, extra: boolean | symbol}>;
}

const HELP = /^(-h|--help)(?:=([0-9]+))?$/;
const BATCH = /^-[a-zA-Z]{2,}$/;
const BINDING = /^([^=]+)=([\s\S]*)$/;
const OPTION_NAME = /^(--[a-z]+(?:-[a-z]+)*|-[a-zA-Z]+)$/;

const optionLike = (s: string) => s !== `-` && s.startsWith(`-`);

/** The registered command a line names, its path and where the path starts in the line. */
export interface LineMatch<C extends BaseContext> {
  matched: {cls: CommandClass<C>, reg: Registration, path: Array<string>};
  start: number;
}

/**
 * The command clipanion would build for `argv`, or undefined when only clipanion should
 * decide. `match`: matchLine's answer for this line, when the caller has it already.
 */
export function fastProcess<C extends BaseContext>(cli: Cli<C>, classes: ReadonlyArray<CommandClass<C>>, argv: ReadonlyArray<string>, context: C, match: LineMatch<C> | undefined = matchLine(cli, classes, argv)): unknown {
  const registrations = (cli as unknown as {registrations?: Map<CommandClass<C>, Registration>}).registrations;
  // Help anywhere (even among a container's arguments) is left to clipanion.
  if (!registrations || argv.some(a => HELP.test(a))) return undefined;
  const noLimits = findNoLimits(registrations);
  if (!match) return undefined;
  const {matched, start} = match;
  const b = matched.reg.builder;
  if (b.arity.trailing.length > 0 || b.options.some(o => o.required || o.arity > 1)) return undefined;
  if (b.arity.proxy && b.arity.leading.length === 0) return undefined;
  const extraIsRest = typeof b.arity.extra === `symbol`;
  const extraSlots = Array.isArray(b.arity.extra) ? b.arity.extra.length : 0;

  const state: ParseState = {path: [...matched.path], options: [], positionals: []};
  if (!readOptions(argv.slice(0, start), b, state)) return undefined;
  let ignoreOptions = false, leading = 0, extras = 0, proxying = false;
  const rest = argv.slice(start + matched.path.length);
  for (let i = 0; i < rest.length; i++) {
    const tok = rest[i]!;
    if (proxying) {
      state.positionals.push({value: tok, extra: noLimits!});
      continue;
    }
    if (!ignoreOptions && optionLike(tok)) {
      if (tok === `--`) {
        ignoreOptions = true;
        continue;
      }
      const used = readOption(rest, i, b, state);
      if (used === undefined) return undefined;
      i += used - 1;
      continue;
    }
    if (leading < b.arity.leading.length) {
      state.positionals.push({value: tok, extra: false});
      leading++;
      if (b.arity.proxy && leading === b.arity.leading.length) proxying = true;
    } else if (extraIsRest) {
      if (noLimits === undefined) return undefined;
      state.positionals.push({value: tok, extra: noLimits});
    } else if (extras < extraSlots) {
      state.positionals.push({value: tok, extra: true});
      extras++;
    } else {
      return undefined; // extraneous: clipanion says so
    }
  }
  if (leading < b.arity.leading.length) return undefined;

  const command = new matched.cls() as unknown as Record<string, unknown>;
  // Merged keeping getters (context.stdin is one: reading it creates the stream).
  command.context = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors((Cli as unknown as {defaultContext: object}).defaultContext),
    ...Object.getOwnPropertyDescriptors(context),
  });
  command.path = state.path;
  try {
    for (const [key, {transformer}] of matched.reg.specs) command[key] = transformer(b, key, state, command.context as BaseContext);
  } catch {
    return undefined; // a validator refused: clipanion reports it the same way
  }
  return command;
}

/**
 * The one command whose path `argv` holds (only options may precede it) and where that
 * path starts; undefined when none or more than one could take the line.
 */
function matchCommand<T extends {reg: Registration}>(candidates: ReadonlyArray<T>, argv: ReadonlyArray<string>): {matched: T & {path: Array<string>}, start: number} | undefined {
  // Options may come before the path (clipanion allows it): skip them to find the path.
  let found: {matched: T & {path: Array<string>}, start: number} | undefined;
  for (const c of candidates) {
    for (const path of c.reg.builder.paths) {
      if (path.length === 0) return undefined;
      const at = pathStart(argv, path, c.reg.builder);
      if (at === undefined) continue;
      if (found) return undefined; // two commands could take this line
      found = {matched: {...c, path}, start: at};
    }
  }
  return found;
}

/** The one registered command `argv` names (matchCommand), or undefined. */
export function matchLine<C extends BaseContext>(cli: Cli<C>, classes: ReadonlyArray<CommandClass<C>>, argv: ReadonlyArray<string>): LineMatch<C> | undefined {
  const registrations = (cli as unknown as {registrations?: Map<CommandClass<C>, Registration>}).registrations;
  if (!registrations) return undefined;
  const candidates = classes.map(cls => ({cls, reg: registrations.get(cls)})).filter((c): c is {cls: CommandClass<C>, reg: Registration} => c.reg !== undefined);
  return matchCommand(candidates, argv);
}

/** The option definitions of the command a match names, and where its own words begin. */
export function commandOptions<C extends BaseContext>(match: LineMatch<C>): {builder: BuilderView, rest: number} {
  return {builder: match.matched.reg.builder, rest: match.start + match.matched.path.length};
}

/** clipanion's NoLimits marker, read from a registered command with a rest or proxy. */
function findNoLimits(registrations: Map<unknown, Registration> | undefined): symbol | undefined {
  for (const r of registrations?.values() ?? []) if (typeof r.builder.arity.extra === `symbol`) return r.builder.arity.extra;
  return undefined;
}

/** Where `path` starts in argv when only options precede it, else undefined. */
function pathStart(argv: ReadonlyArray<string>, path: Array<string>, b: BuilderView): number | undefined {
  let i = 0;
  while (i < argv.length && optionLike(argv[i]!)) {
    const def = b.options.find(o => o.names.includes(argv[i]!));
    i += def && def.arity === 1 ? 2 : 1;
  }
  for (let k = 0; k < path.length; k++) if (argv[i + k] !== path[k]) return undefined;
  return i;
}

/** Reads every token of `tokens` as an option; undefined when one is not a plain, known option. */
function readOptions(tokens: ReadonlyArray<string>, b: BuilderView, state: ParseState): boolean {
  for (let i = 0; i < tokens.length;) {
    if (!optionLike(tokens[i]!) || tokens[i] === `--`) return false;
    const used = readOption(tokens, i, b, state);
    if (used === undefined) return false;
    i += used;
  }
  return true;
}

/** Reads the option at tokens[i] into state; returns how many tokens it took, or undefined to defer to clipanion. */
function readOption(tokens: ReadonlyArray<string>, i: number, b: BuilderView, state: ParseState): number | undefined {
  const tok = tokens[i]!;
  if (HELP.test(tok)) return undefined;
  const exact = b.options.find(o => o.names.includes(tok));
  if (exact) {
    if (exact.arity === 0) {
      state.options.push({name: tok, value: true});
      return 1;
    }
    const value = tokens[i + 1];
    if (value === undefined || optionLike(value)) return undefined;
    state.options.push({name: tok, value});
    return 2;
  }
  if (tok.startsWith(`--no-`)) {
    const name = `--${tok.slice(5)}`;
    const negated = b.options.find(o => o.arity === 0 && o.names.includes(name));
    if (!negated) return undefined;
    state.options.push({name, value: false});
    return 1;
  }
  const bound = BINDING.exec(tok);
  if (bound) {
    const [, name, value] = bound;
    const defs = b.options.filter(o => o.names.includes(name!));
    // podman's `--rm=false` (see boolFlags.ts, which does the same after clipanion refuses it)
    if (name!.startsWith(`--`) && defs.length > 0 && defs.every(o => o.arity === 0 && !o.allowBinding) && /^(true|false)$/i.test(value!)) {
      state.options.push({name: name!, value: value!.toLowerCase() === `true`});
      return 1;
    }
    if (!OPTION_NAME.test(name!) || defs.length === 0 || !defs.every(o => o.allowBinding)) return undefined;
    state.options.push({name: name!, value});
    return 1;
  }
  if (BATCH.test(tok)) {
    const names = [...tok.slice(1)].map(c => `-${c}`);
    if (!names.every(n => b.options.some(o => o.arity === 0 && o.names.includes(n)))) return undefined;
    for (const name of names) state.options.push({name, value: true});
    return 1;
  }
  return undefined;
}
