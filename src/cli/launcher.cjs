#!/bin/sh
':' //; [ -z "$NODE_EXTRA_CA_CERTS" ] || { export TSPOD_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS; }; exec node "$0" "$@"
'use strict';
// The line above is for sh, and a string and a comment for JavaScript. Node parses the whole
// NODE_EXTRA_CA_CERTS bundle with its own roots before any script runs (40 ms a command
// with Debian's ca-certificates, more than a third of Node's start): tspod takes the file
// over as TSPOD_EXTRA_CA_CERTS and reads it only for a registry's TLS (image/http.ts).
// tspod's entry point. Startup is most of a tspod command's time, and parsing the
// bundled CLI (dist/tspod-main.js) was a large share of it: V8's code cache for the
// bundle (dist/tspod-main.js.cache, written at build time) lets it skip that work.
// A cache V8 rejects (another Node) only costs the parse it would have done anyway.
const {closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync} = require('node:fs');
const {join} = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const file = join(__dirname, 'tspod-main.js');
const cacheFile = `${file}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {}
// A real `import()` left in the bundle (a Node built-in) must work as it does under require.
const script = new vm.Script(Module.wrap(source(file)), {filename: file, cachedData, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER});
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
mod.exports.runCli(process.argv.slice(2));

/**
 * The bundle's text, read 64 KiB at a time through one small buffer. readFileSync would
 * put all of it (0.7 MB) in a fresh Buffer before copying it into the string, and touching
 * that much new memory costs more than reading it (page faults: 3 ms a command measured in
 * a VM); this way only the string pays it. latin1: the bundle is ASCII (esbuild escapes
 * the rest; scripts/build.mjs checks), and a one-byte string needs no UTF-8 decoding.
 */
function source(path) {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    let text = '';
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) text += buf.toString('latin1', 0, n);
    return text;
  } finally {
    closeSync(fd);
  }
}
