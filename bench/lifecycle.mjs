#!/usr/bin/env node
// Lifecycle verbs, tspod against podman, the image local to both: `exec CTR true`,
// `ps -a` with 20 containers, `logs`, `stop` of a container that exits on SIGTERM, and
// the resident memory of one container monitor (tspod-helper monitor vs conmon). The two
// engines' runs of each verb are interleaved, so a drift in the machine's speed hits both.
// Not a test: `node bench/lifecycle.mjs [runs]` (as root it re-runs itself as tspod-tester).
import {spawnSync, execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, readFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {asTestUser, timeCommand, timeInterleaved, report} from './common.mjs';

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

function engine(name, cli, extraRun = []) {
  const run = args => { const r = sh([...cli, ...args]); if (r.status !== 0) throw new Error(`${name} ${args.join(' ')}: ${r.stderr}`); return r.stdout.trim(); };
  return {name, cli, extraRun, run};
}

/** bx to exec into, and 19 more with 50 lines of log each for ps and logs. */
function setUp(e) {
  e.run(['run', '-d', ...e.extraRun, '--name', 'bx', image, 'sleep', '100000']);
  for (let i = 0; i < 19; i++) e.run(['run', '-d', ...e.extraRun, '--name', `b${i}`, image, 'sh', '-c', 'for i in $(seq 1 50); do echo log line $i; done; sleep 100000']);
}

/** One stop of a container that exits on SIGTERM, timed (its start is not). */
function timedStop(e, i) {
  e.run(['run', '-d', ...e.extraRun, '--name', `s${i}`, image, 'sh', '-c', TERM_SCRIPT]);
  for (let k = 0; k < 100 && !e.run(['logs', `s${i}`]).includes('ready'); k++) spawnSync('sleep', ['0.02']);
  const t0 = process.hrtime.bigint();
  e.run(['stop', `s${i}`]);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const stats = samples => {
  samples.sort((a, b) => a - b);
  return {median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1]};
};

/** Every verb timed with the engines in turn (tspod, podman, tspod, ...): a drift in the machine's speed hits both. */
function suite(engines) {
  for (const e of engines) setUp(e);
  const rows = [];
  const verbs = [['exec bx true', ['exec', 'bx', 'true']], ['ps -a (20 containers)', ['ps', '-a']], ['logs (50 lines)', ['logs', 'b0']]];
  for (const [label, args] of verbs) {
    const results = timeInterleaved(engines.map(e => [...e.cli, ...args]), {runs});
    engines.forEach((e, k) => rows.push({name: `${e.name} ${label}`, ...results[k]}));
  }
  const stops = engines.map(() => []);
  for (let i = 0; i < Math.min(runs, 8); i++) engines.forEach((e, k) => stops[k].push(timedStop(e, i)));
  engines.forEach((e, k) => rows.push({name: `${e.name} stop (exits on SIGTERM)`, ...stats(stops[k])}));
  // Where tspod's exec time goes: the CLI's own load, and the helper's setns + fork + exec.
  const t = engines[0];
  rows.push({name: '  tspod --version (CLI load)', ...timeCommand([join(project, 'dist/tspod.js'), '--version'], {runs})});
  const pid = t.run(['inspect', '--format', '{{.State.Pid}}', 'bx']);
  const tok = (kw, a) => [kw, String(a.length), ...a].map(x => `${x}\0`).join('');
  const planFile = join(base, 'exec-plan');
  execFileSync('sh', ['-c', `cat > ${planFile}`], {input: tok('pid', [pid]) + tok('user', ['0', '0']) + tok('env', ['PATH=/bin:/usr/bin']) + tok('args', ['true'])});
  rows.push({name: '  tspod-helper exec (setns+fork+exec)', ...timeCommand([join(project, 'helpers/tspod-helper'), 'exec', planFile], {runs})});
  const rss = engines.map(e => rssKb(Number(e.run(['inspect', '--format', '{{.State.ConmonPid}}', 'bx']))));
  for (const e of engines) e.run(['rm', '-fa']);
  const median = label => rows.find(r => r.name === label)?.median;
  return {rows, rss, exec: engines.map(e => median(`${e.name} exec bx true`))};
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
  const r = suite([engine('tspod', tspod), ...(hasPodman ? [engine('podman', podman, ['--network', 'none'])] : [])]);
  report(r.rows);
  console.log(`monitor RSS: tspod-helper monitor ${r.rss[0]} kB${hasPodman ? `, conmon ${r.rss[1]} kB` : ''}`);
  if (hasPodman) {
    const ratio = label => (r.rows.find(x => x.name === `tspod ${label}`).median / r.rows.find(x => x.name === `podman ${label}`).median).toFixed(2);
    console.log(`tspod / podman: exec ${ratio('exec bx true')}x (aim: at most 0.35x), ps ${ratio('ps -a (20 containers)')}x, logs ${ratio('logs (50 lines)')}x, stop ${ratio('stop (exits on SIGTERM)')}x (aim: below 1)`);
  }
} finally {
  sh([...tspod, 'rm', '-fa']);
  if (hasPodman) sh([...podman, 'rm', '-fa', '-t', '0']);
  await registry.stop();
  spawnSync(join(project, 'helpers/tspod-helper'), ['userns', '--', 'rm', '-rf', base], {stdio: 'ignore'});
  if (hasPodman) spawnSync('podman', ['unshare', 'rm', '-rf', join(base, 'podman')], {stdio: 'ignore'});
  rmSync(base, {recursive: true, force: true});
  rmSync(podmanRun, {recursive: true, force: true});
}
