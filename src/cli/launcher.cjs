#!/bin/sh
':' //; [ -z "$NODE_EXTRA_CA_CERTS" ] || { export TSPOD_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
'use strict';
// The line above is for sh, and a string and a comment for JavaScript. Node parses the whole
// NODE_EXTRA_CA_CERTS bundle with its own roots before any script runs (40 ms a command
// with Debian's ca-certificates, more than a third of Node's start): tspod takes the file
// over as TSPOD_EXTRA_CA_CERTS and reads it only for a registry's TLS (image/http.ts).
// tspod's entry point. Startup is most of a tspod command's time, and parsing the
// bundled CLI (dist/tspod-main.js) was a large share of it: V8's code cache for the
// bundle lets it skip that work. A cache holds what a command compiled, and reading it
// costs in proportion to its size: so the build's cache (dist/tspod-main.js.cache) holds
// only what --version compiles, and each command (its first word) gets its own in the
// user's cache directory, written at the end of its first run (the build has no image
// to run `run` or `exec` on) and read instead of the build's from then on. A cache V8
// rejects (another Node) only costs the parse it would have done anyway, and is written
// again.
const {closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync} = require('node:fs');
const {join} = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const file = join(__dirname, 'tspod-main.js');
const cacheFile = `${file}.cache`;
const argv = process.argv.slice(2);
const userCache = userCacheFor(commandWord(argv));
let cachedData = userCache && readOwnCache(userCache);
const fromUser = cachedData !== undefined;
cachedData ??= readOrUndefined(cacheFile);
// A real `import()` left in the bundle (a Node built-in) must work as it does under require.
// The build wrapped the bundle in CommonJS's function already (scripts/build.mjs): a
// wrap here would make a second 0.7 MB string, and young-generation garbage collections
// (two scavenges, ~9 ms a command here) to make room for it. latin1: the bundle is ASCII
// (the build checks), and a one-byte string needs no UTF-8 decoding.
const script = new vm.Script(readFileSync(file, 'latin1'), {filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER});
const mod = new Module(file, module);
mod.filename = file;
mod.paths = Module._nodeModulePaths(__dirname);
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, __dirname);

// `TSPOD_WRITE_CODE_CACHE=1` (scripts/build.mjs): save the cache once the command ran,
// so it holds the functions a command compiles, not just the top level.
if (process.env.TSPOD_WRITE_CODE_CACHE === '1')
  process.on('exit', () => {
    writeFileSync(`${cacheFile}.tmp`, script.createCachedData());
    renameSync(`${cacheFile}.tmp`, cacheFile);
  });
else if (userCache && (!fromUser || script.cachedDataRejected) && mod.exports.trainsCodeCache(argv)) {
  const save = () => saveUserCache(userCache);
  process.on('exit', save);
  // exec becomes the helper (execve): no exit event comes (sys/execve.ts emits this).
  process.once('tspod-before-execve', save);
}
mod.exports.runCli(argv);

function readOrUndefined(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * A user cache is code tspod runs: read only from a directory and a file this user owns
 * that nobody else may write (XDG_CACHE_HOME may point somewhere shared).
 */
function readOwnCache(cache) {
  try {
    if (!ownedAndPrivate(statSync(cache.dir))) return undefined;
    const fd = openSync(cache.path, 'r');
    try {
      return ownedAndPrivate(fstatSync(fd)) ? readFileSync(fd) : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function ownedAndPrivate(st) {
  return st.uid === process.getuid() && (st.mode & 0o022) === 0;
}

// Global options that take a value (as src/cli/commandLine.ts's GLOBAL_WITH_VALUE): skipped to
// find the command. A wrong guess only picks a less fitting cache.
function commandWord(args) {
  for (let i = 0; i < args.length; i++) {
    if (['--root', '--runroot', '--storage-driver', '--log-level', '--runtime', '--cgroup-manager'].includes(args[i])) i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return undefined;
}

/**
 * `$XDG_CACHE_HOME/tspod/code-<command>-<size>-<mtime>.bin`; written only for a real
 * command (trainsCodeCache, asked once the bundle is loaded), so a typo or help leaves no file. The
 * bundle's size and mtime name the build: V8 checks only a cache's source length and
 * flags, and a cache from another build of the same length would be accepted.
 */
function userCacheFor(word) {
  if (word === undefined || !/^[a-z][a-z0-9-]{0,31}$/.test(word)) return undefined;
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? join(process.env.HOME, '.cache') : '');
  if (!base.startsWith('/')) return undefined;
  try {
    const st = statSync(file);
    const dir = join(base, 'tspod');
    return {word, dir, prefix: `code-${word}-`, path: join(dir, `code-${word}-${st.size}-${Math.trunc(st.mtimeMs)}.bin`)};
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only leaves the next run as slow as this one. */
function saveUserCache(cache) {
  try {
    mkdirSync(cache.dir, {recursive: true, mode: 0o700});
    if (!ownedAndPrivate(statSync(cache.dir))) return;
    const tmp = `${cache.path}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), {mode: 0o600});
    renameSync(tmp, cache.path);
    // The same command's caches of other builds: the two written last stay (two installs
    // used in turn must not keep replacing each other's), older ones go.
    const mine = readdirSync(cache.dir).filter(name => name.startsWith(cache.prefix))
      .map(name => ({name, path: join(cache.dir, name), mtime: statSync(join(cache.dir, name)).mtimeMs}));
    const others = mine.filter(f => f.name.endsWith('.bin') && f.path !== cache.path).sort((a, b) => b.mtime - a.mtime);
    for (const old of others.slice(2)) unlinkSync(old.path);
    // A temp file older than a minute: its writer was killed.
    for (const f of mine) if (f.name.endsWith('.tmp') && f.mtime < Date.now() - 60_000) unlinkSync(f.path);
  } catch {}
}
