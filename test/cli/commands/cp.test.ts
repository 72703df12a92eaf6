// `cp` and `diff` end to end as the unprivileged test user: both directions with
// stopped and running containers; a symlink in the container pointing at the host's
// /etc/shadow is copied as a link; a tarball with `..` entries touches nothing
// outside the container; diff reports A/C/D from the writable layer.
import test from 'ava';
import {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawnSync} from 'node:child_process';
import {tempStore} from '../../_helpers/runCli';
import type {TempStore} from '../../_helpers/runCli';
import {REGISTRY, SEEDED} from '../../_helpers/registry';
import {registriesEnv} from '../../_helpers/imageEnv';

const env = registriesEnv([REGISTRY]);
const ALPINE = SEEDED.alpine;
let s: TempStore;
let dir: string;

test.before(async () => {
  s = tempStore();
  dir = mkdtempSync(join(tmpdir(), `tspod-cp-`));
  const r = await s.run([`pull`, ALPINE], {env});
  if (r.code !== 0) throw new Error(`pull: ${r.stderr}`);
});
test.after.always(async () => {
  await s?.run([`rm`, `-fa`], {env});
  s?.cleanup();
  rmSync(dir, {recursive: true, force: true});
});

const t = (args: Array<string>, input?: Buffer) => s.run(args, {env, ...(input ? {input} : {})});

test(`cp out of and into a stopped container`, async tt => {
  tt.is((await t([`run`, `--name`, `s1`, ALPINE, `sh`, `-c`, `mkdir -p /data/sub && echo one > /data/sub/f && ln -s /etc/shadow /evil`])).code, 0);
  const out = join(dir, `out1`);
  const r = await t([`cp`, `s1:/data`, out]);
  tt.is(r.code, 0, r.stderr);
  tt.is(readFileSync(join(out, `sub/f`), `utf8`), `one\n`);
  // A link to /etc/shadow is copied as a link: the host file is never read.
  const ev = join(dir, `evil`);
  tt.is((await t([`cp`, `s1:/evil`, ev])).code, 0);
  tt.true(lstatSync(ev).isSymbolicLink());
  tt.is(readlinkSync(ev), `/etc/shadow`);
  // Into a directory, and to a new name.
  writeFileSync(join(dir, `in.txt`), `hello in\n`);
  tt.is((await t([`cp`, join(dir, `in.txt`), `s1:/tmp`])).code, 0);
  tt.is((await t([`cp`, join(dir, `in.txt`), `s1:/root/renamed`])).code, 0);
  // Onto the symlink: the link is replaced inside the container, /etc/shadow of the host untouched.
  const w = await t([`cp`, join(dir, `in.txt`), `s1:/evil`]);
  tt.is(w.code, 0, w.stderr);
  const chk = await t([`start`, `-a`, `s1`]);
  void chk;
  const c2 = await t([`commit`, `s1`, `cpcheck`]);
  tt.is(c2.code, 0, c2.stderr);
  const run = await t([`run`, `--rm`, `cpcheck`, `sh`, `-c`, `cat /tmp/in.txt /root/renamed /evil; stat -c %u /tmp/in.txt`]);
  tt.is(run.stdout.trim(), `hello in\nhello in\nhello in\n0`, run.stderr);
});

test(`cp with a running container; a tar with .. entries touches nothing outside`, async tt => {
  tt.is((await t([`run`, `-d`, `--name`, `r1`, ALPINE, `sleep`, `60`])).code, 0);
  writeFileSync(join(dir, `live.txt`), `live\n`);
  const r = await t([`cp`, join(dir, `live.txt`), `r1:/tmp/live.txt`]);
  tt.is(r.code, 0, r.stderr);
  const e = await t([`exec`, `r1`, `cat`, `/tmp/live.txt`]);
  tt.is(e.stdout.trim(), `live`, e.stderr);
  const back = join(dir, `back.txt`);
  tt.is((await t([`cp`, `r1:/etc/alpine-release`, back])).code, 0);
  tt.is(readFileSync(back, `utf8`).trim(), `3.20.3`);
  // A tarball whose entries climb out with `..`.
  const src = join(dir, `evilsrc`);
  mkdirSync(join(src, `a`), {recursive: true});
  writeFileSync(join(src, `a`, `x`), `x`);
  const marker = join(dir, `ESCAPED`);
  const tarFile = join(dir, `evil.tar`);
  const dots = `../../../../../../../../../../..${marker}`;
  const mk = spawnSync(`tar`, [`-cf`, tarFile, `-C`, src, `--transform`, `s,^a/x,${dots},`, `a/x`], {encoding: `utf8`});
  tt.is(mk.status, 0, mk.stderr);
  tt.true(spawnSync(`tar`, [`-tf`, tarFile], {encoding: `utf8`}).stdout.includes(`..`));
  const bad = await t([`cp`, `-`, `r1:/tmp`], readFileSync(tarFile));
  tt.not(bad.code, 0);
  tt.regex(bad.stderr, /outside/);
  tt.false(existsSync(marker), `nothing was written outside the container`);
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
  const j = await s.json([`diff`, `--format`, `json`, `d1`], {env});
  tt.true(j.added.includes(`/newfile`));
  tt.true(j.deleted.includes(`/etc/motd`));
});
