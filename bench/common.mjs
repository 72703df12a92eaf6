// Shared by the benchmarks: time a command over repeated runs, report the median.
import {execFileSync, spawnSync} from 'node:child_process';
import {chmodSync, mkdtempSync, rmSync} from 'node:fs';
import {join} from 'node:path';

const project = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/**
 * As root: runs `script` again as the unprivileged test user (created if needed) with a
 * fresh home and its runtime dir, and exits with its status. Otherwise returns.
 */
export async function asTestUser(script, args = []) {
  if (process.getuid() !== 0) return;
  const {ensureTestUser} = await import(join(project, 'test/_harness/testUser.mjs'));
  const user = ensureTestUser();
  const home = mkdtempSync('/var/tmp/tspod-bench-home-');
  execFileSync('chown', [`${user.uid}:${user.gid}`, home]);
  const runtimeDir = `/run/user/${user.uid}`;
  execFileSync('mkdir', ['-p', runtimeDir]);
  execFileSync('chown', [`${user.uid}:${user.gid}`, runtimeDir]);
  chmodSync(runtimeDir, 0o700);
  const r = spawnSync('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '--reset-env', 'env',
    `PATH=${process.env.PATH}`, `HOME=${home}`, `XDG_RUNTIME_DIR=${runtimeDir}`, `USER=${user.name ?? 'tspod-tester'}`, `TMPDIR=${home}`,
    process.execPath, script, ...args], {stdio: 'inherit', cwd: home});
  rmSync(home, {recursive: true, force: true});
  process.exit(r.status ?? 1);
}

export function timeCommand(argv, {runs = 30, warmup = 3, env} = {}) {
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), {stdio: 'ignore', env: env ?? process.env});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
    if (i >= warmup) samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return {median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples[samples.length - 1]};
}

/**
 * Times several commands in turn (A, B, A, B, ...) so that whatever else loads the
 * machine, or a drift in its speed, hits them alike; one result per command. A pause
 * before each lets work a command leaves behind (podman's exec and run leave conmon and
 * cleanup processes running) finish before the next one is timed.
 */
export function timeInterleaved(argvs, {runs = 30, warmup = 3, pauseMs = 250} = {}) {
  const samples = argvs.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    argvs.forEach((argv, k) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, pauseMs);
      const t0 = process.hrtime.bigint();
      const r = spawnSync(argv[0], argv.slice(1), {stdio: 'ignore'});
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
      if (i >= warmup) samples[k].push(ms);
    });
  }
  return samples.map(s => {
    s.sort((a, b) => a - b);
    return {median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1]};
  });
}

export function report(rows) {
  for (const r of rows) console.log(`${r.name.padEnd(40)} median ${r.median.toFixed(1).padStart(7)} ms  (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})`);
}
