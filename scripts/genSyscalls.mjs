// Generates src/runtime/seccomp/syscallTables.ts (syscall name -> number for x86_64, i386 and
// aarch64) from the Linux UAPI headers of Debian 12's linux-libc-dev. Run: node scripts/genSyscalls.mjs
//
// The x86 headers are flat `#define __NR_name N` lists. asm-generic/unistd.h (the aarch64 table)
// is conditional, so it is run through a small C-preprocessor subset (#if/#ifdef/#ifndef/#elif/
// #else/#endif, #define/#undef, defined(), ||, &&, !, ==, != ...) with the macros that
// arch/arm64/include/uapi/asm/unistd.h defines before including it, plus __BITS_PER_LONG 64.
// Every name and number is checked against known anchors; any mismatch exits non-zero.
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outFile = join(root, 'src/runtime/seccomp/syscallTables.ts');
const VERSION_H = '/usr/include/linux/version.h';

// arch/arm64/include/uapi/asm/unistd.h (Linux 6.1) defines these, then includes asm-generic/unistd.h.
// Deliberately NOT defined: __SYSCALL_COMPAT (only for the 32-bit compat table), __ARCH_NOMMU,
// __ARCH_WANT_STAT64, __ARCH_WANT_SYNC_FILE_RANGE2 (so 84 is sync_file_range).
const ARM64_PREDEFINED = {
  __BITS_PER_LONG: '64', // asm/bitsperlong.h on a 64-bit ABI
  __ARCH_WANT_RENAMEAT: '',
  __ARCH_WANT_NEW_STAT: '',
  __ARCH_WANT_SET_GET_RLIMIT: '',
  __ARCH_WANT_TIME32_SYSCALLS: '',
  __ARCH_WANT_SYS_CLONE3: '',
  __ARCH_WANT_MEMFD_SECRET: '',
};

const ABIS = [
  {
    id: 'X86_64', label: 'x86_64', header: '/usr/include/x86_64-linux-gnu/asm/unistd_64.h', predefined: {},
    anchors: {read: 0, write: 1, open: 2, clone: 56, fork: 57, execve: 59, personality: 135, add_key: 248,
      keyctl: 250, clone3: 435, io_uring_setup: 425},
    absent: [],
  },
  {
    id: 'I386', label: 'i386', header: '/usr/include/x86_64-linux-gnu/asm/unistd_32.h', predefined: {},
    anchors: {exit: 1, fork: 2, read: 3, socketcall: 102, clone: 120, personality: 136, clone3: 435, add_key: 286},
    absent: [],
  },
  {
    id: 'AARCH64', label: 'aarch64', header: '/usr/include/asm-generic/unistd.h', predefined: ARM64_PREDEFINED,
    anchors: {io_setup: 0, openat: 56, close: 57, read: 63, write: 64, newfstatat: 79, fstat: 80, exit: 93,
      exit_group: 94, clone: 220, execve: 221, mmap: 222, renameat: 38, getrlimit: 163, setrlimit: 164,
      clone3: 435, io_uring_setup: 425, memfd_secret: 447, futex_waitv: 449,
      fcntl: 25, statfs: 43, fstatfs: 44, truncate: 45, ftruncate: 46, lseek: 62, sendfile: 71,
      fadvise64: 223, sync_file_range: 84, io_getevents: 4},
    // Not in the arm64 table: legacy calls, the 32-bit-only names and the time64 (403-423) calls.
    absent: [`open`, `fork`, `stat`, `lstat`, `fcntl64`, `llseek`, `mmap2`, `fstatat64`, `fstat64`, `fadvise64_64`,
      `sync_file_range2`, `clock_gettime64`, `futex_time64`, `sched_rr_get_interval_time64`, `syscalls`,
      `arch_specific_syscall`],
  },
];

/** Not syscalls although spelled `__NR_...`. */
const NOT_SYSCALLS = new Set([`syscalls`, `arch_specific_syscall`]);

// ---- minimal C preprocessor -------------------------------------------------------------------

function logicalLines(text) {
  const noComments = text.replace(/\/\*[\s\S]*?\*\//g, ` `).replace(/\/\/[^\n]*/g, ``);
  return noComments.replace(/\\\n/g, ` `).split(`\n`);
}

function tokenize(expr) {
  const tokens = [];
  const re = /\s*(?:(\d+)[uUlL]*|([A-Za-z_]\w*)|(\|\||&&|==|!=|<=|>=|[()!<>]))/y;
  let pos = 0;
  expr = expr.trimEnd();
  while (pos < expr.length) {
    re.lastIndex = pos;
    const m = re.exec(expr);
    if (!m) throw new Error(`cannot parse #if expression ${JSON.stringify(expr)} at ${pos}`);
    pos = re.lastIndex;
    if (m[1] !== undefined) tokens.push({t: `num`, v: Number(m[1])});
    else if (m[2] !== undefined) tokens.push({t: `id`, v: m[2]});
    else tokens.push({t: `op`, v: m[3]});
  }
  return tokens;
}

function evalCondition(expr, macros) {
  const toks = tokenize(expr);
  // Replace `defined X` / `defined(X)` first, as cpp does.
  const resolved = [];
  for (let i = 0; i < toks.length; i++) {
    const tk = toks[i];
    if (tk.t === `id` && tk.v === `defined`) {
      let name;
      if (toks[i + 1]?.v === `(`) {
        name = toks[i + 2];
        if (name?.t !== `id` || toks[i + 3]?.v !== `)`) throw new Error(`bad defined() in ${expr}`);
        i += 3;
      } else {
        name = toks[i + 1];
        if (name?.t !== `id`) throw new Error(`bad defined in ${expr}`);
        i += 1;
      }
      resolved.push({t: `num`, v: macros.has(name.v) ? 1 : 0});
    } else if (tk.t === `id`) {
      resolved.push({t: `num`, v: macroNumber(tk.v, macros) ?? 0}); // undefined identifiers are 0
    } else {
      resolved.push(tk);
    }
  }
  let p = 0;
  const peek = () => resolved[p]?.v;
  const primary = () => {
    const tk = resolved[p++];
    if (!tk) throw new Error(`unexpected end of #if expression ${expr}`);
    if (tk.t === `num`) return tk.v;
    if (tk.v === `!`) return primary() ? 0 : 1;
    if (tk.v === `(`) {
      const v = or();
      if (resolved[p++]?.v !== `)`) throw new Error(`missing ) in ${expr}`);
      return v;
    }
    throw new Error(`unexpected ${tk.v} in ${expr}`);
  };
  const rel = () => {
    let v = primary();
    while ([`<`, `>`, `<=`, `>=`].includes(peek())) {
      const op = resolved[p++].v;
      const r = primary();
      v = Number(op === `<` ? v < r : op === `>` ? v > r : op === `<=` ? v <= r : v >= r);
    }
    return v;
  };
  const eq = () => {
    let v = rel();
    while (peek() === `==` || peek() === `!=`) {
      const op = resolved[p++].v;
      const r = rel();
      v = Number(op === `==` ? v === r : v !== r);
    }
    return v;
  };
  const and = () => {
    let v = eq();
    while (peek() === `&&`) { p++; const r = eq(); v = Number(Boolean(v) && Boolean(r)); }
    return v;
  };
  const or = () => {
    let v = and();
    while (peek() === `||`) { p++; const r = and(); v = Number(Boolean(v) || Boolean(r)); }
    return v;
  };
  const v = or();
  if (p !== resolved.length) throw new Error(`trailing tokens in #if expression ${expr}`);
  return v !== 0;
}

/** Resolves an object-like macro to a plain decimal number (following aliases), or undefined. */
function macroNumber(name, macros, seen = new Set()) {
  if (!macros.has(name) || seen.has(name)) return undefined;
  seen.add(name);
  const body = macros.get(name).trim();
  if (/^\d+$/.test(body)) return Number(body);
  if (/^[A-Za-z_]\w*$/.test(body)) return macroNumber(body, macros, seen);
  return undefined;
}

/** Runs the header through the preprocessor subset; returns the final object-like macro table. */
function preprocess(file, predefined) {
  const macros = new Map(Object.entries(predefined));
  const stack = []; // {parentActive, taken, active}
  const active = () => stack.length === 0 || stack[stack.length - 1].active;
  for (const raw of logicalLines(readFileSync(file, `utf8`))) {
    const m = /^\s*#\s*(\w+)\s*(.*)$/.exec(raw);
    if (!m) continue; // code lines (__SYSCALL(...)) do not define anything
    const [, dir, rest] = m;
    switch (dir) {
      case `if`: case `ifdef`: case `ifndef`: {
        const parentActive = active();
        let cond = false;
        if (parentActive) {
          if (dir === `if`) cond = evalCondition(rest, macros);
          else cond = macros.has(rest.trim().split(/\s+/)[0]) === (dir === `ifdef`);
        }
        stack.push({parentActive, taken: cond, active: parentActive && cond});
        break;
      }
      case `elif`: {
        const top = stack[stack.length - 1];
        if (!top) throw new Error(`${file}: #elif without #if`);
        const cond = top.parentActive && !top.taken && evalCondition(rest, macros);
        top.active = cond;
        top.taken ||= cond;
        break;
      }
      case `else`: {
        const top = stack[stack.length - 1];
        if (!top) throw new Error(`${file}: #else without #if`);
        top.active = top.parentActive && !top.taken;
        top.taken = true;
        break;
      }
      case `endif`:
        if (!stack.pop()) throw new Error(`${file}: unbalanced #endif`);
        break;
      case `define`: {
        if (!active()) break;
        const d = /^([A-Za-z_]\w*)(\([^)]*\))?\s*(.*)$/.exec(rest);
        if (!d) throw new Error(`${file}: bad #define ${rest}`);
        if (!d[2]) macros.set(d[1], d[3].trim()); // function-like macros are irrelevant here
        break;
      }
      case `undef`:
        if (active()) macros.delete(rest.trim());
        break;
      case `include`: case `error`: case `warning`: case `pragma`:
        break; // asm/bitsperlong.h only provides __BITS_PER_LONG, predefined above
      default:
        throw new Error(`${file}: unsupported directive #${dir}`);
    }
  }
  if (stack.length) throw new Error(`${file}: unterminated #if`);
  return macros;
}

function syscallTable(abi) {
  const macros = preprocess(abi.header, abi.predefined);
  const table = new Map();
  const skipped = [];
  for (const name of macros.keys()) {
    if (!name.startsWith(`__NR_`)) continue; // __NR3264_* are only targets of __NR_* aliases
    const sc = name.slice(`__NR_`.length);
    if (NOT_SYSCALLS.has(sc)) continue;
    const nr = macroNumber(name, macros);
    if (nr === undefined) { skipped.push(`${name} ${macros.get(name)}`); continue; }
    table.set(sc, nr);
  }
  const byNumber = new Map();
  for (const [sc, nr] of table) {
    if (byNumber.has(nr)) throw new Error(`${abi.label}: ${byNumber.get(nr)} and ${sc} both ${nr}`);
    byNumber.set(nr, sc);
  }
  return {entries: [...table].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1)), skipped};
}

// ---- output -----------------------------------------------------------------------------------

const MAX_LINE = 108;

// A list of names, the Nth word call N (`-`: none), not an object literal: creating a
// 400-key object cost ~5 ms of every command that loaded it; splitting the string, well
// under one (src/runtime/seccomp/syscallNumbers.ts).
function renderTable(abi, entries) {
  const words = [];
  for (const [sc, nr] of entries) {
    while (words.length < nr) words.push(`-`);
    words.push(sc);
  }
  const lines = [];
  let line = ``;
  for (const w of words) {
    if (line && line.length + 1 + w.length > MAX_LINE) { lines.push(line); line = ``; }
    line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return [
    `/** ${abi.label} syscall names by number (${entries.length} calls; from ${abi.header}). */`,
    `export const SYSCALL_NAMES_${abi.id} = \`\n${lines.join(`\n`)}\`;`,
  ].join(`\n`);
}

function kernelVersion() {
  const v = readFileSync(VERSION_H, `utf8`);
  const get = key => new RegExp(`#define LINUX_VERSION_${key} (\\d+)`).exec(v)?.[1] ?? `?`;
  return `${get(`MAJOR`)}.${get(`PATCHLEVEL`)}.${get(`SUBLEVEL`)}`;
}

let failed = false;
const blocks = [];
for (const abi of ABIS) {
  const {entries, skipped} = syscallTable(abi);
  const table = new Map(entries);
  const errors = [];
  for (const [sc, nr] of Object.entries(abi.anchors)) {
    if (table.get(sc) !== nr) errors.push(`${sc}: expected ${nr}, got ${table.get(sc)}`);
  }
  for (const sc of abi.absent) if (table.has(sc)) errors.push(`${sc}: must be absent, got ${table.get(sc)}`);
  const maxNr = entries.length ? entries[entries.length - 1][1] : -1;
  console.log(`${abi.label}: ${entries.length} syscalls (max ${maxNr}) from ${abi.header}` +
    (skipped.length ? `; skipped non-numeric: ${skipped.join(`, `)}` : ``));
  if (errors.length) {
    failed = true;
    for (const e of errors) console.error(`  ANCHOR MISMATCH ${abi.label}: ${e}`);
  }
  blocks.push(renderTable(abi, entries));
}

if (failed) {
  console.error(`anchor checks failed; ${outFile} not written`);
  process.exit(1);
}

const out = [
  `// GENERATED by \`node scripts/genSyscalls.mjs\`. DO NOT EDIT BY HAND: change the script and re-run it.`,
  `// Source: Linux UAPI headers of Debian 12's linux-libc-dev (Linux ${kernelVersion()}):`,
  ...ABIS.map(abi => `//   ${abi.label}: ${abi.header}`),
  `// aarch64 = asm-generic/unistd.h with __BITS_PER_LONG 64 and the __ARCH_WANT_* macros of arm64's`,
  `// uapi asm/unistd.h (RENAMEAT, NEW_STAT, SET_GET_RLIMIT, TIME32_SYSCALLS, SYS_CLONE3, MEMFD_SECRET).`,
  ``,
  ...blocks.flatMap(b => [b, ``]),
].join(`\n`);

if (!/^[\x00-\x7f]*$/.test(out)) throw new Error(`output is not pure ASCII`);
for (const l of out.split(`\n`)) if (l.length > 110) throw new Error(`line too long: ${l}`);
mkdirSync(dirname(outFile), {recursive: true});
writeFileSync(outFile, out);
console.log(`wrote ${outFile}`);
