// `cp` and `diff` end to end as the unprivileged test user: both directions with
// stopped and running containers; a symlink in the container pointing at the host's
// /etc/shadow is copied as a link; a tarball with `..` entries touches nothing
// outside the container; diff reports A/C/D from the writable layer.
import test from 'ava';
import {existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {pulledStore} from '../../_helpers/pulledStore';
import {SEEDED} from '../../_helpers/registry';
import {TSPOD_BIN} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const BUSYBOX = SEEDED.busyboxMusl;
const fx = pulledStore([ALPINE, BUSYBOX]);
const t = fx.t;

test(`cp out of and into a stopped container`, async tt => {
  tt.is((await t([`run`, `--name`, `s1`, ALPINE, `sh`, `-c`, `mkdir -p /data/sub && echo one > /data/sub/f && ln -s /etc/shadow /evil`])).code, 0);
  const out = join(fx.dir, `out1`);
  const r = await t([`cp`, `s1:/data`, out]);
  tt.is(r.code, 0, r.stderr);
  tt.is(readFileSync(join(out, `sub/f`), `utf8`), `one\n`);
  // A link to /etc/shadow is copied as a link: the host file is never read.
  const ev = join(fx.dir, `evil`);
  tt.is((await t([`cp`, `s1:/evil`, ev])).code, 0);
  tt.true(lstatSync(ev).isSymbolicLink());
  tt.is(readlinkSync(ev), `/etc/shadow`);
  // Into a directory, and to a new name.
  writeFileSync(join(fx.dir, `in.txt`), `hello in\n`);
  tt.is((await t([`cp`, join(fx.dir, `in.txt`), `s1:/tmp`])).code, 0);
  tt.is((await t([`cp`, join(fx.dir, `in.txt`), `s1:/root/renamed`])).code, 0);
  // Onto the symlink: the link is replaced inside the container, /etc/shadow of the host untouched.
  const w = await t([`cp`, join(fx.dir, `in.txt`), `s1:/evil`]);
  tt.is(w.code, 0, w.stderr);
  const chk = await t([`start`, `-a`, `s1`]);
  void chk;
  const c2 = await t([`commit`, `s1`, `cpcheck`]);
  tt.is(c2.code, 0, c2.stderr);
  const run = await t([`run`, `--rm`, `cpcheck`, `sh`, `-c`, `cat /tmp/in.txt /root/renamed /evil; stat -c %u /tmp/in.txt`]);
  tt.is(run.stdout.trim(), `hello in\nhello in\nhello in\n0`, run.stderr);
});

test(`cp CTR:PATH - writes a tar to stdout; a missing path is named as podman names it`, async tt => {
  tt.is((await t([`run`, `--name`, `s3`, ALPINE, `sh`, `-c`, `mkdir /out && echo x > /out/f`])).code, 0);
  const tarFile = join(fx.dir, `s3.tar`);
  const r = spawnSync(process.execPath, [TSPOD_BIN, `--root`, fx.s.root, `--runroot`, fx.s.runroot, `cp`, `s3:/out`, `-`], {env: {...process.env, ...fx.env}, encoding: `buffer`});
  tt.is(r.status, 0, String(r.stderr));
  writeFileSync(tarFile, r.stdout);
  tt.deepEqual(spawnSync(`tar`, [`-tf`, tarFile], {encoding: `utf8`}).stdout.trim().split(`\n`).map(n => n.replace(/\/$/, ``)).sort(), [`out`, `out/f`]);
  const missing = await t([`cp`, `s3:/nonexistent`, join(fx.dir, `nowhere`)]);
  tt.is(missing.code, 125);
  tt.is(missing.stderr.split(`\n`)[0], `Error: "/nonexistent" could not be found on container s3: no such file or directory`);
});

test(`cp with a running container; a tar with .. entries touches nothing outside`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `r1`, ALPINE, `sleep`, `60`])).code, 0);
  writeFileSync(join(fx.dir, `live.txt`), `live\n`);
  const r = await t([`cp`, join(fx.dir, `live.txt`), `r1:/tmp/live.txt`]);
  tt.is(r.code, 0, r.stderr);
  const e = await t([`exec`, `r1`, `cat`, `/tmp/live.txt`]);
  tt.is(e.stdout.trim(), `live`, e.stderr);
  const back = join(fx.dir, `back.txt`);
  tt.is((await t([`cp`, `r1:/etc/alpine-release`, back])).code, 0);
  tt.is(readFileSync(back, `utf8`).trim(), `3.20.3`);
  // A tarball whose entries climb out with `..`.
  const src = join(fx.dir, `evilsrc`);
  mkdirSync(join(src, `a`), {recursive: true});
  writeFileSync(join(src, `a`, `x`), `x`);
  const marker = join(fx.dir, `ESCAPED`);
  const tarFile = join(fx.dir, `evil.tar`);
  const dots = `../../../../../../../../../../..${marker}`;
  const mk = spawnSync(`tar`, [`-cf`, tarFile, `-C`, src, `--transform`, `s,^a/x,${dots},`, `a/x`], {encoding: `utf8`});
  tt.is(mk.status, 0, mk.stderr);
  tt.true(spawnSync(`tar`, [`-tf`, tarFile], {encoding: `utf8`}).stdout.includes(`..`));
  const bad = await t([`cp`, `-`, `r1:/tmp`], readFileSync(tarFile));
  tt.not(bad.code, 0);
  tt.regex(bad.stderr, /outside/);
  tt.false(existsSync(marker), `nothing was written outside the container`);
});

test(`cp with a running container goes through what it sees: its volumes, tmpfs and /etc/hosts; a file it looked for in vain shows at once; cp of its / into a new directory`, async tt => {
  const bindDir = join(fx.dir, `live-bind`);
  mkdirSync(bindDir, {recursive: true});
  tt.is((await t([`run`, `-d`, `--name`, `r2`, `-v`, `r2vol:/data`, `-v`, `${bindDir}:/bind`, `--tmpfs`, `/scratch`, ALPINE, `sh`, `-c`,
    `echo fromtmpfs > /scratch/t; echo fromvol > /data/v; ln -s / /data/up; echo ready; exec sleep 60`])).code, 0);
  for (let i = 0; i < 100 && !(await t([`logs`, `r2`])).stdout.includes(`ready`); i++) await new Promise(res => setTimeout(res, 50));
  // A name of its own: the tests of this file run at once in one directory.
  const name = `r2-${process.pid}.txt`;
  writeFileSync(join(fx.dir, name), `in\n`);
  // The container looks for the file first: its overlay caches that it is not there.
  tt.is((await t([`exec`, `r2`, `sh`, `-c`, `cat /etc/late 2>/dev/null || echo none`])).stdout, `none\n`);
  for (const dest of [`r2:/data/`, `r2:/scratch/`, `r2:/bind/`, `r2:/etc/late`]) {
    const r = await t([`cp`, join(fx.dir, name), dest]);
    tt.is(r.code, 0, `${dest}: ${r.stderr}`);
  }
  const seen = await t([`exec`, `r2`, `cat`, `/data/${name}`, `/scratch/${name}`, `/bind/${name}`, `/etc/late`]);
  tt.is(seen.stdout, `in\nin\nin\nin\n`, seen.stderr);
  tt.is(readFileSync(join(bindDir, name), `utf8`), `in\n`, `a bind mount's copy is in the host directory`);
  writeFileSync(join(fx.dir, `hosts`), `10.1.2.3 copied\n`);
  tt.is((await t([`cp`, join(fx.dir, `hosts`), `r2:/etc/hosts`])).code, 0);
  tt.is((await t([`exec`, `r2`, `cat`, `/etc/hosts`])).stdout, `10.1.2.3 copied\n`, `the container's /etc/hosts (a mount of its own) has the copy`);
  // Out of it: from the volume and the tmpfs.
  for (const [from, want] of [[`r2:/data/v`, `fromvol`], [`r2:/scratch/t`, `fromtmpfs`]] as const) {
    const out = join(fx.dir, `out-${want}`);
    const r = await t([`cp`, from, out]);
    tt.is(r.code, 0, `${from}: ${r.stderr}`);
    tt.is(readFileSync(out, `utf8`), `${want}\n`);
  }
  // A link in the volume to / is followed in the container, never on the host.
  tt.is((await t([`cp`, join(fx.dir, name), `r2:/data/up/tmp/`])).code, 0);
  tt.is((await t([`exec`, `r2`, `cat`, `/tmp/${name}`])).stdout, `in\n`);
  tt.false(existsSync(`/tmp/${name}`), `nothing written to the host's /tmp`);
  // Its whole root into a directory that does not exist yet (podman makes it); its /proc is not walked.
  const whole = join(fx.dir, `r2root`);
  const all = await t([`cp`, `r2:/`, whole]);
  tt.is(all.code, 0, all.stderr);
  tt.is(readFileSync(join(whole, `etc/alpine-release`), `utf8`).trim(), `3.20.3`);
  tt.deepEqual(existsSync(join(whole, `proc/self`)), false);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `r2`])).code, 0);
});

test(`cp with a stopped container: its volume and bind-mounted directories are their sources, as podman mounts them; a read-only one is refused`, async tt => {
  const bindDir = join(fx.dir, `stopped-bind`);
  const roDir = join(fx.dir, `stopped-ro`);
  mkdirSync(bindDir, {recursive: true});
  mkdirSync(roDir, {recursive: true});
  const name = `sv3-${process.pid}.txt`;
  writeFileSync(join(fx.dir, name), `to-volume\n`);
  tt.is((await t([`run`, `--name`, `sv3`, `-v`, `sv3vol:/data`, `-v`, `${bindDir}:/bind`, `-v`, `${roDir}:/ro:ro`, ALPINE, `sh`, `-c`, `echo kept > /data/k`])).code, 0);
  for (const dest of [`sv3:/data/`, `sv3:/bind/`]) {
    const r = await t([`cp`, join(fx.dir, name), dest]);
    tt.is(r.code, 0, `${dest}: ${r.stderr}`);
  }
  tt.is(readFileSync(join(bindDir, name), `utf8`), `to-volume\n`);
  const ro = await t([`cp`, join(fx.dir, name), `sv3:/ro/`]);
  tt.is(ro.code, 125);
  tt.regex(ro.stderr, /read-only mount of container sv3/);
  tt.false(existsSync(join(roDir, name)));
  // Out of the volume: a file, and the volume itself into an existing directory (named as in the container).
  const out = join(fx.dir, `sv3-out`);
  mkdirSync(out, {recursive: true});
  tt.is((await t([`cp`, `sv3:/data/k`, join(out, `k`)])).code, 0);
  tt.is(readFileSync(join(out, `k`), `utf8`), `kept\n`);
  const whole = await t([`cp`, `sv3:/data`, out]);
  tt.is(whole.code, 0, whole.stderr);
  tt.deepEqual([readFileSync(join(out, `data/k`), `utf8`), readFileSync(join(out, `data`, name), `utf8`)], [`kept\n`, `to-volume\n`]);
  // Started again, the container has the copy in its volume.
  const seen = await t([`start`, `-a`, `sv3`]);
  tt.is(seen.code, 0, seen.stderr);
  const inside = await t([`run`, `--rm`, `-v`, `sv3vol:/data`, ALPINE, `cat`, `/data/${name}`]);
  tt.is(inside.stdout, `to-volume\n`, inside.stderr);
  tt.is((await t([`rm`, `sv3`])).code, 0);
});

test(`a work directory a killed tspod left in the store goes with the next command that opens it; a live one stays`, async tt => {
  const dead = spawnSync(`true`).pid!;
  const stale = join(fx.s.root, `.cp-${dead}-abcdef`);
  mkdirSync(join(stale, `sub`), {recursive: true});
  writeFileSync(join(stale, `sub`, `x.tar`), `half a tar`);
  const live = join(fx.s.root, `.save-${process.pid}-abcdef`);
  mkdirSync(live, {recursive: true});
  tt.is((await t([`create`, `--name`, `wd1`, ALPINE, `true`])).code, 0);
  writeFileSync(join(fx.dir, `wd.txt`), `x`);
  tt.is((await t([`cp`, join(fx.dir, `wd.txt`), `wd1:/tmp/`])).code, 0);
  tt.false(existsSync(stale), `the dead process's work directory is gone`);
  tt.true(existsSync(live), `a live process's stays`);
  // Other tests of this file copy at the same time: only a live process's may be there.
  tt.deepEqual(readdirSync(fx.s.root).filter(n => n.startsWith(`.cp-`) && !existsSync(`/proc/${n.split(`-`)[1]}`)), [], `cp leaves none of its own`);
  tt.is((await t([`rm`, `wd1`])).code, 0);
});

test(`cp as podman's -a (copies owned by the container's user; --archive=false keeps the archive's) and --overwrite (a directory and a file never replace each other without it)`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `ow1`, `-u`, `1000:1000`, ALPINE, `sh`, `-c`, `mkdir -p /tmp/d/keep; touch /tmp/f; exec sleep 60`])).code, 0);
  for (let i = 0; i < 100 && (await t([`exec`, `ow1`, `test`, `-e`, `/tmp/f`])).code !== 0; i++) await new Promise(res => setTimeout(res, 50));
  const name = `ow-${process.pid}.txt`;
  writeFileSync(join(fx.dir, name), `x`);
  tt.is((await t([`cp`, join(fx.dir, name), `ow1:/tmp/`])).code, 0);
  tt.is((await t([`exec`, `ow1`, `stat`, `-c`, `%u:%g`, `/tmp/${name}`])).stdout, `1000:1000\n`, `owned by the container's user`);
  tt.is((await t([`cp`, `--archive=false`, join(fx.dir, name), `ow1:/tmp/kept-${name}`])).code, 0);
  tt.is((await t([`exec`, `ow1`, `stat`, `-c`, `%u`, `/tmp/kept-${name}`])).stdout, `${process.getuid!()}\n`, `the archive's owner (the host user's id, as the tar has it)`);
  // A tar whose entry `d` is a file, into /tmp where d is a directory; and one whose `f` is a directory.
  const src = join(fx.dir, `ow-src`);
  mkdirSync(join(src, `f`), {recursive: true});
  writeFileSync(join(src, `d`), `file now`);
  const tarFile = join(fx.dir, `ow.tar`);
  tt.is(spawnSync(`tar`, [`-cf`, tarFile, `-C`, src, `d`]).status, 0);
  const refused = await t([`cp`, `-`, `ow1:/tmp`], readFileSync(tarFile));
  tt.is(refused.code, 125);
  tt.regex(refused.stderr, /cannot overwrite directory "\/tmp\/d" with non-directory/);
  tt.is((await t([`exec`, `ow1`, `test`, `-d`, `/tmp/d/keep`])).code, 0, `the directory is untouched`);
  tt.is(spawnSync(`tar`, [`-cf`, tarFile, `-C`, src, `f`]).status, 0);
  const refused2 = await t([`cp`, `-`, `ow1:/tmp`], readFileSync(tarFile));
  tt.regex(refused2.stderr, /cannot overwrite non-directory "\/tmp\/f" with directory/);
  tt.is(spawnSync(`tar`, [`-cf`, tarFile, `-C`, src, `d`]).status, 0);
  const forced = await t([`cp`, `--overwrite`, `-`, `ow1:/tmp`], readFileSync(tarFile));
  tt.is(forced.code, 0, forced.stderr);
  tt.is((await t([`exec`, `ow1`, `cat`, `/tmp/d`])).stdout, `file now`);
  tt.is((await t([`rm`, `-f`, `-t`, `0`, `ow1`])).code, 0);
  // A file the container deleted (a whiteout in its writable layer) is no file in the way of a directory.
  tt.is((await t([`run`, `--name`, `ow2`, ALPINE, `rm`, `/etc/motd`])).code, 0);
  const dir = join(fx.dir, `ow-dir`);
  mkdirSync(dir, {recursive: true});
  writeFileSync(join(dir, `inside`), `in a directory`);
  const r = await t([`cp`, dir, `ow2:/etc/motd`]);
  tt.is(r.code, 0, r.stderr);
  const seen = await t([`start`, `-a`, `ow2`]);
  tt.is(seen.code, 1, `rm /etc/motd fails: it is a directory now`);
  tt.is((await t([`rm`, `ow2`])).code, 0);
});

test(`diff shows A, C and D; --format json`, async tt => {
  tt.is((await t([`run`, `--name`, `d1`, ALPINE, `sh`, `-c`, `echo n > /newfile && echo x >> /etc/profile && rm /etc/motd`])).code, 0);
  const r = await t([`diff`, `d1`]);
  tt.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split(`\n`);
  tt.true(lines.includes(`A /newfile`), r.stdout);
  tt.true(lines.includes(`C /etc/profile`), r.stdout);
  tt.true(lines.includes(`C /etc`), r.stdout);
  tt.true(lines.includes(`D /etc/motd`), r.stdout);
  tt.false(lines.some(l => /\/etc\/(hosts|resolv\.conf|hostname)$/.test(l)), r.stdout);
  const j = await fx.s.json([`diff`, `--format`, `json`, `d1`], {env: fx.env});
  tt.true(j.added.includes(`/newfile`));
  tt.true(j.deleted.includes(`/etc/motd`));
});

test(`diff leaves out the mount points a run made where the image had none (busybox lacks /proc, /sys, /run)`, async tt => {
  tt.is((await t([`run`, `--name`, `d2`, BUSYBOX, `touch`, `/newfile`])).code, 0);
  const r = await t([`diff`, `d2`]);
  tt.is(r.code, 0, r.stderr);
  tt.deepEqual(r.stdout.trim().split(`\n`), [`C /etc`, `A /newfile`]);
  // What the container itself puts there is still shown.
  tt.is((await t([`run`, `--name`, `d3`, BUSYBOX, `sh`, `-c`, `touch /run/mine`])).code, 0);
  tt.deepEqual((await t([`diff`, `d3`])).stdout.trim().split(`\n`).filter(l => l.includes(`/run`)), [`A /run`, `A /run/mine`]);
});

test(`cp into a directory of the image leaves its mode and owner (/tmp stays 1777); stdin must be a tar, gzip taken; podman's words for missing host paths`, async tt => {
  tt.is((await t([`create`, `--name`, `m1`, ALPINE, `sh`, `-c`, `stat -c '%a %u' /tmp /tmp/d /usr/local/share; ls /tmp/d; ls /usr/local/share/z`])).code, 0);
  const d = join(fx.dir, `m1src`);
  mkdirSync(join(d, `sub`), {recursive: true});
  writeFileSync(join(d, `sub`, `f`), `f\n`);
  // A directory to a new name below /tmp (the writable layer gets a /tmp of its own: it
  // must be the image's, 1777, not a fresh 755); a file into a directory two levels down.
  tt.is((await t([`cp`, d, `m1:/tmp/d`])).code, 0);
  tt.is((await t([`cp`, join(d, `sub`, `f`), `m1:/usr/local/share/z`])).code, 0);
  const r = await t([`start`, `-a`, `m1`]);
  tt.is(r.stdout, `1777 0\n755 0\n755 0\nsub\n/usr/local/share/z\n`, r.stderr);
  const empty = await t([`cp`, `-`, `m1:/tmp`], Buffer.alloc(0));
  tt.deepEqual([empty.code, empty.stderr.split(`\n`)[0]], [125, `Error: source must be a (compressed) tar archive when copying from stdin`]);
  const gz = spawnSync(`tar`, [`-czf`, `-`, `-C`, d, `sub`]).stdout;
  tt.is((await t([`cp`, `-`, `m1:/root`], gz)).code, 0);
  tt.is((await t([`cp`, `m1:/root/sub/f`, join(fx.dir, `m1back`)])).code, 0);
  tt.is(readFileSync(join(fx.dir, `m1back`), `utf8`), `f\n`);
  const noDir = await t([`cp`, `m1:/etc/hostname`, join(fx.dir, `no-such-dir`, `x`)]);
  tt.deepEqual([noDir.code, noDir.stderr.split(`\n`)[0]], [125, `Error: "${join(fx.dir, `no-such-dir`, `x`)}" could not be found on the host: no such file or directory`]);
  const noSrc = await t([`cp`, join(fx.dir, `no-such-file`), `m1:/tmp`]);
  tt.deepEqual([noSrc.code, noSrc.stderr.split(`\n`)[0]], [125, `Error: "${join(fx.dir, `no-such-file`)}" could not be found on the host: no such file or directory`]);
});

test(`cp follows the container's links as the container sees them (a merged-/usr /lib): into the target, the link kept; out of it too`, async tt => {
  tt.is((await t([`run`, `--name`, `m2`, ALPINE, `sh`, `-c`, `ln -s usr/lib /mylib && ln -s /usr/share /abs && echo in > /usr/share/y`])).code, 0);
  writeFileSync(join(fx.dir, `m2f`), `via link\n`);
  tt.is((await t([`cp`, join(fx.dir, `m2f`), `m2:/mylib/`])).code, 0);
  tt.is((await t([`cp`, join(fx.dir, `m2f`), `m2:/abs/x`])).code, 0);
  const out = join(fx.dir, `m2y`);
  tt.is((await t([`cp`, `m2:/abs/y`, out])).code, 0);
  tt.is(readFileSync(out, `utf8`), `in\n`);
  tt.is((await t([`commit`, `-q`, `m2`, `m2img`])).code, 0);
  const r = await t([`run`, `--rm`, `m2img`, `sh`, `-c`, `test -L /mylib && test -L /abs && cat /usr/lib/m2f /usr/share/x`]);
  tt.is(r.stdout, `via link\nvia link\n`, r.stderr);
});
