// The launcher runs the bundle with V8's code cache: a cache V8 rejects would
// silently bring back the parse it exists to save.
import test from 'ava';
import type {ExecutionContext} from 'ava';
import {spawnSync} from 'node:child_process';
import {chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import vm from 'node:vm';
import {join} from 'node:path';
import {PROJECT_DIR, TSPOD_BIN} from '../_helpers/project';

test(`the build's code cache is accepted by this Node`, t => {
  const file = join(PROJECT_DIR, `dist/tspod-main.js`);
  const script = new vm.Script(readFileSync(file, `latin1`), {filename: file, cachedData: readFileSync(`${file}.cache`), importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER});
  t.false(script.cachedDataRejected);
});

test(`the bundle holds no real import(): in a function restored from the code cache it has no callback`, t => {
  // scripts/build.mjs refuses such a bundle too; this says why when someone loosens that.
  const file = join(PROJECT_DIR, `dist/tspod-main.js`);
  t.notRegex(readFileSync(file, `latin1`), /[^\w$.]import\(/);
});

// Startup is most of a command's time: these built-ins cost 3 to 8 ms each to load, and a
// command that reads no stdin, hashes nothing and spawns no terminal needs none of them
// (scripts/clipanionPatches.mjs, util/randomBytes.ts, oci/digest.ts, sys/libc.ts).
function loadedBy(t: ExecutionContext, args: Array<string>, status = 0): Array<string> {
  const dir = mkdtempSync(join(tmpdir(), `tspod-startup-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const preload = join(dir, `modules.cjs`);
  // fs.writeSync: process.stderr would itself load node:net (a pipe) and node:stream.
  writeFileSync(preload, `process.on('exit', () => require('fs').writeSync(2, 'MODULES ' + JSON.stringify([...process.moduleLoadList, ...Object.keys(require.cache), ...require('fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map(l => l.split(' ').pop())]) + '\\n'));\n`);
  const store = args[0] === `--version` ? [] : [`--root`, join(dir, `root`), `--runroot`, join(dir, `run`)];
  const r = spawnSync(process.execPath, [`-r`, preload, TSPOD_BIN, ...store, ...args], {encoding: `utf8`, stdio: [`ignore`, `pipe`, `pipe`]});
  t.is(r.status, status, r.stderr);
  const line = r.stderr.split(`\n`).find(l => l.startsWith(`MODULES `));
  t.truthy(line, r.stderr);
  return JSON.parse(line!.slice(`MODULES `.length)) as Array<string>;
}

test(`images loads neither node:tty, node:crypto, koffi nor the stdin stream`, t => {
  const loaded = loadedBy(t, [`images`]);
  for (const m of [`NativeModule tty`, `NativeModule crypto`, `NativeModule internal/fs/streams`]) t.false(loaded.includes(m), `${m} was loaded`);
  // Reading the store's indexes takes no flock (JsonIndex.read), so no koffi (5 ms).
  t.false(loaded.some(k => k.includes(`koffi`)), `koffi was loaded`);
});

test(`a generated name (here a pod's, as a container's without --name) loads no node:crypto: ~6 ms of every run`, t => {
  t.false(loadedBy(t, [`pod`, `create`, `--infra=false`]).includes(`NativeModule crypto`));
});

test(`ps -a loads no koffi, and a command that locks does, directly (one dlopen) and not through koffi's index`, t => {
  t.false(loadedBy(t, [`ps`, `-a`]).some(k => k.includes(`koffi`)), `ps -a loaded koffi`);
  const locking = loadedBy(t, [`system`, `check`]);
  t.false(locking.some(k => k.includes(`koffi/src/koffi/index.cjs`)), `koffi's index.cjs was loaded`);
  t.true(locking.some(k => k.endsWith(`/koffi.node`)), `koffi's native module is mapped`);
});

// Commands write through src/cli/stdio.ts, not process.stdout (whose creation loads
// node:stream, and node:net for a pipe); the store loads node:child_process when it spawns,
// and node:fs/promises (with readline and the fs watchers) only when it calls it
// (util/fsp.ts), which images does here, as it makes the store.
for (const args of [[`--version`], [`ps`, `-a`], [`images`]]) {
  test(`${args.join(` `)} loads no node:stream, node:net, node:tty or node:child_process`, t => {
    const loaded = loadedBy(t, args);
    const unwanted = [`stream`, `net`, `tty`, `child_process`, ...(args[0] === `images` ? [] : [`fs/promises`, `internal/fs/promises`, `internal/readline/interface`])];
    for (const m of unwanted) t.false(loaded.includes(`NativeModule ${m}`), `node:${m} was loaded`);
  });
}

test(`pull with stdout not a terminal never creates the stdin stream (it could not prompt anyway)`, t => {
  // Nothing listens on port 9: the pull fails, after the point where it would have asked.
  const loaded = loadedBy(t, [`pull`, `--tls-verify=false`, `127.0.0.1:9/nothing/here`], 125);
  for (const m of [`NativeModule tty`, `NativeModule internal/fs/streams`]) t.false(loaded.includes(m), `${m} was loaded`);
});

test(`a command writes its own code cache once, which V8 accepts, keeping two other builds'; --version, a typo and help write none`, t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-user-cache-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const cacheDir = join(dir, `cache/tspod`);
  mkdirSync(cacheDir, {recursive: true});
  // Three other builds' caches, written 3, 2 and 1 hours ago: the oldest goes; and a
  // temp file an hour old, left by a writer that was killed, goes too.
  for (const [h, name] of [[3, `code-inspect-1-3.bin`], [2, `code-inspect-1-2.bin`], [1, `code-inspect-1-1.bin`], [1, `code-inspect-1-1.bin.1234.tmp`]] as const) {
    const p = join(cacheDir, name);
    writeFileSync(p, `another build's`);
    const when = new Date(Date.now() - h * 3600_000);
    utimesSync(p, when, when);
  }
  const inspect = () => spawnSync(TSPOD_BIN, [`--root`, join(dir, `root`), `--runroot`, join(dir, `run`), `inspect`, `nothing`], {env: {PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, `cache`)}, encoding: `utf8`});
  t.is(inspect().status, 125);
  const names = readdirSync(cacheDir).sort();
  t.deepEqual(names.filter(n => n.startsWith(`code-inspect-1-`)), [`code-inspect-1-1.bin`, `code-inspect-1-2.bin`]);
  const own = names.filter(n => !n.startsWith(`code-inspect-1-`));
  t.is(own.length, 1, names.join(` `));
  t.regex(own[0]!, /^code-inspect-\d+-\d+\.bin$/);
  const path = join(cacheDir, own[0]!);
  const file = join(PROJECT_DIR, `dist/tspod-main.js`);
  const script = new vm.Script(readFileSync(file, `latin1`), {filename: file, cachedData: readFileSync(path), importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER});
  t.false(script.cachedDataRejected);
  const written = statSync(path).mtimeMs;
  t.is(inspect().status, 125);
  t.is(statSync(path).mtimeMs, written, `a cache that was used is not written again`);
  // --version is the build cache's, and a typo is no command: nothing more in the user's.
  spawnSync(TSPOD_BIN, [`--version`], {env: {PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, `cache`)}});
  t.is(spawnSync(TSPOD_BIN, [`inspekt`, `x`], {env: {PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, `cache`)}}).status, 125);
  // Nor help: the word's cache would then hold what the listing compiled, not the command.
  t.is(spawnSync(TSPOD_BIN, [`image`], {env: {PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, `cache`)}}).status, 125);
  t.is(spawnSync(TSPOD_BIN, [`ps`, `--help`], {env: {PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, `cache`)}}).status, 0);
  t.deepEqual(readdirSync(cacheDir).sort(), names);
});

test(`a user code cache others could write is neither read nor kept: it is replaced, and in a directory others may write none is written`, t => {
  const dir = mkdtempSync(join(tmpdir(), `tspod-user-cache-`));
  t.teardown(() => rmSync(dir, {recursive: true, force: true}));
  const env = {PATH: process.env.PATH, HOME: dir, XDG_CACHE_HOME: join(dir, `cache`)};
  const inspect = () => spawnSync(TSPOD_BIN, [`--root`, join(dir, `root`), `--runroot`, join(dir, `run`), `inspect`, `nothing`], {env, encoding: `utf8`});
  t.is(inspect().status, 125);
  const cacheDir = join(dir, `cache/tspod`);
  const [name] = readdirSync(cacheDir);
  const path = join(cacheDir, name!);
  // A valid cache, but writable by others: had it been read, V8 would accept it and it would stay.
  chmodSync(path, 0o666);
  t.is(inspect().status, 125);
  t.is(statSync(path).mode & 0o777, 0o600, `replaced by this user's own`);
  rmSync(cacheDir, {recursive: true});
  mkdirSync(cacheDir, {mode: 0o777});
  chmodSync(cacheDir, 0o777);
  t.is(inspect().status, 125);
  t.deepEqual(readdirSync(cacheDir), []);
});
