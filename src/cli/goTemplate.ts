// The part of Go's text/template that `--format` users write: fields (`.A.B`, `$.A`, `$x.B`),
// pipelines (`.A | len`), parentheses, `if`/`else if`/`else`, `range` (with `$i, $v :=`
// and `else`), `with`, variables, trim markers (`{{-`, `-}}`), and the functions podman
// templates use (json, index, len, join, printf, print, println, upper, lower, title,
// split, truncate, contains, eq, ne, lt, le, gt, ge, and, or, not). A leading `table ` is
// dropped (the caller prints headers); `\t` and `\n` become tab and newline. Values print
// as Go prints them in the common cases: strings raw, slices as [a b], maps as map[k:v].

import {goTime} from '../util/isoTime';

type Node =
  | {kind: `text`, text: string}
  | {kind: `action`, pipe: Pipe}
  | {kind: `if` | `with`, pipe: Pipe, then: Array<Node>, else: Array<Node>}
  | {kind: `range`, pipe: Pipe, vars: Array<string>, body: Array<Node>, else: Array<Node>};

/** `$x := cmd | cmd`: commands of arguments. */
interface Pipe {
  /** `$x := …` declares, `$x = …` assigns. */
  decl: Array<string>;
  assign: boolean;
  cmds: Array<Array<Arg>>;
}

type Arg =
  | {kind: `field`, base: `dot` | string, path: Array<string>}
  | {kind: `lit`, value: unknown}
  | {kind: `ident`, name: string}
  | {kind: `sub`, pipe: Pipe, path: Array<string>};

class TemplateError extends Error {}

function goString(v: unknown): string {
  if (v === null || v === undefined) return `<no value>`;
  // podman's times are time.Time values, which print as Go's String() does.
  if (typeof v === `string`) return goTime(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(` `)}]`;
  if (typeof v === `object`) return `map[${Object.keys(v as object).sort().map(k => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(` `)}]`;
  return String(v);
}

/**
 * The key a template field names: itself, else the one that differs only in case. Go
 * templates name struct fields (`.Host.Security.Rootless`) whose JSON keys podman writes
 * in lower camel case (`host.security.rootless`); tspod's documents are those JSON objects.
 */
function fieldKey(obj: object, key: string): string | undefined {
  if (key in obj) return key;
  const lower = key.toLowerCase();
  return Object.keys(obj).find(k => k.toLowerCase() === lower);
}

function walk(value: unknown, path: ReadonlyArray<string>): unknown {
  let cur = value;
  for (const key of path) {
    const k = cur !== null && typeof cur === `object` ? fieldKey(cur as object, key) : undefined;
    if (k === undefined) throw new TemplateError(`can't evaluate field ${key}`);
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === ``) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === `object`) return Object.keys(v as object).length > 0;
  return true;
}

function lengthOf(v: unknown): number {
  if (typeof v === `string` || Array.isArray(v)) return v.length;
  if (v !== null && typeof v === `object`) return Object.keys(v).length;
  throw new TemplateError(`len of ${goString(v)}`);
}

/** fmt's verbs for the usual cases: %s %v %d %q %t %x %%, with an optional width. */
function sprintf(format: unknown, args: Array<unknown>): string {
  let i = 0;
  return String(format).replace(/%(-?\d*)([svdqtx%])/g, (_m, width: string, verb: string) => {
    if (verb === `%`) return `%`;
    const a = args[i++];
    let s = verb === `q` ? JSON.stringify(String(a)) : verb === `x` ? (typeof a === `number` ? a.toString(16) : Buffer.from(String(a)).toString(`hex`)) : verb === `d` ? String(Math.trunc(Number(a))) : goString(a);
    const w = Number(width);
    if (width !== `` && Math.abs(w) > s.length) s = w < 0 ? s.padEnd(-w) : s.padStart(w);
    return s;
  });
}

/** Go's lt/le/gt/ge: numbers with numbers, strings with strings. */
function ordered(a: unknown, b: unknown): [number | string, number | string] {
  if (typeof a === `number` && typeof b === `number`) return [a, b];
  if (typeof a === `string` && typeof b === `string`) return [a, b];
  throw new TemplateError(`incompatible types for comparison`);
}

const FUNCS: Record<string, (...args: Array<unknown>) => unknown> = {
  json: v => JSON.stringify(v ?? null),
  index: (m, ...keys) => {
    let cur = m;
    for (const k of keys) cur = cur === null || cur === undefined ? undefined : (cur as Record<string, unknown>)[String(k)];
    return cur;
  },
  len: lengthOf,
  join: (list, sep) => (Array.isArray(list) ? list : []).map(x => typeof x === `string` ? x : goString(x)).join(String(sep ?? ``)),
  printf: (format, ...args) => sprintf(format, args),
  print: (...args) => args.map(a => typeof a === `string` ? a : goString(a)).join(``),
  println: (...args) => `${args.map(a => typeof a === `string` ? a : goString(a)).join(` `)}\n`,
  upper: s => String(s).toUpperCase(),
  lower: s => String(s).toLowerCase(),
  title: s => String(s).replace(/\b\w/g, c => c.toUpperCase()),
  split: (s, sep) => String(s).split(String(sep)),
  truncate: (s, n) => String(s).slice(0, Number(n)),
  contains: (s, sub) => String(s).includes(String(sub)),
  eq: (a, ...bs) => bs.some(b => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => { const [x, y] = ordered(a, b); return x < y; },
  le: (a, b) => { const [x, y] = ordered(a, b); return x <= y; },
  gt: (a, b) => { const [x, y] = ordered(a, b); return x > y; },
  ge: (a, b) => { const [x, y] = ordered(a, b); return x >= y; },
  not: a => !truthy(a),
  // and/or return the deciding argument, as Go's do.
  and: (...args) => args.find(a => !truthy(a)) ?? args[args.length - 1],
  or: (...args) => args.find(a => truthy(a)) ?? args[args.length - 1],
};

// ---- parsing -------------------------------------------------------------------------

/** Splits the template into text and action tokens, applying the trim markers. */
function lex(src: string): Array<{text?: string, action?: string}> {
  const out: Array<{text?: string, action?: string}> = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf(`{{`, i);
    if (open < 0) {
      out.push({text: src.slice(i)});
      break;
    }
    let text = src.slice(i, open);
    let start = open + 2;
    if (src.startsWith(`- `, start) || src.startsWith(`-\t`, start) || src.startsWith(`-\n`, start)) {
      text = text.replace(/\s+$/, ``);
      start += 1;
    }
    if (text !== ``) out.push({text});
    const close = findClose(src, start);
    let end = close;
    let trimAfter = false;
    if (src[close - 1] === `-` && /\s/.test(src[close - 2] ?? ``)) {
      end = close - 1;
      trimAfter = true;
    }
    out.push({action: src.slice(start, end).trim()});
    i = close + 2;
    if (trimAfter) while (i < src.length && /\s/.test(src[i]!)) i++;
  }
  return out;
}

/** The `}}` that closes an action, skipping quoted strings. */
function findClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i]!;
    if (c === `"`) {
      for (i++; i < src.length && src[i] !== `"`; i++) if (src[i] === `\\`) i++;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1);
      if (i < 0) break;
    } else if (c === `}` && src[i + 1] === `}`) {
      return i;
    }
  }
  throw new TemplateError(`unclosed action`);
}

/**
 * The words of an action: strings, numbers, names, fields, `|`, `(`, `)`, `:=`, `=`, `,`;
 * a closing parenthesis keeps the field chain written right after it (`(index .A 0).B`).
 */
function words(action: string): Array<string> {
  const re = /"(?:[^"\\]|\\.)*"|`[^`]*`|:=|\)(?:\.\w+)*|[|(,=]|[^\s|(),=]+/g;
  return action.match(re) ?? [];
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Array<{text?: string, action?: string}>) {}

  parse(): Array<Node> {
    const {nodes, end} = this.list();
    if (end !== undefined) throw new TemplateError(`unexpected {{${end}}}`);
    return nodes;
  }

  /** Nodes up to an `end`/`else` action (returned) or the end of input. */
  private list(): {nodes: Array<Node>, end?: string} {
    const nodes: Array<Node> = [];
    while (this.pos < this.tokens.length) {
      const t = this.tokens[this.pos++]!;
      if (t.text !== undefined) {
        nodes.push({kind: `text`, text: t.text});
        continue;
      }
      const a = t.action!;
      if (a === `` || a.startsWith(`/*`)) continue;
      const w = words(a);
      if (w[0] === `end` || w[0] === `else`) return {nodes, end: a};
      if (w[0] === `if` || w[0] === `with`) nodes.push(this.conditional(w[0], w.slice(1)));
      else if (w[0] === `range`) nodes.push(this.range(w.slice(1)));
      else nodes.push({kind: `action`, pipe: parsePipe(w)});
    }
    return {nodes};
  }

  private conditional(kind: `if` | `with`, w: Array<string>): Node {
    const pipe = parsePipe(w);
    const then = this.list();
    let otherwise: Array<Node> = [];
    if (then.end === undefined) throw new TemplateError(`unexpected EOF in ${kind}`);
    if (then.end !== `end`) {
      const rest = words(then.end).slice(1);
      if (rest[0] === `if` || rest[0] === `with`) {
        otherwise = [this.conditional(rest[0], rest.slice(1))];
      } else {
        const e = this.list();
        if (e.end !== `end`) throw new TemplateError(`expected end after else in ${kind}`);
        otherwise = e.nodes;
      }
    }
    return {kind, pipe, then: then.nodes, else: otherwise};
  }

  private range(w: Array<string>): Node {
    let vars: Array<string> = [];
    const decl = w.indexOf(`:=`);
    if (decl >= 0) {
      vars = w.slice(0, decl).filter(x => x !== `,`);
      w = w.slice(decl + 1);
    }
    const pipe = parsePipe(w);
    const body = this.list();
    if (body.end === undefined) throw new TemplateError(`unexpected EOF in range`);
    let otherwise: Array<Node> = [];
    if (body.end !== `end`) {
      const e = this.list();
      if (e.end !== `end`) throw new TemplateError(`expected end after else in range`);
      otherwise = e.nodes;
    }
    return {kind: `range`, pipe, vars, body: body.nodes, else: otherwise};
  }
}

function parsePipe(w: Array<string>): Pipe {
  let decl: Array<string> = [];
  let assign = false;
  const at = w.indexOf(`:=`) >= 0 ? w.indexOf(`:=`) : w.indexOf(`=`);
  if (at >= 0 && at > 0 && w.slice(0, at).every(x => x.startsWith(`$`) || x === `,`)) {
    decl = w.slice(0, at).filter(x => x !== `,`);
    assign = w[at] === `=`;
    w = w.slice(at + 1);
  }
  const cmds: Array<Array<Arg>> = [[]];
  for (let i = 0; i < w.length; i++) {
    const tok = w[i]!;
    if (tok === `|`) {
      cmds.push([]);
      continue;
    }
    if (tok === `(`) {
      let depth = 1, j = i + 1;
      for (; j < w.length; j++) {
        if (w[j] === `(`) depth++;
        else if (w[j]!.startsWith(`)`) && --depth === 0) break;
      }
      if (j >= w.length) throw new TemplateError(`unclosed left paren`);
      cmds[cmds.length - 1]!.push({kind: `sub`, pipe: parsePipe(w.slice(i + 1, j)), path: w[j]!.slice(1).split(`.`).filter(Boolean)});
      i = j;
      continue;
    }
    if (tok.startsWith(`)`)) throw new TemplateError(`unexpected right paren`);
    cmds[cmds.length - 1]!.push(parseArg(tok));
  }
  if (cmds.some(c => c.length === 0)) throw new TemplateError(`missing value for command`);
  return {decl, assign, cmds};
}

function parseArg(tok: string): Arg {
  if (tok.startsWith(`"`)) return {kind: `lit`, value: JSON.parse(tok)};
  if (tok.startsWith('`')) return {kind: `lit`, value: tok.slice(1, -1)};
  if (/^-?\d+(\.\d+)?$/.test(tok)) return {kind: `lit`, value: Number(tok)};
  if (tok === `true` || tok === `false`) return {kind: `lit`, value: tok === `true`};
  if (tok === `nil`) return {kind: `lit`, value: null};
  if (tok.startsWith(`.`)) return {kind: `field`, base: `dot`, path: tok.split(`.`).filter(Boolean)};
  if (tok.startsWith(`$`)) {
    const [name, ...path] = tok.split(`.`);
    return {kind: `field`, base: name!, path};
  }
  if (/^\w+$/.test(tok)) return {kind: `ident`, name: tok};
  throw new TemplateError(`unexpected "${tok}" in operand`);
}

// ---- evaluation ----------------------------------------------------------------------

class Scope {
  private readonly vars: Array<Map<string, unknown>>;
  constructor(root: unknown) {
    this.vars = [new Map([[`$`, root]])];
  }
  push(): void { this.vars.push(new Map()); }
  pop(): void { this.vars.pop(); }
  set(name: string, v: unknown): void { this.vars[this.vars.length - 1]!.set(name, v); }
  assign(name: string, v: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.has(name)) { this.vars[i]!.set(name, v); return; }
    throw new TemplateError(`undefined variable: ${name}`);
  }
  get(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.has(name)) return this.vars[i]!.get(name);
    throw new TemplateError(`undefined variable: ${name}`);
  }
}

function evalArg(a: Arg, dot: unknown, scope: Scope): unknown {
  switch (a.kind) {
    case `lit`: return a.value;
    case `field`: return walk(a.base === `dot` ? dot : scope.get(a.base), a.path);
    case `sub`: return walk(evalPipe(a.pipe, dot, scope), a.path);
    case `ident`: {
      const f = FUNCS[a.name];
      if (!f) throw new TemplateError(`function "${a.name}" not defined`);
      return f();
    }
  }
}

function evalPipe(p: Pipe, dot: unknown, scope: Scope): unknown {
  let value: unknown;
  let piped = false;
  for (const cmd of p.cmds) {
    const head = cmd[0]!;
    if (head.kind === `ident`) {
      const f = FUNCS[head.name];
      if (!f) throw new TemplateError(`function "${head.name}" not defined`);
      const args = cmd.slice(1).map(a => evalArg(a, dot, scope));
      value = f(...(piped ? [...args, value] : args));
    } else {
      if (cmd.length > 1 || piped) throw new TemplateError(`can't give argument to non-function`);
      value = evalArg(head, dot, scope);
    }
    piped = true;
  }
  if (p.decl.length === 1) {
    if (p.assign) scope.assign(p.decl[0]!, value);
    else scope.set(p.decl[0]!, value);
  }
  return value;
}

function exec(nodes: ReadonlyArray<Node>, dot: unknown, scope: Scope): string {
  let out = ``;
  for (const n of nodes) {
    switch (n.kind) {
      case `text`: out += n.text; break;
      case `action`: {
        const v = evalPipe(n.pipe, dot, scope);
        if (n.pipe.decl.length === 0) out += goString(v);
      } break;
      case `if`: case `with`: {
        const v = evalPipe(n.pipe, dot, scope);
        scope.push();
        try {
          out += truthy(v) ? exec(n.then, n.kind === `with` ? v : dot, scope) : exec(n.else, dot, scope);
        } finally {
          scope.pop();
        }
      } break;
      case `range`: {
        const v = evalPipe(n.pipe, dot, scope);
        const entries: Array<[unknown, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x])
          : v !== null && typeof v === `object` ? Object.keys(v).sort().map(k => [k, (v as Record<string, unknown>)[k]])
          : typeof v === `number` ? Array.from({length: v}, (_x, i) => [i, i]) : [];
        if (entries.length === 0) {
          out += exec(n.else, dot, scope);
          break;
        }
        for (const [k, item] of entries) {
          scope.push();
          try {
            if (n.vars.length === 1) scope.set(n.vars[0]!, item);
            if (n.vars.length === 2) { scope.set(n.vars[0]!, k); scope.set(n.vars[1]!, item); }
            out += exec(n.body, item, scope);
          } finally {
            scope.pop();
          }
        }
      } break;
    }
  }
  return out;
}

/** The template as it renders: without a leading `table`, `\\t` and `\\n` made tab and newline. */
export function templateBody(tpl: string): string {
  return tpl.replace(/^table\s+/, ``).replace(/\\t/g, `\t`).replace(/\\n/g, `\n`);
}

const parsed = new Map<string, Array<Node>>();

/** Renders `tpl` with `data` as dot; a template error says what is wrong, as Go's does. */
export function renderTemplate(tpl: string, data: unknown): string {
  const body = templateBody(tpl);
  let nodes = parsed.get(body);
  if (!nodes) {
    nodes = new Parser(lex(body)).parse();
    parsed.set(body, nodes);
  }
  return exec(nodes, data, new Scope(data));
}
