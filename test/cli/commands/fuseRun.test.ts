// Containers on a store made with --storage-driver fuse-overlayfs (the fallback when
// native overlay cannot be mounted in a user namespace): run, run -d, exec, a restart,
// commit, rm -f and --rm end to end with the built-in runtime; the fuse-overlayfs daemon
// lives exactly as long as its container, outside it, and none is left afterwards.
import test from 'ava';
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import {registriesEnv} from '../../_helpers/imageEnv';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {whenAvailable} from '../../_helpers/features';
import {runtimeAvailability} from '../../../src/runtime/ociRuntime';

const ALPINE = SEEDED.alpine;
const env = registriesEnv([REGISTRY]);
const fuseInstalled = existsSync(`/dev/fuse`) && (() => {
  try {
    execFileSync(`fuse-overlayfs`, [`--version`], {stdio: `ignore`});
    return true;
  } catch {
    return false;
  }
})();
const fuseTest = whenAvailable(fuseInstalled, `fuse-overlayfs and /dev/fuse (apt-get install fuse-overlayfs)`);
let s: TempStore;
const t = (args: Array<string>) => s.run([`--storage-driver`, `fuse-overlayfs`, ...args], {env});

/** The fuse-overlayfs processes of this user serving this store (pid and command line). */
function daemons(): Array<{pid: number, cmdline: string}> {
  const out: Array<{pid: number, cmdline: string}> = [];
  for (const p of readdirSync(`/proc`)) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmdline = readFileSync(`/proc/${p}/cmdline`, `utf8`).split(`\0`).join(` `);
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/status`, `utf8`))?.[1];
      // The daemon itself (a monitor's exit command also names the driver and the store).
      if (uid === String(process.getuid!()) && /(^|\/)fuse-overlayfs$/.test(cmdline.split(` `)[0]!) && cmdline.includes(s.root)) out.push({pid: Number(p), cmdline});
    } catch {}
  }
  return out;
}

/** The daemons exit when the kernel drops their mount, just after the container is gone. */
async function noDaemonLeft(): Promise<Array<{pid: number, cmdline: string}>> {
  for (let i = 0; i < 50 && daemons().length > 0; i++) await sleep(100);
  return daemons();
}

test.before(async () => {
  if (!fuseInstalled && !process.env.CI) return;
  s = tempStore();
  const r = await t([`pull`, ALPINE]);
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
});
test.after.always(async () => {
  if (!s) return;
  await t([`rm`, `-fa`, `-t`, `0`]);
  s.cleanup();
});

fuseTest.serial(`fuse-overlayfs: run, run -d, exec, restart, commit, rm -f and --rm; no daemon outlives its container`, async tt => {
  const r = await t([`run`, `--rm`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo on-fuse; grep -c '^[^ ]* [^ ]* [^ ]* [^ ]* / .* - fuse' /proc/self/mountinfo; touch /written; ps -o comm | grep -c fuse-overlayfs || true`]);
  tt.is(r.code, 0, r.stderr);
  tt.is(r.stdout, `on-fuse\n1\n0\n`, `the root is a FUSE mount, and its daemon is not in the container`);
  tt.deepEqual(await noDaemonLeft(), [], `--rm: the daemon is gone with the container`);
  const k = await t([`run`, `--rm`, `--userns`, `keep-id`, `--network`, `none`, ALPINE, `sh`, `-c`, `id -u; touch /tmp/k && echo wrote`]);
  tt.is(k.stdout, `${process.getuid!()}\nwrote\n`, `--userns keep-id: the daemon is root of the namespace all the same: ${k.stderr}`);
  const ro = await t([`run`, `--rm`, `--read-only`, `--network`, `none`, `-v`, `fvol:/etc/apk`, ALPINE, `sh`, `-c`, `touch /x 2>/dev/null || echo ro; ls /etc/apk | grep -c keys`]);
  tt.is(ro.stdout, `ro\n1\n`, `a read-only FUSE root; a new volume filled from it: ${ro.stderr}`);

  const rd = await t([`run`, `-d`, `--name`, `fd`, `--network`, `none`, ALPINE, `sleep`, `1000`]);
  tt.is(rd.code, 0, rd.stderr);
  tt.is(daemons().length, 1, `one daemon per running container`);
  tt.false(readFileSync(`/proc/self/mountinfo`, `utf8`).includes(s.root), `the mount is the container's only`);
  const e = await t([`exec`, `fd`, `sh`, `-c`, `echo made > /made; cat /made; test -e /written || echo fresh`]);
  tt.is(e.stdout, `made\nfresh\n`, e.stderr);
  tt.is((await t([`exec`, `--user`, `1000`, `fd`, `sh`, `-c`, `echo x > /tmp/u && cat /tmp/u`])).stdout, `x\n`, `another user of the container reaches the root too`);
  tt.is((await t([`stop`, `-t`, `0`, `fd`])).code, 0);
  tt.deepEqual(await noDaemonLeft(), [], `stop: the daemon is gone`);
  tt.is((await t([`start`, `fd`])).code, 0);
  tt.is((await t([`exec`, `fd`, `cat`, `/made`])).stdout, `made\n`, `kept across a restart`);
  tt.is(daemons().length, 1);

  // commit reads the layer directory itself, whatever is mounted.
  tt.is((await t([`exec`, `fd`, `sh`, `-c`, `rm /etc/motd; mkdir -p /opt/x && echo c > /opt/x/f; rm -r /etc/apk && mkdir /etc/apk && touch /etc/apk/only`])).code, 0);
  const d = await t([`diff`, `fd`]);
  tt.is(d.code, 0, d.stderr);
  tt.regex(d.stdout, /^D \/etc\/motd$/m);
  tt.regex(d.stdout, /^A \/opt\/x\/f$/m);
  // cp out of the container reads the stacked layers: fuse-overlayfs's opaque marker hides the image's /etc/apk.
  const out = join(s.root, `..`, `cp-out`);
  const cp = await t([`cp`, `fd:/etc/apk`, out]);
  tt.is(cp.code, 0, cp.stderr);
  tt.deepEqual(readdirSync(out), [`only`]);
  const c = await t([`commit`, `fd`, `fused:1`]);
  tt.is(c.code, 0, c.stderr);
  const r2 = await t([`run`, `--rm`, `--network`, `none`, `fused:1`, `sh`, `-c`, `cat /made /opt/x/f; test -e /etc/motd || echo gone; ls /etc/apk`]);
  tt.is(r2.stdout, `made\nc\ngone\nonly\n`, r2.stderr);

  // kill -9 of the container's process: its daemon goes with it.
  const pid = Number((await t([`inspect`, `--format`, `{{.State.Pid}}`, `fd`])).stdout.trim());
  tt.true(pid > 0);
  process.kill(pid, `SIGKILL`);
  tt.deepEqual(await noDaemonLeft(), [], `kill -9: the daemon is gone`);
  tt.is((await t([`start`, `fd`])).code, 0);
  tt.is(daemons().length, 1);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `fd`])).code, 0);
  tt.deepEqual(await noDaemonLeft(), [], `rm -f: the daemon is gone`);
});

fuseTest.serial(`fuse-overlayfs: a restart policy mounts the root again for each start, the writes kept`, async tt => {
  const rd = await t([`run`, `-d`, `--name`, `fr`, `--restart`, `on-failure:2`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo run >> /count; exit 3`]);
  tt.is(rd.code, 0, rd.stderr);
  let state = ``;
  for (let i = 0; i < 100; i++) {
    state = (await t([`inspect`, `--format`, `{{.State.Status}} {{.RestartCount}}`, `fr`])).stdout.trim();
    if (state === `exited 2`) break;
    await sleep(100);
  }
  tt.is(state, `exited 2`);
  const out = join(s.root, `..`, `count`);
  tt.is((await t([`cp`, `fr:/count`, out])).code, 0);
  tt.is(readFileSync(out, `utf8`), `run\nrun\nrun\n`);
  tt.deepEqual(await noDaemonLeft(), []);
  tt.is((await t([`rm`, `fr`])).code, 0);
});

fuseTest.serial(`fuse-overlayfs: create then start -a`, async tt => {
  const cr = await t([`create`, `--name`, `fc`, `--network`, `none`, ALPINE, `sh`, `-c`, `echo created`]);
  tt.is(cr.code, 0, cr.stderr);
  const st = await t([`start`, `-a`, `fc`]);
  tt.is(st.code, 0, st.stderr);
  tt.is(st.stdout, `created\n`);
  tt.is((await t([`rm`, `fc`])).code, 0);
  tt.deepEqual(await noDaemonLeft(), []);
});

whenAvailable(fuseInstalled && runtimeAvailability(`runc`, process.env.PATH).available, `fuse-overlayfs and runc`).serial(`fuse-overlayfs: --runtime runc is refused before anything is made`, async tt => {
  const r = await t([`run`, `--rm`, `--runtime`, `runc`, `--network`, `none`, ALPINE, `true`]);
  tt.is(r.code, 125);
  tt.regex(r.stderr, /--runtime runc with the fuse-overlayfs storage driver is not supported/);
  tt.regex(r.stderr, /drop --runtime/);
  tt.is((await t([`ps`, `-aq`])).stdout, ``);
});
