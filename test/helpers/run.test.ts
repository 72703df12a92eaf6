// `tspod-helper run`: a container from a flat plan, driven through runtime/helper.ts.
import {spawn, spawnSync} from 'node:child_process';
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {userInfo} from 'node:os';
import test from 'ava';
import {HELPER_BIN} from '../_helpers/project';
import {whenAvailable} from '../_helpers/features';
import type {RuntimeSpec} from '../../src/oci/runtimeSpec';
import {resolveCapabilities} from '../../src/runtime/capabilities';
import {runContainer, startHelper} from '../../src/runtime/helper';
import {encodePlan} from '../../src/runtime/plan';
import {COPY_UP_ANNOTATION, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultMounts, frameOf, specToPlan, splitPlan} from '../../src/runtime/specToPlan';
import {runPlanned, startEarly} from '../../src/engine/run/earlyStart';
import {canUserns, inUserns, removeTree, subordinateRange, tempDir, unpackAlpine} from './_support';

const it = whenAvailable(canUserns, `an unprivileged user with /etc/subuid ranges and newuidmap`);

let work = ``;
let rootfs = ``;
test.before(() => {
  if (!canUserns) return;
  work = tempDir(`tspod-run-`);
  rootfs = unpackAlpine(work);
  mkdirSync(join(work, `merged`));
});
test.after.always(() => { if (work) removeTree(work); });

function spec(args: Array<string>, edit: (s: RuntimeSpec) => void = () => {}): RuntimeSpec {
  const me = userInfo();
  const uids = subordinateRange(`/etc/subuid`)!;
  const gids = subordinateRange(`/etc/subgid`)!;
  const caps = resolveCapabilities();
  const s: RuntimeSpec = {
    ociVersion: `1.0.2`,
    root: {path: join(work, `merged`)},
    hostname: `ctr-host`,
    process: {
      args, cwd: `/`, user: {uid: 0, gid: 0},
      env: [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, `HOME=/root`, `FOO=bar baz`],
      capabilities: {bounding: caps, effective: caps, permitted: caps},
      rlimits: [{type: `RLIMIT_NOFILE`, soft: 1024, hard: 1024}],
      noNewPrivileges: true,
    },
    mounts: defaultMounts(),
    linux: {
      namespaces: [{type: `pid`}, {type: `mount`}, {type: `uts`}, {type: `ipc`}, {type: `network`}, {type: `user`}],
      uidMappings: [{containerID: 0, hostID: me.uid, size: 1}, {containerID: 1, hostID: uids.start, size: uids.count}],
      gidMappings: [{containerID: 0, hostID: me.gid, size: 1}, {containerID: 1, hostID: gids.start, size: gids.count}],
      maskedPaths: DEFAULT_MASKED_PATHS,
      readonlyPaths: DEFAULT_READONLY_PATHS,
    },
  };
  edit(s);
  return s;
}

async function run(args: Array<string>, edit?: (s: RuntimeSpec) => void) {
  const plan = specToPlan(spec(args, edit), {rootfsMount: {type: `bind`, source: rootfs}});
  return runContainer(HELPER_BIN, plan, {stdio: [`ignore`, `pipe`, `pipe`]});
}

it(`the command is PID 1 and host processes are invisible`, async t => {
  const r = await run([`sh`, `-c`, `echo $$; echo /proc/[0-9]*`]);
  t.is(r.exitCode, 0, r.stderr);
  const [pid, procs] = r.stdout!.trim().split(`\n`);
  t.is(pid, `1`);
  t.is(procs, `/proc/1`);
});

it(`hostname, env, cwd, uid_map`, async t => {
  const r = await run([`sh`, `-c`, `hostname; echo "$FOO"; pwd; cat /proc/self/uid_map`], s => { s.process.cwd = `/etc`; });
  t.is(r.exitCode, 0, r.stderr);
  const lines = r.stdout!.trim().split(`\n`);
  t.is(lines[0], `ctr-host`);
  t.is(lines[1], `bar baz`);
  t.is(lines[2], `/etc`);
  t.regex(lines[3], new RegExp(`^\\s*0\\s+${userInfo().uid}\\s+1$`));
  t.regex(lines[4], new RegExp(`^\\s*1\\s+${subordinateRange(`/etc/subuid`)!.start}\\s+${subordinateRange(`/etc/subuid`)!.count}$`));
});

it(`masked paths are unreadable and read-only paths unwritable`, async t => {
  const r = await run([`sh`, `-c`, `cat /proc/kcore | wc -c; ls /proc/acpi 2>/dev/null | wc -l; echo x > /proc/sysrq-trigger && echo wrote; echo 1 > /sys/kernel/x 2>/dev/null || echo sysro`]);
  t.is(r.exitCode, 0, r.stderr);
  t.deepEqual(r.stdout!.trim().split(`\n`), [`0`, `0`, `sysro`]);
});

it(`default capabilities exactly; cap-drop all gives CapEff 0; NoNewPrivs; rlimit`, async t => {
  const r = await run([`sh`, `-c`, `grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status; ulimit -n`]);
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout!, /CapEff:\s+00000000800405fb/);
  t.regex(r.stdout!, /CapBnd:\s+00000000800405fb/);
  t.regex(r.stdout!, /NoNewPrivs:\s+1/);
  t.regex(r.stdout!, /\n1024\n?$/);
  const none = resolveCapabilities({drop: [`all`]});
  const d = await run([`grep`, `-E`, `^Cap(Eff|Prm|Bnd)`, `/proc/self/status`], s => { s.process.capabilities = {bounding: none, effective: none, permitted: none}; });
  t.regex(d.stdout!, /CapPrm:\s+0{16}\nCapEff:\s+0{16}\nCapBnd:\s+0{16}/);
});

it(`user and groups`, async t => {
  const r = await run([`id`], s => { s.process.user = {uid: 5, gid: 7, additionalGids: [10, 11]}; });
  t.is(r.exitCode, 0, r.stderr);
  t.regex(r.stdout!, /^uid=5\(\w+\) gid=7\(\w+\) groups=10\(\w+\),11\(\w+\)/);
});

it(`a host file that is not bind-mounted cannot be read`, async t => {
  const secret = join(work, `secret`);
  writeFileSync(secret, `s3cret`);
  const r = await run([`sh`, `-c`, `cat ${secret} 2>&1; cat /etc/shadow | grep -c tspod-tester`]);
  t.false(r.stdout!.includes(`s3cret`));
  t.regex(r.stdout!, /No such file/);
});

it(`exit status passes through; 127 and 126 are errors with the exec stage`, async t => {
  t.is((await run([`sh`, `-c`, `exit 3`])).exitCode, 3);
  await t.throwsAsync(run([`/no/such/cmd`]), {instanceOf: Error, message: /^executable file `\/no\/such\/cmd` not found: no such file or directory$/, code: `CommandNotFound`} as any);
  await t.throwsAsync(run([`/etc`]), {message: /^`\/etc` cannot be executed: permission denied/, code: `CannotInvoke`} as any);
  const planFile = join(work, `127.plan`);
  writeFileSync(planFile, encodePlan(specToPlan(spec([`nonexistent-cmd`]), {rootfsMount: {type: `bind`, source: rootfs}})));
  const raw = spawnSync(HELPER_BIN, [`run`, planFile], {encoding: `utf8`});
  t.is(raw.status, 127);
  t.regex(raw.stderr, /exec `nonexistent-cmd`: ENOENT/);
});

it(`SIGTERM to the helper reaches a trap in the container`, async t => {
  const plan = specToPlan(spec([`sh`, `-c`, `trap 'echo got-term; exit 42' TERM; echo ready; while :; do sleep 0.01; done`]), {rootfsMount: {type: `bind`, source: rootfs}});
  let pid = 0;
  const p = new Promise<string>(resolve => {
    const child = spawn(HELPER_BIN, [`run`, `-`], {stdio: [`ignore`, `pipe`, `inherit`, `pipe`]});
    pid = child.pid!;
    (child.stdio[3] as any).end(encodePlan(plan));
    let out = ``;
    child.stdout!.on(`data`, c => {
      out += c;
      if (out.includes(`ready`) && !out.includes(`sent`)) { out += `sent`; process.kill(pid, `SIGTERM`); }
    });
    child.on(`close`, code => resolve(`${out.replace(`sent`, ``).trim()} ${code}`));
  });
  t.is((await p).replace(/\s+/g, ` `), `ready got-term 42`);
});

it(`no fd leaks into the container`, async t => {
  const r = await run([`ls`, `/proc/self/fd`]);
  t.deepEqual(r.stdout!.trim().split(/\s+/), [`0`, `1`, `2`, `3`]);
});

it(`a hostile /proc symlink in the image cannot make anything on the host`, async t => {
  const evil = tempDir(`tspod-evil-`);
  const outside = join(evil, `host-dir-outside`);
  const img = join(evil, `rootfs`);
  inUserns([`sh`, `-c`, `cp -a "$1" "$2" && rm -rf "$2/proc" "$2/dev" && ln -s "$3" "$2/proc" && ln -s "$3/dev" "$2/dev"`, `sh`, rootfs, img, outside]);
  try {
    const plan = specToPlan(spec([`true`]), {rootfsMount: {type: `bind`, source: img}});
    await runContainer(HELPER_BIN, plan, {stdio: [`ignore`, `pipe`, `pipe`]}).catch(() => undefined);
    t.false(existsSync(outside));
    t.deepEqual(readdirSync(evil).sort(), [`rootfs`]);
  } finally {
    removeTree(evil);
  }
});

it(`copy-up fills an empty volume from the image (owners, times, symlinks as symlinks); a filled volume and a DEST leading out of the root are left alone`, async t => {
  const w = tempDir(`tspod-copyup-`);
  const img = join(w, `rootfs`), secret = join(w, `secret`);
  const [v1, v2, v3] = [`v1`, `v2`, `v3`].map(n => join(w, n)) as [string, string, string];
  mkdirSync(secret);
  writeFileSync(join(secret, `s`), `secret`);
  for (const v of [v1, v2, v3]) mkdirSync(v);
  writeFileSync(join(v2, `keep`), `mine`);
  // /cudata: owned 1000:1001, a dated file, a symlink to a host directory; /cuesc: a
  // symlink to that host directory's path, which inside the root is another directory.
  inUserns([`sh`, `-c`, `cp -a "$1" "$2" && mkdir -p "$2/cudata/sub" "$2$3" && echo hi > "$2/cudata/sub/f" && touch "$2$3/inroot" && chown -R 1000:1001 "$2/cudata" && touch -d @1000000000 "$2/cudata/sub/f" && ln -s "$3" "$2/cudata/out" && ln -s "$3" "$2/cuesc"`, `sh`, rootfs, img, secret]);
  try {
    const s = spec([`cat`, `/cudata/sub/f`], x => {
      x.annotations = {[COPY_UP_ANNOTATION]: JSON.stringify([`/cudata`, `/lib/apk`, `/cuesc`])};
      x.mounts!.push(...([[v1, `/cudata`], [v2, `/lib/apk`], [v3, `/cuesc`]] as const).map(([source, destination]) => ({destination, type: `bind`, source, options: [`rbind`]})));
    });
    const r = await runContainer(HELPER_BIN, specToPlan(s, {rootfsMount: {type: `bind`, source: img}}), {stdio: [`ignore`, `pipe`, `pipe`]});
    t.is(r.exitCode, 0, r.stderr);
    t.is(r.stdout, `hi\n`);
    const owner = subordinateRange(`/etc/subuid`)!.start + 999;
    t.is(readFileSync(join(v1, `sub/f`), `utf8`), `hi\n`);
    t.is(statSync(join(v1, `sub/f`)).uid, owner);
    t.is(statSync(join(v1, `sub/f`)).mtimeMs, 1e12);
    t.is(statSync(v1).uid, owner, `the volume takes the owner of the image's directory`);
    t.true(lstatSync(join(v1, `out`)).isSymbolicLink());
    t.deepEqual(readdirSync(v2), [`keep`]);
    t.deepEqual(readdirSync(v3), [`inroot`], `/cuesc resolves inside the root`);
    t.deepEqual(readdirSync(secret), [`s`]);
  } finally {
    removeTree(w);
  }
});

it(`-t: the command gets a real pty and output is relayed`, t => {
  const plan = specToPlan(spec([`sh`, `-c`, `tty; test -t 0 && echo is-tty; stty size`], s => { s.process.terminal = true; }), {rootfsMount: {type: `bind`, source: rootfs}});
  const planFile = join(work, `tty.plan`);
  writeFileSync(planFile, encodePlan(plan));
  const r = spawnSync(`script`, [`-qec`, `stty cols 91 rows 17; ${HELPER_BIN} run ${planFile}`, `/dev/null`], {encoding: `utf8`, stdio: [`pipe`, `pipe`, `pipe`]});
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /\/dev\/pts\/0/);
  t.regex(r.stdout, /is-tty/);
  t.regex(r.stdout, /17 91/);
});

it(`init mode reaps zombies and passes the exit status`, async t => {
  const r = await run([`/helper`, `init`, `--`, `sh`, `-c`, `sh -c 'sleep 0.01 &' ; sleep 0.05; ps -o stat,comm | grep -c '^Z' ; exit 5`], s => {
    s.mounts!.push({destination: `/helper`, type: `bind`, source: HELPER_BIN, options: [`rbind`, `ro`]});
  });
  t.is(r.exitCode, 5, r.stderr);
  t.is(r.stdout!.trim(), `0`);
});

it(`the plan file form, and a bad plan is a clean 125 with a status line`, t => {
  const planFile = join(work, `p.plan`);
  writeFileSync(planFile, encodePlan(specToPlan(spec([`true`]), {rootfsMount: {type: `bind`, source: rootfs}})));
  t.is(spawnSync(HELPER_BIN, [`run`, planFile]).status, 0);
  writeFileSync(planFile, `bogus\0` + `1\0`);
  const r = spawnSync(HELPER_BIN, [`run`, planFile], {encoding: `utf8`});
  t.is(r.status, 125);
  t.regex(r.stderr, /tspod-helper: parse plan/);
});

it(`rootfs-fuse: a program that fails before mounting, or is missing, is the start's error (stage mount)`, async t => {
  const s = spec([`true`]);
  const plan = (argv: Array<string>) => specToPlan(s, {rootfsMount: {type: `fuse`, source: s.root.path, argv}});
  await t.throwsAsync(runContainer(HELPER_BIN, plan([`sh`, `-c`, `echo 'fuse: bad mount point' >&2; exit 3`]), {stdio: [`ignore`, `pipe`, `pipe`]}),
    {message: /`sh` exited with status 3 before the root was mounted: fuse: bad mount point/});
  await t.throwsAsync(runContainer(HELPER_BIN, plan([`/no/such/fuse-overlayfs`]), {stdio: [`ignore`, `pipe`, `pipe`]}),
    {message: /find `\/no\/such\/fuse-overlayfs`/, code: `Host`} as any);
});

const withFuse = whenAvailable(canUserns && existsSync(`/dev/fuse`) && spawnSync(`fuse-overlayfs`, [`--version`]).status === 0, `fuse-overlayfs and /dev/fuse`);

withFuse(`rootfs-fuse: the root is fuse-overlayfs's mount, seen only by the container; the daemon is outside it and exits with it`, async t => {
  const w = tempDir(`tspod-fuse-`);
  const [up, wk, merged] = [`up`, `wk`, `merged`].map(n => join(w, n)) as [string, string, string];
  for (const d of [up, wk, merged]) mkdirSync(d);
  const daemons = () => readdirSync(`/proc`).filter(p => /^\d+$/.test(p)).filter(p => {
    try { return readFileSync(`/proc/${p}/cmdline`, `utf8`).includes(`upperdir=${up}`); } catch { return false; }
  });
  try {
    const s = spec([`sh`, `-c`, `echo new > /new; awk '$5 == "/" {print $NF, $(NF-2)}' /proc/self/mountinfo | grep -c fuse; ps -o comm | grep -c fuse || true; ls /proc/self/fd`], x => { x.root.path = merged; });
    const bad = specToPlan(s, {rootfsMount: {type: `fuse`, source: merged, argv: [`fuse-overlayfs`, `-o`, `lowerdir=${join(w, `none`)},upperdir=${up},workdir=${wk}`, merged]}});
    await t.throwsAsync(runContainer(HELPER_BIN, bad, {stdio: [`ignore`, `pipe`, `pipe`]}),
      {message: /^`fuse-overlayfs` exited with status \d+ before the root was mounted: .+/, code: `Host`} as any, `fuse-overlayfs's own reason`);
    const argv = [`fuse-overlayfs`, `-o`, `lowerdir=${rootfs},upperdir=${up},workdir=${wk}`, merged];
    const r = await runContainer(HELPER_BIN, specToPlan(s, {rootfsMount: {type: `fuse`, source: merged, argv}}), {stdio: [`ignore`, `pipe`, `pipe`]});
    t.is(r.exitCode, 0, r.stderr);
    t.deepEqual(r.stdout!.trim().split(/\s+/), [`1`, `0`, `0`, `1`, `2`, `3`], `a FUSE root, no daemon in the container, no fd leaked`);
    t.is(readFileSync(join(up, `new`), `utf8`), `new\n`, `the write is in the upper directory`);
    t.false(readFileSync(`/proc/self/mountinfo`, `utf8`).includes(merged), `nothing is mounted on the host`);
    for (let i = 0; i < 50 && daemons().length > 0; i++) await new Promise(resolve => setTimeout(resolve, 100));
    t.deepEqual(daemons(), [], `the daemon is gone with the container`);
  } finally {
    removeTree(w);
  }
});

it(`a plan in two parts: the head first (the ids are mapped), the rest later on plan-rest's fd`, async t => {
  const s = spec([`sh`, `-c`, `echo "$FOO"; cat /proc/self/uid_map | wc -l; exit 7`]);
  const {head, body} = splitPlan(s, {rootfsMount: {type: `bind`, source: rootfs}});
  t.false(head.some(d => d.kind === `args` || d.kind === `rootfs`), `the head holds only what the parent reads before its clone`);
  const h = startHelper(HELPER_BIN, head, {stdio: [`ignore`, `pipe`, `pipe`]});
  await new Promise(resolve => setTimeout(resolve, 200)); // the body arrives well after the maps
  const r = await h.finish(body);
  t.is(r.exitCode, 7, r.stderr);
  t.deepEqual(r.stdout!.trim().split(`\n`).map(l => l.trim()), [`bar baz`, `2`]);
});

it(`a two-part plan whose rest never comes ends quietly and leaves no process`, async t => {
  const {head} = splitPlan(spec([`sleep`, `1000`]), {rootfsMount: {type: `bind`, source: rootfs}});
  const h = startHelper(HELPER_BIN, head, {stdio: [`ignore`, `pipe`, `pipe`]});
  const pid = h.pid!;
  await new Promise(resolve => setTimeout(resolve, 100));
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, `utf8`).trim();
  t.not(children, ``, `the container process waits for its release`);
  await h.abandon();
  t.false(existsSync(`/proc/${pid}`));
  for (const c of children.split(/\s+/)) t.false(existsSync(`/proc/${c}`), `container process ${c} is gone`);
});

it(`an early start whose predicted head is not the plan's is abandoned and the container runs on a new helper`, async t => {
  const s = spec([`sh`, `-c`, `echo ran`]);
  const wrong = {...frameOf(s), namespaces: s.linux!.namespaces!.filter(n => n.type !== `network`)};
  const early = startEarly(HELPER_BIN, wrong, {}, {stdio: [`ignore`, `pipe`, `pipe`]});
  const r = await runPlanned(HELPER_BIN, early, s, {rootfsMount: {type: `bind`, source: rootfs}}, {stdio: [`ignore`, `pipe`, `pipe`]});
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout!.trim(), `ran`);
  t.false(existsSync(`/proc/${early.helper.pid}`), `the early helper is gone`);
});
