// Runs in the guest VM only (test/_harness/vm.mjs): cgroup v2, systemd as PID 1 and a
// user@1001.service that delegates cpu cpuset io memory pids. The memory and cpu limits,
// stats, update and pause, as the unprivileged user (pids and io: limits.test.ts).
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {SEEDED} from '../_helpers/registry';
import {TSPOD_BIN} from '../_helpers/project';
import {cgroupDir, LONG, read, sleep, store, waitFor} from './_guest';

const IMG = SEEDED.busyboxGlibc;

async function inspect(name: string): Promise<any> {
  return (await store.json([`inspect`, name], LONG))[0];
}

const usage = (dir: string) => Number(/usage_usec (\d+)/.exec(read(dir, `cpu.stat`))![1]);

test.serial(`info reports cgroup v2, the systemd manager and the delegated controllers`, async t => {
  const info = await store.json([`info`, `--format`, `json`], LONG);
  t.is(info.host.cgroupVersion, `v2`);
  t.is(info.host.cgroupManager, `systemd`);
  for (const c of [`cpu`, `memory`, `pids`]) t.true(info.host.cgroupControllers.includes(c), JSON.stringify(info.host.cgroupControllers));
});

test.serial(`--memory 64m: a 200 MB allocation is OOM-killed (137) and inspect says OOMKilled`, async t => {
  const r = await store.run([`run`, `--name`, `oom`, `--network`, `none`, `--memory`, `64m`, IMG, `sh`, `-c`, `head -c 200m /dev/zero | tail >/dev/null`], LONG);
  t.is(r.code, 137, r.stderr);
  // The hook's watcher saves memory.events once the cgroup is empty (polled every 0.3 s).
  const i = await waitFor(async () => {
    const c = await inspect(`oom`);
    return c.State.OOMKilled ? c : undefined;
  }, 20_000) ?? await inspect(`oom`);
  t.true(i.State.OOMKilled, JSON.stringify(i.State));
  t.is(i.HostConfig.Memory, 64 * 1024 * 1024);
  const ok = await store.run([`run`, `--rm`, `--network`, `none`, `--memory`, `64m`, IMG, `sh`, `-c`, `head -c 20m /dev/zero | tail | wc -c`], LONG);
  t.is(ok.code, 0, ok.stderr);
  t.is(ok.stdout.trim(), String(20 * 1024 * 1024));
});

test.serial(`--cpus 0.5 holds a busy loop near 50% (cpu.stat); stats, update and pause work on it`, async t => {
  const run = await store.run([`run`, `-d`, `--name`, `busy`, `--network`, `none`, `--cpus`, `0.5`, `--memory`, `96m`, IMG, `sh`, `-c`, `while :; do :; done`], LONG);
  t.is(run.code, 0, run.stderr);
  try {
    const pid = (await inspect(`busy`)).State.Pid as number;
    t.true(pid > 0);
    const dir = cgroupDir(pid);
    t.regex(dir, /tspod-[0-9a-f]{12}-\d+\.scope\/container$/);
    t.is(read(dir, `cpu.max`), `50000 100000`);
    t.is(read(dir, `memory.max`), String(96 * 1024 * 1024));
    const stat0 = read(dir, `cpu.stat`), u0 = usage(dir), w0 = Date.now();
    await sleep(6000);
    const stat1 = read(dir, `cpu.stat`);
    const share = (usage(dir) - u0) / ((Date.now() - w0) * 1000);
    const field = (text: string, k: string) => Number(new RegExp(`${k} (\\d+)`).exec(text)![1]);
    const periods = field(stat1, `nr_periods`) - field(stat0, `nr_periods`);
    const throttled = field(stat1, `nr_throttled`) - field(stat0, `nr_throttled`);
    t.log(`cpu share over 6 s: ${share.toFixed(3)}; throttled in ${throttled} of ${periods} periods`);
    t.true(share > 0.3 && share < 0.6, `cpu share ${share}`);
    // The loop wants a whole CPU: the quota, not a lack of CPU, is what holds it back.
    t.true(periods >= 30 && throttled >= periods / 2, `throttled in ${throttled} of ${periods} periods`);

    const stats = await store.json([`stats`, `--no-stream`, `--format`, `json`, `busy`], LONG);
    t.is(stats.length, 1);
    const s = stats[0];
    t.log(JSON.stringify(s));
    t.true(s.CPU > 20 && s.CPU < 70, `CPU ${s.CPU}`);
    t.true(s.MemUsage > 0);
    t.is(s.MemLimit, 96 * 1024 * 1024);
    t.true(s.PIDs >= 1);
    t.is(typeof s.BlockInput, `number`);
    t.is(typeof s.NetInput, `number`);

    const up = await store.run([`update`, `--memory`, `128m`, `--cpus`, `0.25`, `busy`], LONG);
    t.is(up.code, 0, up.stderr);
    t.is(read(dir, `memory.max`), String(128 * 1024 * 1024));
    t.is(read(dir, `cpu.max`), `25000 100000`);

    const p = await store.run([`pause`, `busy`], LONG);
    t.is(p.code, 0, p.stderr);
    t.regex(read(dir, `cgroup.events`), /frozen 1/);
    const paused = await inspect(`busy`);
    t.is(paused.State.Status, `paused`);
    t.is(paused.HostConfig.Memory, 128 * 1024 * 1024, `update is recorded`);
    t.is(paused.HostConfig.NanoCpus, 250_000_000);
    const f0 = usage(dir);
    await sleep(1500);
    t.true(usage(dir) - f0 < 20000, `a frozen container used ${usage(dir) - f0} us of CPU`);
    const u = await store.run([`unpause`, `busy`], LONG);
    t.is(u.code, 0, u.stderr);
    t.regex(read(dir, `cgroup.events`), /frozen 0/);
    const g0 = usage(dir);
    await sleep(1500);
    t.true(usage(dir) - g0 > 100000, `the thawed container did not run`);
  } finally {
    await store.run([`rm`, `-f`, `-t`, `0`, `busy`], LONG);
  }
});

test.serial(`a cgroup namespace of its own (podman's default on v2): / in /proc/self/cgroup, its limits read-only in /sys/fs/cgroup; exec joins its cgroup`, async t => {
  const fg = await store.run([`run`, `--rm`, `--network`, `none`, `--memory`, `64m`, IMG, `sh`, `-c`, `cat /proc/self/cgroup /sys/fs/cgroup/memory.max; touch /sys/fs/cgroup/x 2>/dev/null && echo writable || echo read-only`], LONG);
  t.is(fg.code, 0, fg.stderr);
  t.is(fg.stdout, `0::/\n${64 * 1024 * 1024}\nread-only\n`);
  const r = await store.run([`run`, `-d`, `--name`, `cgns`, `--network`, `none`, `--memory`, `96m`, IMG, `sleep`, `1000`], LONG);
  t.is(r.code, 0, r.stderr);
  try {
    const c = await inspect(`cgns`);
    t.is(c.HostConfig.CgroupMode, `private`);
    const dir = cgroupDir(c.State.Pid);
    t.is(read(dir, `memory.max`), String(96 * 1024 * 1024));
    // From a scope of the user's systemd instance (a user unit's place), exec moves its
    // command into the container's cgroup itself, as runc exec does.
    const scoped = spawnSync(`systemd-run`, [`--user`, `--scope`, `-q`, process.execPath, TSPOD_BIN, `exec`, `cgns`, `sh`, `-c`, `cat /proc/self/cgroup /sys/fs/cgroup/memory.max`], {encoding: `utf8`, timeout: 480_000});
    t.is(scoped.status, 0, scoped.stderr);
    t.is(scoped.stdout, `0::/\n${96 * 1024 * 1024}\n`, scoped.stderr);
    // From the login session (a root-owned slice between the two cgroups), systemd moves it.
    const session = await store.run([`exec`, `cgns`, `cat`, `/proc/self/cgroup`, `/proc/1/cgroup`], LONG);
    t.is(session.stdout, `0::/\n0::/\n`, session.stderr);
  } finally {
    await store.run([`rm`, `-f`, `-t`, `0`, `cgns`], LONG);
  }
});
