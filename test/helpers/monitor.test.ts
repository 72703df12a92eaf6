// `tspod-helper monitor` and `exec`, driven directly: the protocol of helpers/README.md
// (status fd, exit file, state file, k8s-file log, attach frames, stop marker, restart
// policy, exit command), its resident memory and the fds the container gets.
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {connect} from 'node:net';
import {join} from 'node:path';
import {userInfo} from 'node:os';
import test from 'ava';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';
import type {RuntimeSpec} from '../../src/oci/runtimeSpec';
import {resolveCapabilities} from '../../src/runtime/capabilities';
import {encodePlan} from '../../src/runtime/plan';
import {defaultMounts, specToPlan} from '../../src/runtime/specToPlan';
import {canUserns, removeTree, subordinateRange, tempDir, unpackAlpine} from './_support';

const it = whenAvailable(canUserns, `an unprivileged user with /etc/subuid ranges and newuidmap`);

let work = ``;
let rootfs = ``;
let n = 0;
test.before(() => {
  if (!canUserns) return;
  work = tempDir(`tspod-mon-`);
  rootfs = unpackAlpine(work);
});
test.after.always(() => { if (work) removeTree(work); });

function spec(dir: string, args: Array<string>): RuntimeSpec {
  const me = userInfo();
  const uids = subordinateRange(`/etc/subuid`)!;
  const gids = subordinateRange(`/etc/subgid`)!;
  const caps = resolveCapabilities();
  mkdirSync(join(dir, `merged`), {recursive: true});
  return {
    ociVersion: `1.0.2`,
    root: {path: join(dir, `merged`)},
    process: {args, cwd: `/`, user: {uid: 0, gid: 0}, env: [`PATH=/usr/bin:/bin:/usr/sbin:/sbin`], capabilities: {bounding: caps, effective: caps, permitted: caps}},
    mounts: defaultMounts(),
    linux: {
      namespaces: [{type: `pid`}, {type: `mount`}, {type: `uts`}, {type: `ipc`}, {type: `network`}, {type: `user`}],
      uidMappings: [{containerID: 0, hostID: me.uid, size: 1}, {containerID: 1, hostID: uids.start, size: uids.count}],
      gidMappings: [{containerID: 0, hostID: me.gid, size: 1}, {containerID: 1, hostID: gids.start, size: gids.count}],
    },
  };
}

interface Mon {dir: string, files: Record<string, string>, status: Promise<Array<any>>, pid: number}

function monitor(args: Array<string>, extra: Array<string> = []): Mon {
  const dir = join(work, `c${n++}`);
  mkdirSync(dir);
  const files = {plan: join(dir, `plan`), exit: join(dir, `exit`), pid: join(dir, `pidfile`), stop: join(dir, `stopped`), state: join(dir, `state`), log: join(dir, `ctr.log`), sock: join(dir, `a.sock`)};
  const plan = specToPlan(spec(dir, args), {rootfsMount: {type: `bind`, source: rootfs}, statusFd: 3, pidFile: files.pid});
  writeFileSync(files.plan, Buffer.concat([encodePlan(plan), Buffer.from(`detach\x000\x00`)]));
  const child = spawn(HELPER_BIN, [`monitor`, `--plan`, files.plan, `--exit-file`, files.exit, `--pid-file`, files.pid, `--stop-marker`, files.stop,
    `--state-file`, files.state, `--log`, files.log, `--socket`, files.sock, `--status-fd`, `3`, ...extra], {detached: true, stdio: [`ignore`, `ignore`, `ignore`, `pipe`]});
  const status = new Promise<Array<any>>(resolve => {
    let s = ``;
    child.stdio[3]!.on(`data`, d => { s += d; });
    child.stdio[3]!.on(`end`, () => resolve(s.split(`\n`).filter(Boolean).map(l => JSON.parse(l))));
  });
  child.unref();
  return {dir, files, status, pid: child.pid!};
}

async function exitOf(m: Mon, ms = 10_000): Promise<any> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      return JSON.parse(readFileSync(m.files.exit, `utf8`));
    } catch {}
    await new Promise(r => setTimeout(r, 20));
  }
  throw new Error(`no exit file`);
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

it(`status fd says the pid; the log is k8s-file; the exit file is written atomically`, async t => {
  const m = monitor([`sh`, `-c`, `echo out; echo err >&2; printf tail; exit 3`]);
  const [st] = await m.status;
  t.true(st.pid > 0);
  const ex = await exitOf(m);
  t.is(ex.exitCode, 3);
  t.regex(ex.finishedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d$/);
  const log = readFileSync(m.files.log, `utf8`);
  t.regex(log, /^\S+ stdout F out\n/m);
  t.regex(log, /^\S+ stderr F err\n/m);
  t.regex(log, /^\S+ stdout P tail\n/m);
  t.false(readdirSync(m.dir).some(f => f.includes(`.tmp-`)));
});

it(`a command that is not found: the helper's error and 127 on the status fd`, async t => {
  const m = monitor([`/nope`]);
  const lines = await m.status;
  t.is(lines[0].stage, `exec`);
  t.is(lines.find(l => `exitCode` in l).exitCode, 127);
  t.is((await exitOf(m)).exitCode, 127);
});

it(`the monitor is small, outlives its parent and the container gets only fds 0-2`, async t => {
  const m = monitor([`sleep`, `100`]);
  const [st] = await m.status;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${m.pid}/status`, `utf8`))![1]);
  t.true(rss < 1024, `monitor RSS ${rss} kB`);
  t.deepEqual(readdirSync(`/proc/${st.pid}/fd`).sort(), [`0`, `1`, `2`]);
  t.is(readFileSync(`/proc/${st.pid}/status`, `utf8`).match(/PPid:\s+(\d+)/)![1], String(m.pid));
  writeFileSync(m.files.stop, ``);
  process.kill(st.pid, `SIGKILL`);
  t.is((await exitOf(m)).exitCode, 137);
  for (let i = 0; i < 100 && alive(m.pid); i++) await new Promise(r => setTimeout(r, 20));
  t.false(existsSync(m.files.sock));
});

it(`attach frames: output out, input in, exit code last`, async t => {
  const m = monitor([`sh`, `-c`, `read x; echo got:$x; exit 4`], [`--stdin`]);
  await m.status;
  const sock = connect(m.files.sock);
  await new Promise(r => sock.once(`connect`, r));
  const frames: Array<[number, Buffer]> = [];
  let buf = Buffer.alloc(0);
  const done = new Promise<void>(resolve => sock.on(`data`, d => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 5 && buf.length >= 5 + buf.readUInt32BE(1)) {
      frames.push([buf[0]!, buf.subarray(5, 5 + buf.readUInt32BE(1))]);
      buf = buf.subarray(5 + buf.readUInt32BE(1));
      if (frames[frames.length - 1]![0] === 3) resolve();
    }
  }));
  const data = Buffer.from(`hi\n`);
  const h = Buffer.alloc(5);
  h.writeUInt32BE(data.length, 1);
  sock.write(Buffer.concat([h, data]));
  await done;
  t.is(Buffer.concat(frames.filter(f => f[0] === 1).map(f => f[1])).toString(), `got:hi\n`);
  t.is(frames[frames.length - 1]![1].readInt32BE(0), 4);
  sock.destroy();
});

it(`after the exit frame the monitor half-closes: a client still writing gets no EPIPE`, async t => {
  // `echo hello | tspod attach` sends close-stdin once its stdin ends, often after the
  // container is gone; a socket closed under it made node drop the queued frames.
  const m = monitor([`sh`, `-c`, `read x; echo got:$x; exit 5`], [`--stdin`]);
  await m.status;
  const sock = connect({path: m.files.sock, allowHalfOpen: true});
  await new Promise(r => sock.once(`connect`, r));
  let buf = Buffer.alloc(0);
  sock.on(`data`, d => { buf = Buffer.concat([buf, d]); });
  sock.on(`error`, () => undefined); // reported by the write below
  const ended = new Promise(r => sock.once(`end`, r));
  const stdin = Buffer.from(`hello\n`);
  const h = Buffer.alloc(5);
  h.writeUInt32BE(stdin.length, 1);
  sock.write(Buffer.concat([h, stdin]));
  await ended; // the monitor has sent everything and shut down its side
  const late = await new Promise<Error | null | undefined>(r => sock.write(Buffer.from([4, 0, 0, 0, 0]), r));
  t.is(late ?? undefined, undefined, `write after the exit frame: ${late?.message}`);
  const frames: Array<[number, Buffer]> = [];
  for (let o = 0; o + 5 <= buf.length; o += 5 + buf.readUInt32BE(o + 1)) frames.push([buf[o]!, buf.subarray(o + 5, o + 5 + buf.readUInt32BE(o + 1))]);
  t.is(Buffer.concat(frames.filter(f => f[0] === 1).map(f => f[1])).toString(), `got:hello\n`);
  t.deepEqual(frames.slice(-1).map(f => [f[0], f[1].readInt32BE(0)]), [[3, 5]]);
  sock.destroy();
  // The client gone, the monitor finishes at once (no waiting out its bound).
  for (let i = 0; i < 100 && alive(m.pid); i++) await new Promise(r => setTimeout(r, 20));
  t.false(alive(m.pid));
});

it(`restart on-failure:2: three runs, the state file counts restarts`, async t => {
  const m = monitor([`sh`, `-c`, `echo run; exit 1`], [`--restart`, `on-failure:2`]);
  await m.status;
  for (let i = 0; i < 200 && alive(m.pid); i++) await new Promise(r => setTimeout(r, 20));
  t.false(alive(m.pid));
  const ex = JSON.parse(readFileSync(m.files.exit, `utf8`));
  t.is(ex.exitCode, 1);
  t.is(ex.restartCount, 2);
  t.is(readFileSync(m.files.log, `utf8`).match(/ F run$/gm)!.length, 3);
});

it(`the exit command runs after the final exit`, async t => {
  const marker = join(work, `exit-cmd-ran`);
  const m = monitor([`true`], [`--exit-cmd`, `/bin/sh`, `--exit-cmd`, `-c`, `--exit-cmd`, `echo ok > ${marker}`]);
  await m.status;
  await exitOf(m);
  for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise(r => setTimeout(r, 20));
  t.is(readFileSync(marker, `utf8`), `ok\n`);
});

const health = (cmd: string, ms = 200) => [`--health-interval`, String(ms), ...[`/bin/sh`, `-c`, cmd].flatMap(a => [`--health-cmd`, a])];
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

it(`the health command runs every interval, one at a time, with /dev/null stdio and no other fd; the monitor stays small`, async t => {
  const runs = join(work, `health-runs`);
  // Each run takes longer than the interval: a second one would overlap if started on the clock.
  const m = monitor([`sleep`, `100`], health(`echo "start $$" >> ${runs}; sleep 0.6; echo end >> ${runs}`));
  const [st] = await m.status;
  const {readlinkSync} = await import(`node:fs`);
  // The fds of a running health command (on a loaded machine one may end before we look: take the next).
  let fds: Array<string> | undefined;
  for (let i = 0; i < 500 && !fds; i++) {
    await sleep(20);
    const text = existsSync(runs) ? readFileSync(runs, `utf8`) : ``;
    const pid = /start (\d+)\n$/.exec(text)?.[1];
    try {
      const list = pid ? readdirSync(`/proc/${pid}/fd`) : []; // none: a zombie already
      if (list.length > 0) fds = list.sort().map(fd => `${fd}:${readlinkSync(`/proc/${pid}/fd/${fd}`)}`);
    } catch {}
  }
  t.deepEqual(fds, [`0:/dev/null`, `1:/dev/null`, `2:/dev/null`]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${m.pid}/status`, `utf8`))![1]);
  t.true(rss < 1024, `monitor RSS ${rss} kB`);
  for (let i = 0; i < 750 && (readFileSync(runs, `utf8`).match(/^end$/gm) ?? []).length < 3; i++) await sleep(20);
  const lines = readFileSync(runs, `utf8`).trim().split(`\n`);
  t.true(lines.length >= 5, lines.join(`|`));
  // start, end, start, end...: never two at once.
  lines.forEach((l, i) => t.is(l.split(` `)[0], i % 2 === 0 ? `start` : `end`));
  writeFileSync(m.files.stop, ``);
  process.kill(st.pid, `SIGKILL`);
  await exitOf(m);
  for (let i = 0; i < 300 && alive(m.pid); i++) await sleep(20);
  t.false(alive(m.pid));
});

it(`a health command still running when the container ends is killed, its whole group, and the monitor exits`, async t => {
  const pids = join(work, `health-pid`);
  const m = monitor([`sleep`, `1`], health(`echo $$ > ${pids}; sleep 60 & echo $! >> ${pids}; wait`, 100));
  await m.status;
  await exitOf(m);
  const t0 = Date.now();
  for (let i = 0; i < 500 && alive(m.pid); i++) await sleep(20);
  t.false(alive(m.pid));
  t.true(Date.now() - t0 < 8000);
  // Gone, or a zombie left to whoever reaps orphans here.
  const running = (p: number) => { try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${p}/stat`, `utf8`)); } catch { return false; } };
  for (const p of readFileSync(pids, `utf8`).trim().split(`\n`).map(Number)) t.false(running(p), `pid ${p} of the health command`);
});

it(`exec mode joins the container's namespaces`, async t => {
  const m = monitor([`sleep`, `100`]);
  const [st] = await m.status;
  const tok = (kw: string, a: Array<string>) => [kw, String(a.length), ...a].map(x => `${x}\0`).join(``);
  const plan = tok(`pid`, [String(st.pid)]) + tok(`user`, [`0`, `0`]) + tok(`env`, [`PATH=/bin:/usr/bin`]) + tok(`args`, [`sh`, `-c`, `echo $$; ls /proc/self/fd | wc -l`]);
  const child = spawn(HELPER_BIN, [`exec`, `-`], {stdio: [`ignore`, `pipe`, `pipe`, `pipe`]});
  let out = ``;
  child.stdout!.on(`data`, d => { out += d; });
  (child.stdio[3] as NodeJS.WritableStream).end(plan);
  const code = await new Promise(r => child.on(`close`, r));
  t.is(code, 0);
  const [pid] = out.trim().split(`\n`);
  t.true(Number(pid) < 100, `pid ${pid} is in the container's pid namespace`);
  writeFileSync(m.files.stop, ``);
  process.kill(st.pid, `SIGKILL`);
  await exitOf(m);
});
