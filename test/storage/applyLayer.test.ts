// Runs the real apply worker as root in a real user namespace of the unprivileged
// test user, and checks what lands on disk (owners as host ids, modes, links,
// whiteouts) and that hostile layers never write outside their directory.
import test from 'ava';
import {existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, writeFileSync, mkdirSync, chownSync} from 'node:fs';
import {join} from 'node:path';
import {WorkerClient} from '../../src/storage/WorkerClient';
import {cleanName, subRange, usermodHint} from '../../src/storage/applyLayer';
import {lgetxattr} from '../../src/sys/fs';
import {tester, scratch, cleanup, hostId, WORKER_SCRIPT} from './_userns';
import {writeLayer, mkdirOwned} from './_tar';
import type {TarEntry} from './_tar';

const T = tester();
const dir = scratch(T, `apply`);
const worker = new WorkerClient({workerScript: WORKER_SCRIPT, user: T.name, ...T.launcher});
test.after.always(async () => {
  await worker.close();
  cleanup(T, dir);
});

let n = 0;
async function apply(entries: Array<TarEntry>, opts: {whiteouts?: `overlay` | `vfs`, how?: `none` | `gzip` | `zstd`, target?: string} = {}) {
  const id = `l${n++}`;
  const blob = join(dir, `${id}.tar`);
  const diffID = await writeLayer(blob, entries, opts.how ?? `gzip`);
  const target = opts.target ?? mkdirOwned(join(dir, id), T.uid, T.gid);
  const result = await worker.apply({blob, target, whiteouts: opts.whiteouts ?? `overlay`});
  return {target, diffID, result};
}

function outsideDir(tag: string): string {
  const d = join(dir, `outside-${tag}`);
  mkdirSync(d, {recursive: true, mode: 0o777});
  if (process.getuid!() === 0) chownSync(d, T.uid, T.gid);
  return d;
}

test.serial(`files, dirs, modes, links, owners, mtimes, xattrs; diffID of every compression`, async t => {
  const entries: Array<TarEntry> = [
    {name: `./`, type: `directory`, mode: 0o755},
    {name: `etc/`, type: `directory`, mode: 0o755, mtime: new Date(1_500_000_000_000)},
    {name: `etc/passwd`, data: `root:x:0:0\n`, mode: 0o644},
    {name: `bin/`, type: `directory`},
    {name: `bin/su`, data: `#!/bin/sh\n`, mode: 0o4755},
    {name: `bin/sh`, type: `symlink`, linkname: `/bin/busybox`},
    {name: `bin/busybox`, data: `bb`, mode: 0o755},
    {name: `bin/ash`, type: `link`, linkname: `bin/busybox`},
    {name: `home/alice/`, type: `directory`, uid: 1000, gid: 1000, mode: 0o755},
    {name: `root/`, type: `directory`, uid: 0, gid: 0, mode: 0o700},
    {name: `secret/`, type: `directory`, uid: 1000, gid: 1000, mode: 0o700},
    {name: `home/alice/notes`, data: `hi`, uid: 1000, gid: 1001},
    {name: `tmp/fifo`, type: `fifo`, mode: 0o600},
    {name: `usr/x`, data: `x`, pax: {'SCHILY.xattr.user.tspod': `yes`}},
  ];
  for (const how of [`none`, `gzip`, `zstd`] as const) {
    const {target, diffID, result} = await apply(entries, {how});
    t.is(result.diffID, diffID, how);
    t.deepEqual(result.warnings, [], how);
    t.is(readFileSync(join(target, `etc/passwd`), `utf8`), `root:x:0:0\n`);
    t.is(statSync(join(target, `bin/su`)).mode & 0o7777, 0o4755);
    t.is(readlinkSync(join(target, `bin/sh`)), `/bin/busybox`);
    t.is(statSync(join(target, `bin/ash`)).ino, statSync(join(target, `bin/busybox`)).ino);
    t.true(lstatSync(join(target, `tmp/fifo`)).isFIFO());
    const alice = statSync(join(target, `home/alice`));
    t.is(alice.uid, hostId(T, 1000));
    t.is(alice.gid, hostId(T, 1000));
    t.is(alice.mode & 0o777, 0o755);
    t.is(statSync(join(target, `secret`)).mode & 0o777, 0o700);
    t.is(statSync(join(target, `secret`)).uid, hostId(T, 1000));
    t.is(statSync(join(target, `home/alice/notes`)).gid, hostId(T, 1001));
    t.is(statSync(join(target, `etc/passwd`)).uid, T.uid, `container root is the user`);
    t.is(statSync(join(target, `etc`)).mtimeMs, 1_500_000_000_000, `dir mtime set after its children`);
    t.is(statSync(join(target, `bin/busybox`)).mtimeMs, 1_600_000_000_000);
    t.is(lgetxattr(join(target, `usr/x`), `user.tspod`)?.toString(), `yes`);
  }
});

test.serial(`an expected diffID that does not match fails`, async t => {
  const blob = join(dir, `mismatch.tar`);
  await writeLayer(blob, [{name: `a`, data: `a`}]);
  const target = mkdirOwned(join(dir, `mismatch`), T.uid, T.gid);
  const err = await t.throwsAsync(worker.apply({blob, target, whiteouts: `vfs`, expectedDiffID: `sha256:${`0`.repeat(64)}` as never}));
  t.regex(err!.message, /diffID mismatch/);
});

test.serial(`device nodes are skipped with one warning; the layer still applies`, async t => {
  const {target, result} = await apply([
    {name: `dev/null`, type: `character-device`, devmajor: 1, devminor: 3, mode: 0o666},
    {name: `dev/sda`, type: `block-device`, devmajor: 8, devminor: 0},
    {name: `ok`, data: `fine`},
  ]);
  t.is(result.warnings.length, 1);
  t.is(result.warnings[0]!.code, `devices-skipped`);
  t.regex(result.warnings[0]!.message, /skipped 2 device node\(s\) \(the first is `\/dev\/null`\)/);
  t.false(existsSync(join(target, `dev/null`)));
  t.is(readFileSync(join(target, `ok`), `utf8`), `fine`);
});

test.serial(`owners beyond the mapped range become the overflow id, with the usermod fix`, async t => {
  const {target, result} = await apply([
    {name: `big`, data: `x`, uid: 100000, gid: 100000},
    {name: `big2`, data: `y`, uid: 120000, gid: 5},
    {name: `small`, data: `z`, uid: 65536, gid: 65536},
  ]);
  t.is(statSync(join(target, `big`)).uid, hostId(T, 65534));
  t.is(statSync(join(target, `big`)).gid, hostId(T, 65534));
  t.is(statSync(join(target, `big2`)).gid, hostId(T, 5));
  t.is(statSync(join(target, `small`)).uid, hostId(T, 65536), `the last mapped id`);
  t.is(result.warnings.length, 1);
  const w = result.warnings[0]!;
  t.is(w.code, `ids-overflow`);
  t.regex(w.message, /file `\/big` is owned by uid 100000/);
  const end = T.subStart + T.subCount;
  t.true(w.hint!.includes(`usermod --add-subuids ${end}-${T.subStart + 120000 - 1} ${T.name}`), w.hint);
  t.true(w.hint!.includes(`usermod --add-subgids ${end}-${T.subStart + 100000 - 1} ${T.name}`), w.hint);
  t.true(w.hint!.includes(`${T.subStart}-${T.subStart + 120000 - 1}`));
});

test.serial(`overlay whiteouts: char 0/0 and the user.overlay.opaque xattr`, async t => {
  const {target} = await apply([
    {name: `keep/`, type: `directory`},
    {name: `.wh.gone`, data: ``},
    {name: `keep/.wh..wh..opq`, data: ``},
    {name: `keep/new`, data: `n`},
  ]);
  const wh = lstatSync(join(target, `gone`));
  t.true(wh.isCharacterDevice());
  t.is(wh.rdev, 0);
  t.is(lgetxattr(join(target, `keep`), `user.overlay.opaque`)?.toString(), `y`);
  t.false(existsSync(join(target, `.wh.gone`)));
  t.false(existsSync(join(target, `keep/.wh..wh..opq`)));
  t.is(readFileSync(join(target, `keep/new`), `utf8`), `n`);
});

test.serial(`vfs whiteouts delete; an opaque dir keeps only this layer's entries`, async t => {
  const {target} = await apply([
    {name: `a`, data: `a`},
    {name: `d/`, type: `directory`},
    {name: `d/old1`, data: `1`},
    {name: `d/sub/old2`, data: `2`},
  ], {whiteouts: `vfs`});
  await apply([
    {name: `.wh.a`, data: ``},
    {name: `d/`, type: `directory`},
    {name: `d/new-before`, data: `b`},
    {name: `d/.wh..wh..opq`, data: ``},
    {name: `d/new-after`, data: `c`},
  ], {whiteouts: `vfs`, target});
  t.false(existsSync(join(target, `a`)));
  t.deepEqual(readdirSync(join(target, `d`)).sort(), [`new-after`, `new-before`]);
});

test(`cleanName strips leading slashes, normalises, and refuses escapes`, t => {
  t.is(cleanName(`/etc/passwd`), `etc/passwd`);
  t.is(cleanName(`./a/../b/`), `b`);
  t.is(cleanName(`./`), `.`);
  t.throws(() => cleanName(`../x`), {message: /points outside the layer/});
  t.throws(() => cleanName(`a/../../x`), {message: /points outside the layer/});
});

test(`subRange and usermodHint compute from the actual map`, t => {
  const map = `         0       1001          1\n         1     200000      65536\n`;
  t.deepEqual(subRange(map), {start: 200000, count: 65536});
  t.is(usermodHint({user: `bob`, uidMap: map, gidMap: map}, 100000, 10), `usermod --add-subuids 265536-299999 bob (so that 200000-299999 is mapped), then \`tspod system migrate\` and pull again`);
  t.is(usermodHint({user: `bob`, uidMap: map, gidMap: map}, 65536, 10), undefined);
});

// Hostile layers: each must leave `outside` untouched.
test.serial(`hostile: a .. entry fails and writes nothing outside`, async t => {
  const out = outsideDir(`dotdot`);
  const blob = join(dir, `dotdot.tar`);
  await writeLayer(blob, [{name: `../outside-dotdot/pwned`, data: `x`}]);
  const target = mkdirOwned(join(dir, `dotdot`), T.uid, T.gid);
  await t.throwsAsync(worker.apply({blob, target, whiteouts: `overlay`}), {message: /points outside the layer/});
  t.deepEqual(readdirSync(out), []);
});

test.serial(`hostile: absolute names are made relative`, async t => {
  const out = outsideDir(`abs`);
  const {target} = await apply([{name: `${out}/pwned`, data: `x`}]);
  t.deepEqual(readdirSync(out), []);
  t.is(readFileSync(join(target, out, `pwned`), `utf8`), `x`);
});

test.serial(`hostile: a symlink to outside, then a file written through it, stays inside`, async t => {
  const out = outsideDir(`symlink`);
  const {target} = await apply([
    {name: `evil`, type: `symlink`, linkname: out},
    {name: `evil/pwned`, data: `x`},
    {name: `rel`, type: `symlink`, linkname: `../../../../../../..${out}`},
    {name: `rel/pwned2`, data: `y`},
  ]);
  t.deepEqual(readdirSync(out), []);
  t.is(readlinkSync(join(target, `evil`)), out, `the symlink itself is kept`);
  t.is(readFileSync(join(target, out, `pwned`), `utf8`), `x`, `resolved within the layer root`);
  t.is(readFileSync(join(target, out, `pwned2`), `utf8`), `y`);
});

test.serial(`hostile: a final symlink is replaced, never written through`, async t => {
  const out = outsideDir(`final`);
  writeFileSync(join(out, `victim`), `original`);
  const {target} = await apply([
    {name: `f`, type: `symlink`, linkname: join(out, `victim`)},
    {name: `f`, data: `overwritten`},
  ]);
  t.is(readFileSync(join(out, `victim`), `utf8`), `original`);
  t.false(lstatSync(join(target, `f`)).isSymbolicLink());
  t.is(readFileSync(join(target, `f`), `utf8`), `overwritten`);
});

test.serial(`hostile: hard links to outside targets fail`, async t => {
  const out = outsideDir(`hardlink`);
  writeFileSync(join(out, `secret`), `s`);
  for (const [i, linkname] of [`../outside-hardlink/secret`, join(out, `secret`)].entries()) {
    const blob = join(dir, `hl${i}.tar`);
    await writeLayer(blob, [{name: `h`, type: `link`, linkname}]);
    const target = mkdirOwned(join(dir, `hl${i}`), T.uid, T.gid);
    await t.throwsAsync(worker.apply({blob, target, whiteouts: `overlay`}), {message: /outside the layer|not in the layer/});
  }
  t.is(statSync(join(out, `secret`)).nlink, 1);
});

test.serial(`hostile: a directory replaced by a symlink, then written through, stays inside`, async t => {
  const out = outsideDir(`dirswap`);
  const {target} = await apply([
    {name: `d/`, type: `directory`},
    {name: `d/a`, data: `a`},
    {name: `d`, type: `symlink`, linkname: out},
    {name: `d/pwned`, data: `x`},
  ]);
  t.deepEqual(readdirSync(out), []);
  t.true(lstatSync(join(target, `d`)).isSymbolicLink());
  t.is(readFileSync(join(target, out, `pwned`), `utf8`), `x`);
});

test.serial(`hostile: a nested directory seen before is resolved again once its parent is swapped for a symlink`, async t => {
  // The applier remembers resolved directories (one lstat per component is costly): a
  // removal anywhere must forget them, or d/e/pwned would go to the old d/e.
  const out = outsideDir(`nestedswap`);
  const {target} = await apply([
    {name: `d/e/a`, data: `a`},
    {name: `.wh.d`, data: ``},
    {name: `d/e/b`, data: `b`},
    {name: `d`, type: `symlink`, linkname: out},
    {name: `d/e/pwned`, data: `x`},
  ], {whiteouts: `vfs`});
  t.deepEqual(readdirSync(out), []);
  t.true(lstatSync(join(target, `d`)).isSymbolicLink());
  t.is(readFileSync(join(target, out, `e/pwned`), `utf8`), `x`);
});

test.serial(`one worker process serves every request; copy and remove ops`, async t => {
  const pid1 = (await worker.maps()).uidMap;
  t.regex(pid1, /^\s*0\s+\d+\s+1\n\s*1\s+\d+\s+\d+/m, `runs in a mapped user namespace`);
  const {target} = await apply([{name: `x/y`, data: `z`, uid: 7}]);
  const copy = join(dir, `copy`);
  await worker.run({op: `copy`, from: target, to: copy});
  t.is(statSync(join(copy, `x/y`)).uid, hostId(T, 7));
  await worker.run({op: `remove`, path: copy});
  t.false(existsSync(copy));
});
