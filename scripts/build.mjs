// Bundles the CLI into one CommonJS file (fast startup: one file to read, lazily
// initialised modules) and each test file into its own bundle under dist/test.
// Type-checking is `npm run typecheck` (tsc --noEmit); esbuild only transpiles.
import {build} from 'esbuild';
import {readdirSync, readFileSync, statSync, rmSync, mkdirSync, chmodSync, copyFileSync, mkdtempSync, writeFileSync} from 'node:fs';
import Module from 'node:module';
import {spawnSync} from 'node:child_process';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {clipanionPatches} from './clipanionPatches.mjs';

const root = new URL('..', import.meta.url).pathname;
const external = ['koffi'];
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external,
  logLevel: 'warning',
  legalComments: 'none',
  define: {__TSPOD_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version)},
};

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    // `*.child.ts`: programs a test spawns (a second process in a concurrency test).
    else if (name.endsWith('.test.ts') || name.endsWith('.child.ts')) out.push(p);
  }
  return out;
}

const onlyCli = process.argv.includes('--cli');
rmSync(join(root, 'dist'), {recursive: true, force: true});
mkdirSync(join(root, 'dist'), {recursive: true});

const jobs = [build({
  ...common,
  plugins: [clipanionPatches(root)],
  // dist/tspod.js is src/cli/launcher.cjs: it runs this bundle with V8's code cache.
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/tspod-main.js'),
  minifySyntax: true,
  minifyWhitespace: true,
  // Short local names: a bundle 20% smaller is less source to read and hold (V8 keeps it,
  // and flattens it, in the young generation: fewer scavenges), 4-5 ms of a run here.
  // No keepNames: it wraps every function and class in a name-setting call run as its
  // module loads (exec ~8 ms, run ~5 ms a command here); nothing in tspod reads a function's
  // or class's name, and --log-level debug's stack traces point into this bundle anyway.
  minifyIdentifiers: true,
}), build({
  // The layer-apply worker runs as its own process inside the user namespace.
  ...common,
  entryPoints: [join(root, 'src/storage/applyWorker.ts')],
  outfile: join(root, 'dist/apply-worker.js'),
  minifySyntax: true,
})];

if (!onlyCli) {
  const tests = findTests(join(root, 'test'));
  jobs.push(build({
    ...common,
    entryPoints: tests.map(t => ({in: t, out: relative(join(root, 'test'), t).replace(/\.ts$/, '')})),
    outdir: join(root, 'dist/test'),
    external: [...external, 'ava'],
    sourcemap: 'inline',
  }));
}
await Promise.all(jobs);
copyFileSync(join(root, 'src/cli/launcher.cjs'), join(root, 'dist/tspod.js'));
// The launcher compiles the bundle as a CommonJS module body: wrapped here once, not at
// every start (Module.wrap there makes a second 0.7 MB string, and garbage to collect).
const bundle = join(root, 'dist/tspod-main.js');
writeFileSync(bundle, Module.wrap(readFileSync(bundle, 'latin1')), 'latin1');
// The launcher reads the bundle as latin1 (fast): it must be pure ASCII.
if (readFileSync(join(root, 'dist/tspod-main.js')).some(b => b > 0x7f)) throw new Error('dist/tspod-main.js has non-ASCII bytes: keep esbuild\'s ascii charset');
// A real import() left in the bundle (of a built-in) fails in a function V8 restores from
// the code cache: "A dynamic import callback was not specified". Built-ins use require.
if (/[^\w$.]import\(/.test(readFileSync(join(root, 'dist/tspod-main.js'), 'latin1'))) throw new Error('dist/tspod-main.js has a dynamic import(): require built-ins instead (see src/cli/BaseCommand.ts confirm)');
chmodSync(join(root, 'dist/tspod.js'), 0o755);

// The code cache, trained on --version only: the bundle's top level and the CLI's start.
// Each command's first run writes its own cache, with what it compiles (launcher.cjs);
// what the build's holds, every command reads, so more here makes every command slower.
const scratch = mkdtempSync(join(tmpdir(), 'tspod-cache-'));
const train = [['--version']];
for (const args of train) {
  const r = spawnSync(process.execPath, [join(root, 'dist/tspod.js'), ...args], {env: {...process.env, TSPOD_WRITE_CODE_CACHE: '1', XDG_RUNTIME_DIR: join(scratch, 'run'), HOME: scratch}, encoding: 'utf8'});
  if (r.status !== 0) console.warn(`code cache: \`tspod ${args.join(' ')}\` failed (${r.status}): ${r.stderr.trim().split('\n')[0]}`);
}
rmSync(scratch, {recursive: true, force: true});
