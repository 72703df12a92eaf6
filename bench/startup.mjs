#!/usr/bin/env node
// Startup cost: `tspod --version` against `node -e 0`, the floor any Node CLI pays.
// Not a test: run it by hand (`node bench/startup.mjs`) and read the ratio.
import {join} from 'node:path';
import {timeCommand, report} from './common.mjs';

const tspod = join(new URL('..', import.meta.url).pathname, 'dist/tspod.js');
const node = timeCommand([process.execPath, '-e', '0']);
const version = timeCommand([tspod, '--version']);
const info = timeCommand([tspod, 'info', '--format', 'json'], {runs: 15});
report([
  {name: 'node -e 0', ...node},
  {name: 'tspod --version', ...version},
  {name: 'tspod info --format json', ...info},
]);
console.log(`ratio tspod --version / node -e 0: ${(version.median / node.median).toFixed(2)}x (aim: at most 1.3x)`);
