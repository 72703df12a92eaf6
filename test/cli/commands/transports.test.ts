// Image transports end to end as the unprivileged test user: docker://REF wherever a
// registry image is named, `load -i DIR` of an OCI layout or dir: directory, and
// pull/run of oci:, oci-archive:, docker-archive: and dir:, named as podman names them.
// Bad input (missing paths, directories that are no image, a blob whose digest does
// not match, unknown transports) fails with one line and leaves the store unchanged.
import test from 'ava';
import {appendFileSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pulledStore} from '../../_helpers/pulledStore';
import {SEEDED} from '../../_helpers/registry';
import {SHARED_IMAGES} from '../../_helpers/project';

const BUSYBOX = SEEDED.busyboxMusl;
const GLIBC_LAYOUT = join(SHARED_IMAGES, `busybox-1.37.0-glibc-amd64.oci`);
const fx = pulledStore([BUSYBOX]);
const t = fx.t;
// An oci: image is named after its path: this one must be lower case (the test
// runner's TMPDIR may not be).
const DIR = join(/[A-Z]/.test(tmpdir()) ? `/var/tmp` : tmpdir(), `tspod-transports-${process.pid}`);
test.before(() => mkdirSync(DIR, {recursive: true}));
test.after.always(() => {
  spawnSync(`chmod`, [`-R`, `u+w`, DIR]);
  rmSync(DIR, {recursive: true, force: true});
});

/** A writable copy of a shared layout (whose files are read-only). */
function copyLayout(to: string): void {
  cpSync(GLIBC_LAYOUT, to, {recursive: true});
  spawnSync(`chmod`, [`-R`, `u+w`, to]);
}

async function images(): Promise<Array<{id: string, names: Array<string>}>> {
  return (await fx.s.json([`images`, `--format`, `json`], {env: fx.env})).map((i: any) => ({id: i.Id, names: (i.Names ?? []).slice().sort()}));
}

function blobs(): Array<string> {
  return readdirSync(join(fx.s.root, `blobs/sha256`)).sort();
}

async function idOf(ref: string): Promise<string> {
  return (await fx.s.json([`image`, `inspect`, ref], {env: fx.env}))[0].Id;
}

function oneLine(tt: {true(v: boolean, m?: string): void, notRegex(s: string, r: RegExp, m?: string): void}, stderr: string, what: string): void {
  tt.true(stderr.trim().split(`\n`).length <= 2, `${what}: ${stderr}`);
  tt.notRegex(stderr, /\n\s+at /, what);
}

test.serial(`docker://REF pulls, runs and creates a registry image as the plain reference does`, async tt => {
  const id = await idOf(BUSYBOX);
  const p = await t([`pull`, `docker://${BUSYBOX}`]);
  tt.is(p.code, 0, p.stderr);
  tt.is(p.stdout.trim(), id);
  const r = await t([`run`, `--rm`, `--network`, `none`, `docker://${BUSYBOX}`, `echo`, `via docker`]);
  tt.is(r.stdout, `via docker\n`, r.stderr);
  const c = await t([`create`, `docker://${BUSYBOX}`, `true`]);
  tt.is(c.code, 0, c.stderr);
  // The container records the image's name, not the transport (as podman's ps shows it).
  const ps = await fx.s.json([`ps`, `-a`, `--format`, `json`], {env: fx.env});
  tt.is(ps.find((x: any) => x.Id === c.stdout.trim())?.Image, BUSYBOX);
  tt.is((await t([`rm`, c.stdout.trim()])).code, 0);
  // Not a transport: a registry with a port, and a name that only looks like one.
  const bad = await t([`pull`, `docker://${BUSYBOX.replace(/:[^:]+$/, `:no-such-tag`)}`]);
  tt.is(bad.code, 125);
  tt.regex(bad.stderr, /no-such-tag/);
  const foo = await t([`pull`, `foo:bar`]);
  tt.is(foo.code, 125);
  tt.notRegex(foo.stderr, /transport/, `foo:bar is a registry reference, as in podman`);
  oneLine(tt, foo.stderr, `foo:bar`);
});

test.serial(`load -i DIR: an OCI layout is named after its path, a dir: image not at all`, async tt => {
  const layout = join(DIR, `glibc.oci`);
  copyLayout(layout);
  const l = await t([`load`, `-i`, layout]);
  tt.is(l.code, 0, l.stderr);
  const name = `localhost${layout}:latest`;
  tt.is(l.stdout.trim(), `Loaded image: ${name}`);
  const r = await t([`run`, `--rm`, `--network`, `none`, name, `echo`, `from a layout`]);
  tt.is(r.stdout, `from a layout\n`, r.stderr);
  // A dir: image, as save --format docker-dir writes it.
  const dd = join(DIR, `bb.dir`);
  const s = await t([`save`, `--format`, `docker-dir`, `-o`, dd, BUSYBOX]);
  tt.is(s.code, 0, s.stderr);
  const id = await idOf(BUSYBOX);
  tt.is((await t([`rmi`, BUSYBOX])).code, 0);
  const ld = await t([`load`, `-i`, dd]);
  tt.is(ld.code, 0, ld.stderr);
  tt.is(ld.stdout.trim(), `Loaded image: sha256:${id}`);
  tt.deepEqual((await images()).find(i => i.id === id)?.names, []);
  tt.is((await t([`tag`, id, BUSYBOX])).code, 0);
  tt.is((await t([`rmi`, name])).code, 0);
});

test.serial(`pull and run oci:DIR[:REF], dir:DIR, oci-archive:PATH[:REF] and docker-archive:PATH[:REF]`, async tt => {
  const layout = join(DIR, `pulled.oci`);
  copyLayout(layout);
  const glibcId = (await t([`pull`, `oci:${layout}:busybox:1.37.0-glibc`]));
  tt.is(glibcId.code, 0, glibcId.stderr);
  const name = `localhost${layout}:latest`;
  tt.is(await idOf(name), glibcId.stdout.trim(), `oci:DIR:REF is named after DIR, as podman does`);
  const nope = await t([`pull`, `oci:${layout}:busybox:nope`]);
  tt.is(nope.code, 125);
  tt.regex(nope.stderr, /no image named "busybox:nope"/);
  // run copies from a local transport every time, as podman does.
  const r = await t([`run`, `--rm`, `--network`, `none`, `oci:${layout}`, `echo`, `oci run`]);
  tt.is(r.stdout, `oci run\n`, r.stderr);
  tt.is((await t([`rmi`, name])).code, 0);

  const id = await idOf(BUSYBOX);
  const dd = join(DIR, `p.dir`);
  tt.is((await t([`save`, `--format`, `docker-dir`, `--compress`, `-o`, dd, BUSYBOX])).code, 0);
  const d = await t([`pull`, `dir:${dd}`]);
  tt.is(d.code, 0, d.stderr);
  tt.is(d.stdout.trim(), id);

  const da = join(DIR, `bb.tar`), oa = join(DIR, `bb.oci.tar`);
  tt.is((await t([`save`, `-o`, da, BUSYBOX])).code, 0);
  tt.is((await t([`save`, `--format`, `oci-archive`, `-o`, oa, BUSYBOX])).code, 0);
  tt.is((await t([`rmi`, BUSYBOX])).code, 0);
  const pa = await t([`pull`, `docker-archive:${da}`]);
  tt.is(pa.code, 0, pa.stderr);
  tt.deepEqual((await images()).find(i => i.id === id)?.names, [BUSYBOX]);
  tt.is((await t([`rmi`, BUSYBOX])).code, 0);
  const po = await t([`pull`, `oci-archive:${oa}:${BUSYBOX}`]);
  tt.is(po.code, 0, po.stderr);
  tt.deepEqual((await images()).find(i => i.id === id)?.names, [BUSYBOX]);
  const rt = await t([`run`, `--rm`, `--network`, `none`, `docker-archive:${da}:${BUSYBOX}`, `echo`, `archive run`]);
  tt.is(rt.stdout, `archive run\n`, rt.stderr);
  const c = await t([`create`, `dir:${dd}`, `true`]);
  tt.is(c.code, 0, c.stderr);
  const ps = await fx.s.json([`ps`, `-a`, `--format`, `json`], {env: fx.env});
  tt.is(ps.find((x: any) => x.Id === c.stdout.trim())?.Image, BUSYBOX, `a container from a transport records the image's name`);
  tt.is((await t([`rm`, c.stdout.trim()])).code, 0);
  const wrongTag = await t([`pull`, `docker-archive:${da}:localhost/other:1`]);
  tt.is(wrongTag.code, 125);
  tt.regex(wrongTag.stderr, /no image tagged "localhost\/other:1"/);
  // The transport must match the format.
  const wrong = await t([`pull`, `docker-archive:${oa}`]);
  tt.is(wrong.code, 125);
  tt.regex(wrong.stderr, /is an oci-archive, not a docker-archive/);
});

test.serial(`bad input fails with one line and changes nothing: missing paths, non-images, digest mismatch, unsupported transports`, async tt => {
  const before = await images();
  const blobsBefore = blobs();
  const notImage = join(DIR, `not-an-image`);
  mkdirSync(notImage, {recursive: true});
  writeFileSync(join(notImage, `README`), `hello`);
  const badJson = join(DIR, `bad-json`);
  mkdirSync(badJson, {recursive: true});
  writeFileSync(join(badJson, `index.json`), `{not json`);
  // A layout whose layer blob was changed (one byte appended), and one whose config is gone.
  const corrupt = join(DIR, `corrupt.oci`);
  copyLayout(corrupt);
  const index = JSON.parse(readFileSync(join(corrupt, `index.json`), `utf8`));
  const manifest = JSON.parse(readFileSync(join(corrupt, `blobs/sha256`, index.manifests[0].digest.slice(7)), `utf8`));
  appendFileSync(join(corrupt, `blobs/sha256`, manifest.layers[0].digest.slice(7)), `x`);
  // A dir: image whose blobs match their digests but whose config names another diff_id.
  const mismatch = join(DIR, `mismatch.dir`);
  tt.is((await t([`save`, `--format`, `docker-dir`, `-o`, mismatch, BUSYBOX])).code, 0);
  const dm = JSON.parse(readFileSync(join(mismatch, `manifest.json`), `utf8`));
  const cfg = JSON.parse(readFileSync(join(mismatch, dm.config.digest.slice(7)), `utf8`));
  cfg.rootfs.diff_ids[0] = `sha256:${`0`.repeat(64)}`;
  const cfgBody = Buffer.from(JSON.stringify(cfg));
  const cfgHex = createHash(`sha256`).update(cfgBody).digest(`hex`);
  rmSync(join(mismatch, dm.config.digest.slice(7)));
  writeFileSync(join(mismatch, cfgHex), cfgBody);
  dm.config = {...dm.config, digest: `sha256:${cfgHex}`, size: cfgBody.length};
  writeFileSync(join(mismatch, `manifest.json`), JSON.stringify(dm));
  const upper = join(DIR, `Upper.oci`);
  copyLayout(upper);
  const truncated = join(DIR, `truncated.oci`);
  copyLayout(truncated);
  rmSync(join(truncated, `blobs/sha256`, manifest.config.digest.slice(7)));
  const cases: Array<[string, Array<string>, RegExp]> = [
    [`load of a missing path`, [`load`, `-i`, join(DIR, `nope`)], /cannot read .*nope: ENOENT/],
    [`pull of a missing oci: directory`, [`pull`, `oci:${join(DIR, `nope`)}`], /does not exist/],
    [`pull of a missing archive`, [`pull`, `docker-archive:${join(DIR, `nope.tar`)}`], /does not exist/],
    [`a directory that is no image`, [`load`, `-i`, notImage], /neither index.json .* nor manifest.json/],
    [`dir: of a directory that is no image`, [`pull`, `dir:${notImage}`], /neither index.json .* nor manifest.json/],
    [`an index.json that is not JSON`, [`load`, `-i`, badJson], /invalid image directory|JSON/],
    [`a layer whose digest does not match`, [`load`, `-i`, corrupt], /layer sha256:[0-9a-f]{64} does not match its digest/],
    [`the same through oci:`, [`pull`, `oci:${corrupt}`], /does not match its digest/],
    [`a layer that is not the one its config names`, [`load`, `-i`, mismatch], /invalid image directory .*mismatch.dir: layer 1 .* does not match the diff_id in its config/],
    [`a missing config blob`, [`load`, `-i`, truncated], /config sha256:[0-9a-f]{64} is missing/],
    [`an archive transport given a directory`, [`pull`, `oci-archive:${corrupt}`], /is a directory/],
    [`oci: given a file`, [`pull`, `oci:${join(GLIBC_LAYOUT, `index.json`)}`], /is not a directory/],
    [`an OCI layout whose path makes no image name`, [`load`, `-i`, upper], /is named after its path, .* is not a valid image name/],
    [`a transport tspod does not implement`, [`pull`, `containers-storage:${BUSYBOX}`], /unsupported transport "containers-storage"/],
    [`a transport in a local lookup`, [`image`, `exists`, `docker://${BUSYBOX}`], /unsupported transport "docker" for looking up local images/],
    [`the same for rmi`, [`rmi`, `oci:${corrupt}`], /unsupported transport "oci" for looking up local images/],
    [`run of a transport tspod does not implement`, [`run`, `--rm`, `docker-daemon:busybox:latest`, `true`], /unsupported transport "docker-daemon"/],
  ];
  for (const [what, args, re] of cases) {
    const r = await t(args);
    tt.is(r.code, 125, `${what}: ${r.stderr}`);
    tt.regex(r.stderr, re, what);
    oneLine(tt, r.stderr, what);
  }
  tt.deepEqual(await images(), before);
  tt.deepEqual(blobs(), blobsBefore);
});

test.serial(`push IMAGE to oci:, dir:, oci-archive: and docker-archive: writes what pull reads back, named as podman names it`, async tt => {
  const id = await idOf(BUSYBOX);
  const dests: Array<[string, string]> = [
    [`oci:${join(DIR, `push.oci`)}:busybox:pushed`, `localhost${join(DIR, `push.oci`)}:latest`],
    [`dir:${join(DIR, `push.dir`)}`, ``],
    [`oci-archive:${join(DIR, `push.oci.tar`)}:localhost/pushed:1`, `localhost/pushed:1`],
    [`docker-archive:${join(DIR, `push.tar`)}:localhost/pushed:2`, `localhost/pushed:2`],
  ];
  for (const [dest] of dests) {
    const r = await t([`push`, BUSYBOX, dest]);
    tt.is(r.code, 0, `${dest}: ${r.stderr}`);
  }
  const index = JSON.parse(readFileSync(join(DIR, `push.oci`, `index.json`), `utf8`));
  tt.is(index.manifests[0].annotations[`org.opencontainers.image.ref.name`], `busybox:pushed`);
  tt.is(index.manifests[0].mediaType, `application/vnd.oci.image.manifest.v1+json`);
  // An archive is replaced, as podman does; a directory that is there already is not.
  tt.is((await t([`push`, BUSYBOX, `docker-archive:${join(DIR, `push.tar`)}:localhost/pushed:2`])).code, 0);
  const again = await t([`push`, BUSYBOX, `dir:${join(DIR, `push.dir`)}`]);
  tt.is(again.code, 125);
  tt.regex(again.stderr, /exists and is not empty/);
  tt.is((await t([`rmi`, `-f`, id])).code, 0);
  for (const [dest, name] of dests) {
    const r = await t([`pull`, dest]);
    tt.is(r.code, 0, `${dest}: ${r.stderr}`);
    tt.is(r.stdout.trim(), id, dest);
    if (name !== ``) tt.is(await idOf(name), id, `${dest} is named ${name}`);
  }
  // pull docker-archive:PATH:REF names the image REF only, though the archive records the name pushed too.
  const names = (await images()).find(i => i.id === id)?.names;
  tt.deepEqual(names, [`localhost${join(DIR, `push.oci`)}:latest`, `localhost/pushed:1`, `localhost/pushed:2`].sort());
  const tags = JSON.parse(spawnSync(`tar`, [`-xOf`, join(DIR, `push.tar`), `manifest.json`], {encoding: `utf8`}).stdout)[0].RepoTags;
  tt.deepEqual(tags, [`localhost/pushed:2`, BUSYBOX]);
  tt.is((await t([`tag`, id, BUSYBOX])).code, 0);
});
