// The cgroup hook's shell, run against a plain folder standing in for a cgroup (the
// real thing is exercised in the guest: test/guest/cgroups.test.ts).
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {cgroupfsHook, hookControllersIndex, systemdHook, oomScoreHook} from '../../src/cgroups/hook';

test(`the hook places the pid, enables controllers and writes the limit files`, async t => {
  const parent = mkdtempSync(join(tmpdir(), `tspod-hook-`));
  try {
    const base = join(parent, `tspod-abc`);
    mkdirSync(join(parent, `supervisor`));
    mkdirSync(base);
    writeFileSync(join(base, `cgroup.controllers`), `cpu memory pids\n`);
    const argv = cgroupfsHook(base, {files: [`memory.max=67108864`, `pids.max=10`, `?memory.swap.max=1`], controllers: [`memory`, `pids`], eventsFile: join(parent, `events`)})
      .map(a => a === `@PID@` ? `4242` : a);
    // fd 3 is where the helper waits for "ok"
    const r = spawnSync(argv[0]!, argv.slice(1), {stdio: [`ignore`, `pipe`, `pipe`, `pipe`], encoding: `utf8`});
    t.is(r.status, 0, r.stderr);
    t.is(r.output[3]?.toString().trim(), `ok`);
    t.is(readFileSync(join(base, `container/cgroup.procs`), `utf8`), `4242\n`);
    t.is(readFileSync(join(base, `container/memory.max`), `utf8`), `67108864\n`);
    t.is(readFileSync(join(base, `container/pids.max`), `utf8`), `10\n`);
    t.false(existsSync(join(base, `container/memory.swap.max`)), `optional files are written only where they exist`);
    t.regex(readFileSync(join(base, `cgroup.subtree_control`), `utf8`), /^\+/);
  } finally {
    await new Promise(r => setTimeout(r, 1000)); // the watcher leaves once the (fake) cgroup reads empty
    rmSync(parent, {recursive: true, force: true, maxRetries: 5});
  }
});

test(`hook arguments: controllers and files sit where update finds them`, t => {
  const r = {files: [`memory.max=1`], controllers: [`memory`], eventsFile: `/e`};
  const s = systemdHook(`tspod-x`, r), f = cgroupfsHook(`/b`, r);
  t.is(s[hookControllersIndex(s)], `memory`);
  t.is(s[hookControllersIndex(s) + 1], `memory.max=1`);
  t.is(f[hookControllersIndex(f)], `memory`);
  t.is(hookControllersIndex(oomScoreHook(5)), -1);
  for (const a of [s, f]) t.is(spawnSync(`sh`, [`-n`, `-c`, a[2]!]).status, 0, `shell syntax`);
});
