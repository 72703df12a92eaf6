// On a host without delegated cgroup v2 controllers (this one: cgroup v1 hybrid, no
// systemd; CI: no user systemd instance for the test user), every limit flag is refused
// with exit 125, the flag named and the fix printed; nothing is created.
import test from 'ava';
import {readdirSync} from 'node:fs';
import {tempStore} from '../_helpers/runCli';
import {whenAvailable} from '../_helpers/features';
import {detectCgroups} from '../../src/cgroups/detect';

const store = tempStore();
test.after.always(() => store.cleanup());

const FLAGS: Array<[string, string]> = [
  [`--memory`, `64m`], [`--memory-reservation`, `32m`], [`--memory-swap`, `128m`], [`--cpus`, `0.5`],
  [`--cpu-shares`, `512`], [`--cpu-weight`, `100`], [`--cpu-quota`, `50000`], [`--cpu-period`, `100000`], [`--cpuset-cpus`, `0`],
  [`--cpuset-mems`, `0`], [`--pids-limit`, `10`], [`--blkio-weight`, `100`], [`--memory-swappiness`, `10`], [`--kernel-memory`, `64m`],
  [`--cpu-rt-runtime`, `100`],
];

const info = detectCgroups();

whenAvailable(!info.limitsAvailable, `a host without delegated cgroup v2 controllers`)(`every limit flag is refused with exit 125, what is missing and the fix`, async t => {
  for (const [flag, value] of FLAGS) {
    const extra = flag === `--memory-swap` ? [`--memory`, `64m`] : [];
    const r = await store.run([`run`, `--rm`, ...extra, flag, value, `busybox`, `true`]);
    t.is(r.code, 125, `${flag}: ${r.stderr}`);
    t.regex(r.stderr, new RegExp(`${flag}`), flag);
    t.regex(r.stderr, /fix: \S/, `${flag} prints a fix: ${r.stderr}`);
    t.notRegex(r.stderr, /\n\s+at /, `no stack trace for ${flag}`);
  }
  for (const cmd of [[`create`, `--pids-limit`, `5`, `busybox`], [`run`, `--cgroups`, `split`, `busybox`, `true`]]) {
    const r = await store.run(cmd);
    t.is(r.code, 125, `${cmd.join(` `)}: ${r.stderr}`);
    t.regex(r.stderr, /fix: \S/);
  }
  // --cgroup-manager is a global flag, as in podman: before the command or after it.
  for (const cmd of [[`--cgroup-manager`, `bogus`, `run`, `--rm`, `busybox`, `true`], [`run`, `--cgroup-manager=bogus`, `--rm`, `busybox`, `true`]]) {
    const r = await store.run(cmd);
    t.is(r.code, 125, `${cmd.join(` `)}: ${r.stderr}`);
    t.regex(r.stderr, /^Error: invalid --cgroup-manager "bogus"/, cmd.join(` `));
  }
  // Nothing left behind: no container record, no image pulled, no container directories.
  const ps = await store.json([`ps`, `-a`, `--format`, `json`]);
  t.deepEqual(ps, []);
  let entries: Array<string> = [];
  try { entries = readdirSync(store.root).filter(n => n.endsWith(`-containers`)).flatMap(d => readdirSync(`${store.root}/${d}`)).filter(n => /^[0-9a-f]{64}$/.test(n)); } catch {}
  t.deepEqual(entries, []);
});

test(`the refusal names the real reason of this host`, async t => {
  const r = await store.run([`run`, `--rm`, `--memory`, `64m`, `busybox`, `true`]);
  if (info.limitsAvailable) return t.pass();
  t.is(r.code, 125);
  if (info.version === `hybrid` || info.version === `v1`) t.regex(r.stderr, /cgroup v1/);
  else t.regex(r.stderr, /systemd user instance|not delegated/);
});

test(`flags with bad values are refused before anything else`, async t => {
  const r = await store.run([`run`, `--rm`, `--memory`, `lots`, `busybox`, `true`]);
  t.is(r.code, 125);
  t.regex(r.stderr, /invalid size "lots" for --memory/);
});

test(`info reports the cgroup version, manager and delegated controllers`, async t => {
  const i = await store.json([`info`, `--format`, `json`]);
  t.is(i.host.cgroupVersion, info.version);
  t.deepEqual(i.host.cgroupControllers, info.delegatedControllers);
});

test(`stats and update have nothing to act on without containers`, async t => {
  const s = await store.run([`stats`, `--no-stream`, `--format`, `json`, `nosuch`]);
  t.is(s.code, 125);
  t.regex(s.stderr, /no container with name or ID "nosuch"/);
  const u = await store.run([`update`, `--memory`, `64m`, `nosuch`]);
  t.is(u.code, 125);
  t.regex(u.stderr, /no container with name or ID "nosuch"/);
});
