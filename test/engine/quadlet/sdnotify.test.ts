// --sdnotify: the relay of a container's notifications (quadlet/sdnotify.ts) on real
// AF_UNIX datagram sockets; a bound socket of the test stands in for systemd's. The
// whole path under a real systemd --user is in test/guest/sdnotify.test.ts.
import test from 'ava';
import {closeSync, mkdtempSync, openSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {applySdNotify, notifyDetached, notifyDir, openRelay, usesRelay} from '../../../src/engine/quadlet/sdnotify';
import {listenNotify, sdNotify} from '../../../src/sys/notify';
import type {RuntimeSpec} from '../../../src/oci/runtimeSpec';

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function fixture(t: {teardown(fn: () => void): void}) {
  const dir = mkdtempSync(join(tmpdir(), `tspod-sdnotify-`));
  const systemd = listenNotify(join(dir, `systemd.sock`));
  t.teardown(() => {
    systemd.close();
    rmSync(dir, {recursive: true, force: true});
  });
  const userdata = join(dir, `userdata`);
  return {dir, systemd, userdata, socket: join(dir, `systemd.sock`), inner: join(notifyDir(userdata), `notify.sock`)};
}

async function receive(rx: {drain(): Array<string>}, want: number): Promise<Array<string>> {
  const got: Array<string> = [];
  for (let i = 0; i < 100 && got.length < want; i++) {
    got.push(...rx.drain());
    if (got.length < want) await sleep(20);
  }
  return got;
}

test(`container mode binds a folder of the container's own, never the manager's folder`, t => {
  const f = fixture(t);
  const spec = {process: {env: [`PATH=/bin`, `NOTIFY_SOCKET=/elsewhere`]}, mounts: []} as unknown as RuntimeSpec;
  applySdNotify(spec, `container`, `/run/user/1001/systemd/notify`, f.userdata);
  t.deepEqual(spec.mounts, [{destination: `/run/notify`, type: `bind`, source: notifyDir(f.userdata), options: [`bind`, `rprivate`]}]);
  t.deepEqual(spec.process.env, [`PATH=/bin`, `NOTIFY_SOCKET=/run/notify/notify.sock`]);
  t.true(usesRelay(spec));
  const conmon = {process: {env: []}, mounts: []} as unknown as RuntimeSpec;
  applySdNotify(conmon, `conmon`, `/run/user/1001/systemd/notify`, f.userdata);
  t.deepEqual(conmon.mounts, []);
  t.false(usesRelay(conmon));
});

test(`the relay forwards what the container sends, without MAINPID, and sees READY=1`, async t => {
  const f = fixture(t);
  const errors: Array<unknown> = [];
  const relay = await openRelay(f.socket, f.userdata, e => errors.push(e));
  t.teardown(() => relay.close());
  t.is((statSync(f.inner).mode & 0o777), 0o777, `any container user may send`);
  let ready = false;
  void relay.ready.then(() => { ready = true; });
  sdNotify(f.inner, `STATUS=starting\nMAINPID=1\n`);
  await sleep(300);
  t.deepEqual(f.systemd.drain(), [], `nothing is relayed before start()`);
  relay.start();
  t.deepEqual(await receive(f.systemd, 1), [`STATUS=starting\n`]);
  t.false(ready);
  sdNotify(f.inner, `MAINPID=7`); // nothing left to relay
  sdNotify(f.inner, `READY=1\nSTATUS=up`);
  t.deepEqual(await receive(f.systemd, 1), [`READY=1\nSTATUS=up\n`]);
  await relay.ready;
  t.deepEqual(f.systemd.drain(), []);
  relay.close();
  t.throws(() => sdNotify(f.inner, `READY=1`), {message: /ENOENT|ECONNREFUSED/});
  t.deepEqual(errors, []);
});

test(`a socket path longer than sun_path (a store deep in a home folder) is bound all the same`, async t => {
  const f = fixture(t);
  const deep = join(f.dir, `x`.repeat(60), `y`.repeat(60));
  const relay = await openRelay(f.socket, deep, () => undefined);
  t.teardown(() => relay.close());
  const inner = join(notifyDir(deep), `notify.sock`);
  t.true(inner.length > 108);
  t.true(statSync(inner).isSocket());
  relay.start();
  // A container reaches it at /run/notify/notify.sock; here, through the folder's fd.
  const dirFd = openSync(notifyDir(deep), `r`);
  t.teardown(() => closeSync(dirFd));
  sdNotify(`/proc/self/fd/${dirFd}/notify.sock`, `READY=1`);
  t.deepEqual(await receive(f.systemd, 1), [`READY=1\n`]);
});

test(`run -d: conmon mode hands the unit to the monitor with READY=1; container mode waits for the container`, async t => {
  const f = fixture(t);
  await notifyDetached(f.socket, `conmon`, 4242, undefined, () => true);
  t.deepEqual(await receive(f.systemd, 1), [`MAINPID=4242\nREADY=1\n`]);
  await notifyDetached(f.socket, `ignore`, 4242, undefined, () => true);
  t.deepEqual(f.systemd.drain(), []);

  const relay = await openRelay(f.socket, f.userdata, () => undefined);
  t.teardown(() => relay.close());
  let done = false;
  const p = notifyDetached(f.socket, `container`, 4243, relay, () => true).then(() => { done = true; });
  t.deepEqual(await receive(f.systemd, 1), [`MAINPID=4243\n`]);
  await sleep(300);
  t.false(done, `run -d waits for the container's READY=1`);
  sdNotify(f.inner, `READY=1`);
  await p;
  t.deepEqual(await receive(f.systemd, 1), [`READY=1\n`]);

  // A container that stops before it is ready: run -d returns.
  let alive = true;
  const relay2 = await openRelay(f.socket, join(f.dir, `ud2`), () => undefined);
  t.teardown(() => relay2.close());
  const q = notifyDetached(f.socket, `container`, 4244, relay2, () => alive);
  setTimeout(() => { alive = false; }, 300);
  await q;
  t.deepEqual(await receive(f.systemd, 1), [`MAINPID=4244\n`]);
});
