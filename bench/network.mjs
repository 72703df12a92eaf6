#!/usr/bin/env node
// Network throughput through a published port, tspod against podman, per backend and
// with --network host: a 64 MiB download (median of BENCH_RUNS, default 3, after one
// warm-up download, MB/s) and 300 small requests (one connection each, total ms). The
// summary compares each engine's backend with podman and with tspod's own --network host
// (the ceiling for a published port on this machine). Not a test: run it by hand as an unprivileged user
// with an image both engines already have:
//   TSPOD_BENCH_IMAGE=busybox:1.37.0-glibc PODMAN_BENCH_IMAGE=busybox:1.37.0-glibc node bench/network.mjs
// TSPOD_BENCH_ARGS / PODMAN_BENCH_ARGS add global flags (e.g. `--root /x --runroot /y`;
// `--runtime runc` where crun refuses a hybrid cgroup host); a missing engine or
// backend is reported and skipped. podman before 4.4 has no pasta: tspod's pasta is
// then compared with podman's slirp4netns.
import {spawn, spawnSync} from 'node:child_process';
import {createServer} from 'node:net';
import http from 'node:http';
import {join} from 'node:path';
import {existsSync} from 'node:fs';

const tspodBin = join(new URL('..', import.meta.url).pathname, 'dist/tspod.js');
const tspodArgs = (process.env.TSPOD_BENCH_ARGS ?? '').split(' ').filter(Boolean);
const ENGINES = {
  tspod: {argv: [tspodBin, ...tspodArgs], image: process.env.TSPOD_BENCH_IMAGE ?? 'busybox:1.37.0-glibc'},
  podman: {argv: ['podman', ...(process.env.PODMAN_BENCH_ARGS ?? '').split(' ').filter(Boolean)], image: process.env.PODMAN_BENCH_IMAGE ?? 'busybox:1.37.0-glibc'},
};
const MODES = (process.env.BENCH_MODES ?? 'pasta,slirp4netns,host').split(',');
const SMALL = Number(process.env.BENCH_SMALL ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

const freePort = () => new Promise(res => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});
const sleep = ms => new Promise(res => setTimeout(res, ms));

function get(port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({host: '127.0.0.1', port, path, agent: false}, res => {
      let n = 0;
      res.on('data', d => { n += d.length; });
      res.on('end', () => res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`)));
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
  });
}

async function waitUp(port, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`container exited ${child.exitCode}: ${child.errText}`);
    try { await get(port, '/small'); return; } catch { await sleep(100); }
  }
  throw new Error('server never answered');
}

async function measure(engine, mode) {
  const e = ENGINES[engine];
  const port = await freePort();
  const inner = mode === 'host' ? port : 80;
  const name = `netbench-${engine}-${mode}-${process.pid}`;
  // The container ends when its stdin closes (`read`), so no engine verb is needed to stop it.
  const script = `mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/big bs=1M count=64 2>/dev/null && echo ok > /tmp/www/small && httpd -p ${inner} -h /tmp/www && read x`;
  const args = ['run', '--rm', '-i', '--name', name, '--network', mode, ...(mode === 'host' ? [] : ['-p', `127.0.0.1:${port}:80`]), e.image, 'sh', '-c', script];
  const child = spawn(e.argv[0], [...e.argv.slice(1), ...args], {stdio: ['pipe', 'ignore', 'pipe']});
  child.errText = '';
  child.stderr.on('data', d => { child.errText += d; });
  try {
    await waitUp(port, child);
    // Warm-up: the file was just written (writeback) and new connections start cold.
    await get(port, '/big');
    const speeds = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = process.hrtime.bigint();
      const n = await get(port, '/big');
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (n !== 64 << 20) throw new Error(`short download: ${n}`);
      speeds.push(64 * 1.048576 / s);
    }
    speeds.sort((a, b) => a - b);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < SMALL; i++) await get(port, '/small');
    const smallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return {mbps: speeds[Math.floor(speeds.length / 2)], smallMs};
  } finally {
    child.stdin.end();
    const done = child.exitCode !== null ? Promise.resolve() : new Promise(res => child.once('exit', res));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    await done;
    clearTimeout(timer);
  }
}

const available = engine => engine === 'tspod' ? existsSync(tspodBin) : spawnSync('podman', ['--version'], {stdio: 'ignore'}).status === 0;

const results = {};
for (const mode of MODES) {
  for (const engine of Object.keys(ENGINES)) {
    if (!available(engine)) { console.log(`${engine}: not available, skipped`); continue; }
    try {
      results[`${engine}/${mode}`] = await measure(engine, mode);
      const r = results[`${engine}/${mode}`];
      console.log(`${`${engine} --network ${mode}`.padEnd(32)} 64 MiB ${r.mbps.toFixed(0).padStart(6)} MB/s   ${SMALL} requests ${r.smallMs.toFixed(0).padStart(6)} ms`);
    } catch (err) {
      console.log(`${`${engine} --network ${mode}`.padEnd(32)} failed: ${err.message.split('\n')[0]}`);
    }
  }
}
console.log('');
for (const mode of MODES) {
  const t = results[`tspod/${mode}`];
  // podman before 4.4 has no pasta: compare with its rootless default, slirp4netns.
  const pk = results[`podman/${mode}`] ? `podman/${mode}` : (mode === 'pasta' && results['podman/slirp4netns'] ? 'podman/slirp4netns' : undefined);
  if (!t || !pk) continue;
  const p = results[pk];
  console.log(`tspod ${mode.padEnd(12)} vs ${pk.padEnd(19)} throughput ${(t.mbps / p.mbps).toFixed(2)}x   small-request time ${(t.smallMs / p.smallMs).toFixed(2)}x (lower is better)`);
}
const host = results['tspod/host'];
for (const key of Object.keys(results)) {
  if (!host || key.endsWith('/host')) continue;
  const r = results[key];
  console.log(`${key.padEnd(24)} vs tspod/host       throughput ${(r.mbps / host.mbps).toFixed(2)}x   small-request time ${(r.smallMs / host.smallMs).toFixed(2)}x`);
}
