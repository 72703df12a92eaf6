#!/usr/bin/env node
// `tspod run --rm alpine true` against `podman run --rm --network none alpine true`,
// the image local to both, in one run; then where tspod's time goes. Not a test:
// run it by hand as an unprivileged user with subordinate ids (as root it re-runs
// itself as tspod-tester): `node bench/run.mjs [runs]`.
//
// The commands are interleaved (tspod, podman, tspod, …) so that load from other
// processes hits both alike; CPU time (user+sys of the command and the children it
// waited for) is printed next to wall time because it is far less sensitive to a
// busy machine. Goal (the issue): tspod ≤ 0.35 × podman.
import {spawnSync, execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, existsSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {asTestUser} from './common.mjs';

const project = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const runs = Number(process.argv[2] ?? 15);
const GOAL = 0.35;

await asTestUser(join(project, 'bench/run.mjs'), [String(runs)]);

/** CPU time (ms) of the children this process has waited for: /proc/self/stat cutime + cstime. */
const TICK_MS = 1000 / Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim() || 100);
function childCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return (Number(f[13]) + Number(f[14])) * TICK_MS; // fields 16 and 17: cutime, cstime
}

function once(argv, {stderr = false} = {}) {
  const c0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), {stdio: ['ignore', 'ignore', stderr ? 'pipe' : 'ignore'], encoding: 'utf8'});
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}${r.stderr ? `: ${r.stderr}` : ''}`);
  return {wall, cpu: childCpuMs() - c0, stderr: r.stderr};
}

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs each named argv `runs` times (after one warm-up), interleaved. */
function interleaved(cases) {
  const out = Object.fromEntries(cases.map(([name]) => [name, {wall: [], cpu: []}]));
  for (let i = 0; i <= runs; i++) {
    for (const [name, argv] of cases) {
      // Work a run leaves behind (podman's cleanup processes, a pasta exiting) lands before the next sample, not in it.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
      const s = once(argv);
      if (i === 0) continue;
      out[name].wall.push(s.wall);
      out[name].cpu.push(s.cpu);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, {median: median(v.wall), min: Math.min(...v.wall), cpu: median(v.cpu)}]));
}

function report(rows) {
  for (const [name, r] of rows)
    console.log(`${name.padEnd(46)} median ${r.median.toFixed(1).padStart(7)} ms  (min ${r.min.toFixed(1).padStart(6)})  cpu ${r.cpu.toFixed(0).padStart(4)} ms`);
}

const {startSeededRegistry} = await import(join(project, 'test/_harness/registry.mjs'));
const registry = await startSeededRegistry({imagesDir: process.env.TSPOD_SHARED_IMAGES || join(project, '../shared/images')});
const image = `${registry.address}/library/alpine:3.20.3`;
const base = mkdtempSync(join(tmpdir(), 'tspod-bench-'));
const tspod = [join(project, 'dist/tspod.js'), '--root', join(base, 'tspod/root'), '--runroot', join(base, 'tspod/run')];
// podman refuses a runroot longer than 50 characters.
const podmanRun = mkdtempSync('/tmp/pbr-');
const podman = ['podman', '--root', join(base, 'podman/root'), '--runroot', podmanRun, '--storage-driver', 'overlay'];
const hasPodman = spawnSync('podman', ['--version']).status === 0;

try {
  execFileSync(tspod[0], [...tspod.slice(1), 'pull', '--tls-verify=false', image], {stdio: ['ignore', 'ignore', 'inherit']});
  if (hasPodman) {
    execFileSync(podman[0], [...podman.slice(1), 'pull', '-q', '--tls-verify=false', image], {stdio: ['ignore', 'ignore', 'inherit']});
    // crun refuses cgroup v1 hybrid hosts ("drop all controllers from cgroupv2"): fall back to runc.
    if (spawnSync(podman[0], [...podman.slice(1), 'run', '--rm', '--network', 'none', image, 'true']).status !== 0) {
      podman.push('--runtime', 'runc');
      console.log('podman: crun fails on this host, using --runtime runc');
    }
  }

  const RUN = 'tspod run --rm alpine true';
  const PODMAN = 'podman run --rm --network none alpine true';
  const cases = [
    [RUN, [...tspod, 'run', '--rm', image, 'true']],
    ['tspod run --rm --network none alpine true', [...tspod, 'run', '--rm', '--network', 'none', image, 'true']],
  ];
  if (hasPodman) cases.push([PODMAN, [...podman, 'run', '--rm', '--network', 'none', image, 'true']]);
  const main = interleaved(cases);
  report(Object.entries(main));
  if (hasPodman) {
    const ratio = main[RUN].median / main[PODMAN].median;
    const ratioNone = main['tspod run --rm --network none alpine true'].median / main[PODMAN].median;
    console.log(`ratio tspod / podman: ${ratio.toFixed(2)}x (--network none on both: ${ratioNone.toFixed(2)}x; cpu ${(main[RUN].cpu / main[PODMAN].cpu).toFixed(2)}x; goal ${GOAL}x)`);
  } else {
    console.log('podman not installed: no ratio');
  }

  // Where the time goes.
  console.log('\nbreakdown:');
  const helper = join(project, 'helpers/tspod-helper');
  const floor = interleaved([
    ['  node -e 0 (Node startup)', [process.execPath, '-e', '0']],
    ['  tspod --version (CLI load, no command)', [join(project, 'dist/tspod.js'), '--version']],
    ['  tspod volume ls (CLI + one small command)', [...tspod, 'volume', 'ls']],
    ...(existsSync(helper) ? [['  tspod-helper userns -- true (userns+maps)', [helper, 'userns', '--', 'true']]] : []),
  ]);
  report(Object.entries(floor));

  // The run's phases, from `--log-level debug` (ms since the process started; see engine/verbs/run.ts).
  const marks = {};
  const totals = [];
  for (let i = 0; i <= runs; i++) {
    const s = once([...tspod, '--log-level', 'debug', 'run', '--rm', image, 'true'], {stderr: true});
    if (i === 0) continue;
    totals.push(s.wall);
    for (const m of s.stderr.matchAll(/timing: (\w+) ([\d.]+) ms/g)) (marks[m[1]] ??= []).push(Number(m[2]));
  }
  const names = Object.keys(marks);
  if (names.length === 0) {
    console.log('  (no `timing:` lines from --log-level debug)');
  } else {
    const what = {
      cli: 'Node start, bundle, argument parsing',
      store: 'open store, find image, sweep',
      prepare: 'container record, layer, init files, spec',
      container: 'helper: namespaces, maps, network, mounts, the command',
      cleanup: '--rm: record, userdata and layer removed, store closed',
    };
    let prev = 0;
    for (const n of names) {
      const at = median(marks[n]);
      console.log(`  ${n.padEnd(10)} ${(at - prev).toFixed(1).padStart(7)} ms  (at ${at.toFixed(1)})  ${what[n] ?? ''}`);
      prev = at;
    }
    console.log(`  ${'exit'.padEnd(10)} ${(median(totals) - prev).toFixed(1).padStart(7)} ms  (of ${median(totals).toFixed(1)} wall; the rest is process exit and the bench's spawn)`);
  }
} finally {
  await registry.stop();
  spawnSync(join(project, 'helpers/tspod-helper'), ['userns', '--', 'rm', '-rf', base], {stdio: 'ignore'});
  if (hasPodman) spawnSync('podman', ['unshare', 'rm', '-rf', join(base, 'podman')], {stdio: 'ignore'});
  rmSync(base, {recursive: true, force: true});
  rmSync(podmanRun, {recursive: true, force: true});
}
