#!/usr/bin/env node
// Lifecycle verbs, tspod against podman, the image local to both: `exec CTR true`,
// `ps -a` with 20 containers, `logs`, `stop` of a container that exits on SIGTERM, and
// the resident memory of one container monitor (tspod-helper monitor vs conmon).
// Not a test: `node bench/lifecycle.mjs [runs]` (as root it re-runs itself as tspod-tester).
import {spawnSync, execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {asTestUser, timeCommand, report} from './common.mjs';

const project = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const runs = Number(process.argv[2] ?? 15);

await asTestUser(join(project, 'bench/lifecycle.mjs'), [String(runs)]);

const {startSeededRegistry} = await import(join(project, 'test/_harness/registry.mjs'));
const registry = await startSeededRegistry({imagesDir: process.env.TSPOD_SHARED_IMAGES || join(project, '../shared/images')});
const image = `${registry.address}/library/alpine:3.20.3`;
const base = mkdtempSync(join(tmpdir(), 'tspod-bench-'));
const tspod = [join(project, 'dist/tspod.js'), '--root', join(base, 'tspod/root'), '--runroot', join(base, 'tspod/run')];
const podmanRun = mkdtempSync('/tmp/pbr-');
const podman = ['podman', '--root', join(base, 'podman/root'), '--runroot', podmanRun, '--storage-driver', 'overlay'];
let hasPodman = spawnSync('podman', ['--version']).status === 0;

const sh = (argv, opts = {}) => spawnSync(argv[0], argv.slice(1), {encoding: 'utf8', ...opts});
const rssKb = pid => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const TERM_SCRIPT = `trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done`;

function suite(name, cli, extraRun = []) {
  const rows = [];
  const run = args => { const r = sh([...cli, ...args]); if (r.status !== 0) throw new Error(`${name} ${args.join(' ')}: ${r.stderr}`); return r.stdout.trim(); };
  run(['run', '-d', ...extraRun, '--name', 'bx', image, 'sleep', '100000']);
  rows.push({name: `${name} exec bx true`, ...timeCommand([...cli, 'exec', 'bx', 'true'], {runs})});
  if (name === 'tspod') {
    // Where exec's time goes: the CLI's own load, and the helper's setns + fork + exec.
    rows.push({name: '  tspod --version (CLI load)', ...timeCommand([join(project, 'dist/tspod.js'), '--version'], {runs})});
    const pid = run(['inspect', '--format', '{{.State.Pid}}', 'bx']);
    const tok = (kw, a) => [kw, String(a.length), ...a].map(x => `${x}\0`).join('');
    const planFile = join(base, 'exec-plan');
    execFileSync('sh', ['-c', `cat > ${planFile}`], {input: tok('pid', [pid]) + tok('user', ['0', '0']) + tok('env', ['PATH=/bin:/usr/bin']) + tok('args', ['true'])});
    rows.push({name: '  tspod-helper exec (setns+fork+exec)', ...timeCommand([join(project, 'helpers/tspod-helper'), 'exec', planFile], {runs})});
  }
  for (let i = 0; i < 19; i++) run(['run', '-d', ...extraRun, '--name', `b${i}`, image, 'sh', '-c', 'for i in $(seq 1 50); do echo log line $i; done; sleep 100000']);
  rows.push({name: `${name} ps -a (20 containers)`, ...timeCommand([...cli, 'ps', '-a'], {runs})});
  rows.push({name: `${name} logs (50 lines)`, ...timeCommand([...cli, 'logs', 'b0'], {runs})});
  // stop of a container that exits on SIGTERM: each sample starts a fresh one (not timed).
  const samples = [];
  for (let i = 0; i < Math.min(runs, 8); i++) {
    run(['run', '-d', ...extraRun, '--name', `s${i}`, image, 'sh', '-c', TERM_SCRIPT]);
    for (let k = 0; k < 100 && !run(['logs', `s${i}`]).includes('ready'); k++) spawnSync('sleep', ['0.02']);
    const t0 = process.hrtime.bigint();
    run(['stop', `s${i}`]);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  samples.sort((a, b) => a - b);
  rows.push({name: `${name} stop (exits on SIGTERM)`, median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1]});
  const monitorPid = Number(run(['inspect', '--format', '{{.State.ConmonPid}}', 'bx']));
  const rss = rssKb(monitorPid);
  run(['rm', '-fa']);
  return {rows, rss, exec: rows[0].median};
}

try {
  execFileSync(tspod[0], [...tspod.slice(1), 'pull', '--tls-verify=false', image], {stdio: ['ignore', 'ignore', 'inherit']});
  if (hasPodman) {
    execFileSync(podman[0], [...podman.slice(1), 'pull', '-q', '--tls-verify=false', image], {stdio: ['ignore', 'ignore', 'inherit']});
    if (sh([...podman, 'run', '--rm', '--network', 'none', image, 'true']).status !== 0) {
      podman.push('--runtime', 'runc');
      console.log('podman: crun fails on this host, using --runtime runc');
      if (sh([...podman, 'run', '--rm', '--network', 'none', image, 'true']).status !== 0) { hasPodman = false; console.log('podman cannot run containers here: no comparison'); }
    }
  }
  const t = suite('tspod', tspod);
  const p = hasPodman ? suite('podman', podman, ['--network', 'none']) : undefined;
  report([...t.rows, ...(p?.rows ?? [])]);
  console.log(`monitor RSS: tspod-helper monitor ${t.rss} kB${p ? `, conmon ${p.rss} kB` : ''}`);
  if (p) console.log(`exec ratio tspod / podman: ${(t.exec / p.exec).toFixed(2)}x (aim: at most 0.35x)`);
} finally {
  sh([...tspod, 'rm', '-fa']);
  if (hasPodman) sh([...podman, 'rm', '-fa', '-t', '0']);
  await registry.stop();
  spawnSync(join(project, 'helpers/tspod-helper'), ['userns', '--', 'rm', '-rf', base], {stdio: 'ignore'});
  if (hasPodman) spawnSync('podman', ['unshare', 'rm', '-rf', join(base, 'podman')], {stdio: 'ignore'});
  rmSync(base, {recursive: true, force: true});
  rmSync(podmanRun, {recursive: true, force: true});
}
