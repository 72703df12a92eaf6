// podman's flag parser (pflag) takes a short option's value in the same word: `-p8080:80`,
// `-eFOO=bar`, `-w/tmp`, `rm -ft0 c1`, `-e=X=1`, and a boolean's as `-i=false`; clipanion
// reads `-p8080:80` as a batch of flags and refuses it. Before parsing, such a word is
// split into the words clipanion knows (`-p 8080:80`; `-d -p 8080:80` for `-dp8080:80`),
// and a value that starts with a dash is bound to its option (`--pids-limit=-1`).
// Only the command's own words are touched: the walk stops at `--` and, for a command
// that passes the rest on (run's and exec's COMMAND), at that command's first word.
import type {BuilderView} from './fastParse';

const SHORT = /^-[a-zA-Z]/;

/** `argv` with attached short-option values split off; `rest` is where the command's own words begin. */
export function splitShortValues(argv: ReadonlyArray<string>, builder: BuilderView, rest: number): Array<string> {
  const out = argv.slice(0, rest);
  const def = (name: string) => builder.options.find(o => o.names.includes(name));
  let leading = 0;
  for (let i = rest; i < argv.length; i++) {
    const tok = argv[i]!;
    if (tok === `--`) return [...out, ...argv.slice(i)];
    if (!tok.startsWith(`-`) || tok === `-`) {
      out.push(tok);
      // run IMAGE COMMAND…: what follows the image is the container's.
      if (builder.arity.proxy && ++leading >= builder.arity.leading.length) return [...out, ...argv.slice(i + 1)];
      continue;
    }
    const exact = def(tok.includes(`=`) && tok.startsWith(`--`) ? tok.slice(0, tok.indexOf(`=`)) : tok);
    if (exact) {
      // The next word is this option's value, whatever it looks like: one that starts with a
      // dash (`--pids-limit -1`) is bound to a long name, or clipanion reads it as an option.
      const value = exact.arity === 1 && !tok.includes(`=`) && i + 1 < argv.length ? argv[++i]! : undefined;
      const long = exact.names.find(n => n.startsWith(`--`));
      if (value !== undefined && value.startsWith(`-`) && long && exact.allowBinding) out.push(`${long}=${value}`);
      else out.push(tok, ...(value === undefined ? [] : [value]));
      continue;
    }
    const split = SHORT.test(tok) ? splitWord(tok, def) : undefined;
    if (split === undefined) {
      out.push(tok); // unknown: clipanion says so
      continue;
    }
    out.push(...split.words);
    if (split.takesNext && i + 1 < argv.length) out.push(argv[++i]!);
  }
  return out;
}

/**
 * `-abVALUE` as pflag reads it: flags a and b, then the first one that takes a value takes
 * the rest of the word (after one `=`), or the next word when the rest is empty. A boolean
 * followed by `=true|false` ends the word. Undefined when a letter is not an option.
 */
function splitWord(tok: string, def: (name: string) => BuilderView[`options`][number] | undefined): {words: Array<string>, takesNext: boolean} | undefined {
  const words: Array<string> = [];
  for (let j = 1; j < tok.length; j++) {
    const name = `-${tok[j]}`;
    const d = def(name);
    if (!d) return undefined;
    const after = tok.slice(j + 1);
    if (d.arity === 1) {
      if (after === ``) return {words: [...words, name], takesNext: true};
      return {words: [...words, name, after.startsWith(`=`) ? after.slice(1) : after], takesNext: false};
    }
    if (after.startsWith(`=`)) {
      const value = after.slice(1).toLowerCase();
      if (value === `true`) return {words: [...words, name], takesNext: false};
      const long = d.names.find(n => n.startsWith(`--`));
      if (value === `false` && long) return {words: [...words, `--no-${long.slice(2)}`], takesNext: false};
      return undefined;
    }
    words.push(name);
  }
  // Only booleans: clipanion reads the batch itself.
  return {words: [tok], takesNext: false};
}
