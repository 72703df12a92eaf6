// Imports point down the layers (DESIGN.md): cli → engine → image/runtime/network/
// cgroups → storage → oci/config → sys/util. An import up the stack, or a koffi
// import outside src/sys, fails here.
import test from 'ava';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative, resolve, dirname} from 'node:path';
import {PROJECT_DIR} from './_helpers/project';

const SRC = join(PROJECT_DIR, `src`);

// Rank of each top-level folder: a module may import only from folders of a lower
// rank, or from its own folder. Peers of equal rank in the middle layer may not
// import one another, except where listed.
const RANK: Record<string, number> = {
  cli: 6,
  engine: 5,
  image: 4, runtime: 4, network: 4, cgroups: 4,
  storage: 3,
  oci: 2, config: 2,
  sys: 1, util: 1,
  'version.ts': 0,
};
// engine/errors.ts has no dependencies and names the errors every layer throws.
const SHARED_FILES = new Set([`engine/errors.ts`]);
const ALLOWED_PEERS = new Set([`oci->config`, `config->oci`, `util->sys`]);

function walk(dir: string, out: Array<string> = []): Array<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(`.ts`)) out.push(p);
  }
  return out;
}

function imports(file: string): Array<string> {
  const text = readFileSync(file, `utf8`);
  const out: Array<string> = [];
  const re = /(?:import|export)\s[^'"`;]*?from\s+['"`]([^'"`]+)['"`]|import\(\s*['"`]([^'"`]+)['"`]\s*\)|require\(\s*['"`]([^'"`]+)['"`]\s*\)/g;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function checkTree(SRC: string): {files: number, violations: Array<string>} {
  const area = (file: string) => relative(SRC, file).split(`/`)[0]!;
  const files = walk(SRC);
  const violations: Array<string> = [];
  for (const file of files) {
    const from = area(file);
    for (const spec of imports(file)) {
      if (!spec.startsWith(`.`)) {
        if (spec === `koffi` && from !== `sys`) violations.push(`${relative(SRC, file)} imports koffi (only src/sys may)`);
        continue;
      }
      const target = resolve(dirname(file), spec);
      const rel = relative(SRC, target);
      if (SHARED_FILES.has(`${rel}.ts`) || SHARED_FILES.has(rel)) continue;
      const to = rel.split(`/`)[0]!;
      const toKey = RANK[to] !== undefined ? to : `${to}.ts`;
      if (to === from) continue;
      const rf = RANK[from], rt = RANK[toKey];
      if (rf === undefined || rt === undefined) {
        violations.push(`${relative(SRC, file)} → ${rel}: unknown layer`);
        continue;
      }
      if (rt < rf || ALLOWED_PEERS.has(`${from}->${to}`)) continue;
      violations.push(`${relative(SRC, file)} imports ${rel} (${from} may not import ${to})`);
    }
  }
  return {files: files.length, violations};
}

test(`imports point down the layers`, t => {
  const {files, violations} = checkTree(SRC);
  t.true(files > 5, `found the sources`);
  t.deepEqual(violations, []);
});

test(`the checker catches upward imports and koffi outside sys`, t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-arch-`));
  try {
    for (const d of [`engine`, `storage`, `sys`]) mkdirSync(join(dir, d));
    writeFileSync(join(dir, `engine/Engine.ts`), `import {x} from '../storage/Store';\n`);
    writeFileSync(join(dir, `storage/Store.ts`), `import type {Engine} from '../engine/Engine';\nimport koffi from 'koffi';\nexport const x = 1;\n`);
    writeFileSync(join(dir, `sys/libc.ts`), `import koffi from 'koffi';\n`);
    const {violations} = checkTree(dir);
    t.is(violations.length, 2, violations.join(`\n`));
    t.regex(violations.join(`\n`), /storage may not import engine/);
    t.regex(violations.join(`\n`), /storage\/Store.ts imports koffi/);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});
