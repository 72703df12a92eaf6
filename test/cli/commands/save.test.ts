// `save` and `load` end to end as the unprivileged test user: both archive formats
// and both directory formats (oci-dir, docker-dir), several images in one archive,
// stdin/stdout, round trips through rmi, what save refuses, and archives that are
// truncated or malformed (one-line error, store unchanged).
import test from 'ava';
import {mkdirSync, readFileSync, rmSync, writeFileSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {pulledStore} from '../../_helpers/pulledStore';
import {SEEDED} from '../../_helpers/registry';
import {SHARED_IMAGES, TSPOD_BIN} from '../../_helpers/project';

const ALPINE = SEEDED.alpine;
const BUSYBOX = SEEDED.busyboxMusl;
const fx = pulledStore([ALPINE, BUSYBOX]);
const t = fx.t;

function tarNames(file: string): Array<string> {
  const r = spawnSync(`tar`, [`-tf`, file], {encoding: `utf8`});
  if (r.status !== 0) throw new Error(`tar: ${r.stderr}`);
  return r.stdout.trim().split(`\n`);
}

async function imageIds(): Promise<Array<string>> {
  return (await fx.s.json([`images`, `--format`, `json`], {env: fx.env})).map((i: any) => i.Id).sort();
}

test.serial(`save docker-archive → rmi → load → run`, async tt => {
  const out = join(fx.dir, `alpine.tar`);
  const r = await t([`save`, `-o`, out, ALPINE]);
  tt.is(r.code, 0, r.stderr);
  const names = tarNames(out);
  tt.true(names.includes(`manifest.json`));
  tt.true(names.some(n => n.endsWith(`/layer.tar`)));
  const manifest = JSON.parse(spawnSync(`tar`, [`-xOf`, out, `manifest.json`], {encoding: `utf8`}).stdout);
  tt.deepEqual(manifest[0].RepoTags, [ALPINE]);
  const id = (await fx.s.json([`image`, `inspect`, ALPINE], {env: fx.env}))[0].Id;
  tt.is((await t([`rmi`, ALPINE])).code, 0);
  const l = await t([`load`, `-i`, out]);
  tt.is(l.code, 0, l.stderr);
  tt.is(l.stdout.trim(), `Loaded image: ${ALPINE}`);
  tt.is((await fx.s.json([`image`, `inspect`, ALPINE], {env: fx.env}))[0].Id, id, `the image id (config digest) survives the round trip`);
  const run = await t([`run`, `--rm`, ALPINE, `cat`, `/etc/alpine-release`]);
  tt.is(run.stdout.trim(), `3.20.3`, run.stderr);
});

test.serial(`save oci-archive to stdout → load from stdin → run`, async tt => {
  const r = await fx.s.run([`save`, `--format`, `oci-archive`, BUSYBOX], {env: fx.env});
  tt.is(r.code, 0, r.stderr);
  const out = join(fx.dir, `bb.oci.tar`);
  // stdout was decoded as text by the helper: save again to a file for the bytes.
  const f = await t([`save`, `--format`, `oci-archive`, `-o`, out, BUSYBOX]);
  tt.is(f.code, 0, f.stderr);
  const names = tarNames(out);
  tt.true(names.includes(`oci-layout`));
  tt.true(names.includes(`index.json`));
  const index = JSON.parse(spawnSync(`tar`, [`-xOf`, out, `index.json`], {encoding: `utf8`}).stdout);
  tt.is(index.manifests[0].annotations[`org.opencontainers.image.ref.name`], BUSYBOX);
  tt.is((await t([`rmi`, BUSYBOX])).code, 0);
  const l = await t([`load`], readFileSync(out));
  tt.is(l.code, 0, l.stderr);
  tt.is(l.stdout.trim(), `Loaded image: ${BUSYBOX}`);
  const run = await t([`run`, `--rm`, BUSYBOX, `echo`, `ok`]);
  tt.is(run.stdout.trim(), `ok`, run.stderr);
});

test.serial(`save -m puts several images in one archive; without -m it says how`, async tt => {
  const no = await t([`save`, `-o`, join(fx.dir, `x.tar`), ALPINE, BUSYBOX]);
  tt.not(no.code, 0);
  tt.regex(no.stderr, /-m/);
  const out = join(fx.dir, `both.tar`);
  const r = await t([`save`, `-m`, `-o`, out, ALPINE, BUSYBOX]);
  tt.is(r.code, 0, r.stderr);
  const manifest = JSON.parse(spawnSync(`tar`, [`-xOf`, out, `manifest.json`], {encoding: `utf8`}).stdout);
  tt.is(manifest.length, 2);
  tt.is((await t([`rmi`, ALPINE, BUSYBOX])).code, 0);
  const l = await t([`load`, `-i`, out]);
  tt.is(l.code, 0, l.stderr);
  tt.deepEqual(l.stdout.trim().split(`\n`).sort(), [`Loaded image: ${ALPINE}`, `Loaded image: ${BUSYBOX}`].sort());
  tt.is((await t([`run`, `--rm`, ALPINE, `cat`, `/etc/alpine-release`])).stdout.trim(), `3.20.3`);
});

test.serial(`an oci-archive whose ref.name has no registry loads as localhost/NAME, as podman`, async tt => {
  const tarFile = join(fx.dir, `layout.tar`);
  const r = spawnSync(`tar`, [`-C`, join(SHARED_IMAGES, `busybox-1.37.0-musl-amd64.oci`), `-cf`, tarFile, `.`]);
  tt.is(r.status, 0, String(r.stderr));
  const l = await t([`load`, `-i`, tarFile]);
  tt.is(l.code, 0, l.stderr);
  tt.is(l.stdout.trim(), `Loaded image: localhost/busybox:1.37.0-musl`);
  tt.is((await t([`run`, `--rm`, `--network`, `none`, `localhost/busybox:1.37.0-musl`, `echo`, `loaded`])).stdout, `loaded\n`);
  tt.is((await t([`rmi`, `localhost/busybox:1.37.0-musl`])).code, 0);
});

test.serial(`a truncated or malformed archive fails with one line and changes nothing`, async tt => {
  const good = join(fx.dir, `good.tar`);
  tt.is((await t([`save`, `-o`, good, ALPINE])).code, 0);
  const before = await imageIds();
  const blobsBefore = spawnSync(`ls`, [join(fx.s.root, `blobs/sha256`)], {encoding: `utf8`}).stdout;
  const size = statSync(good).size;
  const cases: Array<[string, Buffer]> = [
    [`truncated`, readFileSync(good).subarray(0, Math.floor(size / 2))],
    [`garbage`, Buffer.from(`this is not a tar archive at all, not even close`.repeat(20))],
    [`empty`, Buffer.alloc(0)],
  ];
  // A well-formed tar whose manifest names a missing layer.
  const bad = join(fx.dir, `bad`);
  spawnSync(`mkdir`, [`-p`, bad]);
  writeFileSync(join(bad, `manifest.json`), JSON.stringify([{Config: `c.json`, RepoTags: [`x:y`], Layers: [`nope/layer.tar`]}]));
  writeFileSync(join(bad, `c.json`), JSON.stringify({architecture: `amd64`, os: `linux`, rootfs: {type: `layers`, diff_ids: [`sha256:${`0`.repeat(64)}`]}}));
  spawnSync(`tar`, [`-cf`, join(fx.dir, `bad.tar`), `-C`, bad, `manifest.json`, `c.json`]);
  cases.push([`missing layer`, readFileSync(join(fx.dir, `bad.tar`))]);
  for (const [what, bytes] of cases) {
    const f = join(fx.dir, `case.tar`);
    writeFileSync(f, bytes);
    const r = await t([`load`, `-i`, f]);
    tt.not(r.code, 0, what);
    // One line saying what is wrong (plus the hint line), no stack trace.
    tt.true(r.stderr.trim().split(`\n`).length <= 2, `${what}: ${r.stderr}`);
    tt.notRegex(r.stderr, /\n\s+at /, what);
    tt.regex(r.stderr, /invalid image archive/, what);
  }
  tt.deepEqual(await imageIds(), before);
  tt.is(spawnSync(`ls`, [join(fx.s.root, `blobs/sha256`)], {encoding: `utf8`}).stdout, blobsBefore);
});

test(`a reader that goes away (save | head -c 100): a quiet end by SIGPIPE, no stack trace`, async tt => {
  const child = spawn(process.execPath, [TSPOD_BIN, `--root`, fx.s.root, `--runroot`, fx.s.runroot, `save`, ALPINE], {env: {...process.env, ...fx.env}, stdio: [`ignore`, `pipe`, `pipe`]});
  let stderr = ``;
  child.stderr.on(`data`, d => { stderr += d; });
  // The first bytes, then the reading end is closed (as head does).
  await new Promise<void>(resolve => child.stdout.once(`data`, () => { child.stdout.destroy(); resolve(); }));
  const [code, signal] = await new Promise<[number | null, string | null]>(resolve => child.on(`close`, (c, s) => resolve([c, s])));
  tt.is(signal, `SIGPIPE`, `exit ${code}`);
  tt.is(stderr, ``);
});

test.serial(`save --format oci-dir and docker-dir (with and without --compress) load back with the same image id and run`, async tt => {
  const id = (await fx.s.json([`image`, `inspect`, BUSYBOX], {env: fx.env}))[0].Id;
  // An OCI layout loads named after its path: a lower-case one (TMPDIR may not be).
  const lower = join(/[A-Z]/.test(tmpdir()) ? `/var/tmp` : tmpdir(), `tspod-save-dirs-${process.pid}`);
  mkdirSync(lower);
  tt.teardown(() => rmSync(lower, {recursive: true, force: true}));
  const cases: Array<[string, Array<string>]> = [[`oci-dir`, []], [`docker-dir`, []], [`docker-dir`, [`--compress`]]];
  for (const [format, extra] of cases) {
    const what = `${format} ${extra.join(` `)}`;
    const out = join(lower, `${format}${extra.length}`);
    const r = await t([`save`, `--format`, format, ...extra, `-o`, out, BUSYBOX]);
    tt.is(r.code, 0, `${what}: ${r.stderr}`);
    if (format === `oci-dir`) {
      const index = JSON.parse(readFileSync(join(out, `index.json`), `utf8`));
      tt.is(index.manifests[0].annotations[`org.opencontainers.image.ref.name`], BUSYBOX);
      tt.true(statSync(join(out, `oci-layout`)).isFile());
    } else {
      const manifest = JSON.parse(readFileSync(join(out, `manifest.json`), `utf8`));
      tt.is(readFileSync(join(out, `version`), `utf8`), `Directory Transport Version: 1.1\n`);
      tt.is(manifest.config.digest, `sha256:${id}`);
      const layer = readFileSync(join(out, manifest.layers[0].digest.slice(7)));
      const gzip = layer[0] === 0x1f && layer[1] === 0x8b;
      tt.is(gzip, extra.includes(`--compress`), `${what}: layers are gzip'd only with --compress`);
      tt.is(manifest.layers[0].mediaType, gzip ? `application/vnd.docker.image.rootfs.diff.tar.gzip` : `application/vnd.docker.image.rootfs.diff.tar`);
    }
    tt.is((await t([`rmi`, BUSYBOX])).code, 0, what);
    const l = await t([`load`, `-i`, out]);
    tt.is(l.code, 0, `${what}: ${l.stderr}`);
    tt.regex(l.stdout, new RegExp(`Loaded image: .*${format === `oci-dir` ? `${format}0:latest` : `sha256:${id}`}`), what);
    tt.true((await imageIds()).includes(id), `${what}: the image id survives`);
    tt.is((await t([`tag`, id, BUSYBOX])).code, 0);
    const run = await t([`run`, `--rm`, `--network`, `none`, BUSYBOX, `echo`, `ok`]);
    tt.is(run.stdout.trim(), `ok`, `${what}: ${run.stderr}`);
  }
});

test.serial(`save to a directory: -o is required, an existing non-empty directory and several images are refused, --compress only with docker-dir`, async tt => {
  const taken = join(fx.dir, `taken`);
  spawnSync(`mkdir`, [`-p`, taken]);
  writeFileSync(join(taken, `important`), `data`);
  const empty = join(fx.dir, `empty`);
  spawnSync(`mkdir`, [`-p`, empty]);
  const cases: Array<[Array<string>, RegExp]> = [
    [[`save`, `--format`, `oci-dir`, BUSYBOX], /-o DIR is required/],
    [[`save`, `--format`, `docker-dir`, `-o`, taken, BUSYBOX], /exists and is not empty/],
    [[`save`, `--format`, `oci-dir`, `-o`, join(taken, `important`), BUSYBOX], /exists and is not a directory/],
    [[`save`, `--format`, `oci-dir`, `-o`, join(fx.dir, `two`), BUSYBOX, ALPINE], /holds one image/],
    [[`save`, `--format`, `oci-archive`, `--compress`, `-o`, join(fx.dir, `c.tar`), BUSYBOX], /--compress can only be used with --format docker-dir/],
    [[`save`, `--format`, `oci-dir`, `-o`, join(fx.dir, `x`), `no-such-image`], /image not known/],
    [[`save`, `--format`, `docker-dir`, `-o`, join(fx.dir, `no-parent`, `x`), BUSYBOX], /cannot create .*no-parent\/x: ENOENT/],
  ];
  for (const [args, re] of cases) {
    const r = await t(args);
    tt.is(r.code, 125, `${args.join(` `)}: ${r.stderr}`);
    tt.regex(r.stderr, re);
  }
  tt.is(readFileSync(join(taken, `important`), `utf8`), `data`, `the existing directory is left alone`);
  // Nothing half-written is left beside the targets; an existing empty directory is fine.
  tt.deepEqual(spawnSync(`ls`, [`-A`, fx.dir], {encoding: `utf8`}).stdout.split(`\n`).filter(n => /tmp/.test(n)), []);
  tt.is((await t([`save`, `--format`, `oci-dir`, `-o`, empty, BUSYBOX])).code, 0);
  tt.true(statSync(join(empty, `index.json`)).isFile());
});
