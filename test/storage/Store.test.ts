// The store facade end to end: layers applied by the real worker (rootless as
// the test user, rootful as root), image and container records, deletion with
// layer GC, incomplete-record cleanup, layout versioning, and check --repair.
import test from 'ava';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {existsSync, mkdirSync, mkdtempSync, chmodSync, rmSync, writeFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {Store} from '../../src/storage/Store';
import {ImageStore} from '../../src/storage/ImageStore';
import {usernsArgv} from '../../src/storage/WorkerClient';
import {sha256Of, digestHex} from '../../src/oci/digest';
import type {Digest} from '../../src/oci/digest';
import {LAYOUT_VERSION} from '../../src/config/paths';
import {storeLauncher, WORKER_SCRIPT} from './_userns';
import {makeTar, compress} from './_tar';
import type {TarEntry} from './_tar';

const execFileP = promisify(execFile);
const launcher = storeLauncher();
const base = mkdtempSync(join(`/var/tmp`, `tspod-store-`));
chmodSync(base, 0o755);
const opened: Array<Store> = [];
test.after.always(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  const argv = usernsArgv([`rm`, `-rf`, base], launcher);
  await execFileP(argv[0]!, argv.slice(1)).catch(() => undefined);
  rmSync(base, {recursive: true, force: true});
});

let n = 0;
async function open(graphRoot = join(base, `g${n++}`), driver = `overlay`): Promise<Store> {
  const s = await Store.open({graphRoot, driver, workerScript: WORKER_SCRIPT, ...launcher});
  opened.push(s);
  return s;
}

/** Stores a gzip layer blob; returns its digest and diffID. */
async function layerBlob(s: Store, entries: Array<TarEntry>): Promise<{blob: Digest, diffID: Digest}> {
  const raw = await makeTar(entries);
  const {digest} = await s.blobs.put(compress(raw, `gzip`));
  return {blob: digest, diffID: sha256Of(raw)};
}

function chain(parent: string | undefined, diffID: Digest): string {
  return parent === undefined ? digestHex(diffID) : digestHex(sha256Of(`${parent}+${digestHex(diffID)}`));
}

/** A two-layer image stored the way pull does it. */
async function putImage(s: Store, name: string, salt = ``) {
  const l1 = await layerBlob(s, [{name: `etc/os-release`, data: `tspod${salt}`}]);
  const l2 = await layerBlob(s, [{name: `bin/app`, data: `app${salt}`, mode: 0o755}]);
  const id1 = chain(undefined, l1.diffID);
  const id2 = chain(id1, l2.diffID);
  const r1 = await s.putLayer({id: id1, blob: l1.blob, expectedDiffID: l1.diffID});
  const r2 = await s.putLayer({id: id2, parent: id1, blob: l2.blob, expectedDiffID: l2.diffID});
  const config = await s.blobs.put(Buffer.from(JSON.stringify({rootfs: {diff_ids: [l1.diffID, l2.diffID]}, salt})));
  const manifest = await s.blobs.put(Buffer.from(JSON.stringify({config: config.digest, salt})));
  const image = await s.images.put({
    id: digestHex(config.digest), names: [name], digests: [manifest.digest],
    manifestDigest: manifest.digest, configDigest: config.digest,
    layers: [id1, id2], topLayer: id2, created: new Date(0).toISOString(), size: r1.layer.diffSize! + r2.layer.diffSize!,
  });
  return {image, ids: [id1, id2], r1, r2};
}

test(`putLayer applies once, records digests, and reuses an existing layer`, async t => {
  const s = await open();
  const {ids, r1, r2, image} = await putImage(s, `localhost/app:1`);
  t.false(r1.reused);
  t.is(r2.layer.parent, ids[0]);
  t.is(r2.layer.flags, undefined, `incomplete flag cleared`);
  t.truthy(r2.layer.compressedDigest);
  t.is(readFileSync(join(s.layers.diffDir(ids[1]!), `bin/app`), `utf8`), `app`);
  const again = await putImage(s, `localhost/app:2`);
  t.true(again.r1.reused && again.r2.reused);
  t.is(again.image.id, image.id);
  t.deepEqual((await s.images.get(image.id))!.names, [`localhost/app:2`, `localhost/app:1`]);
  t.is((await s.layers.list()).length, 2);
});

test(`a layer whose diffID does not match is dropped`, async t => {
  const s = await open();
  const l = await layerBlob(s, [{name: `x`, data: `x`}]);
  await t.throwsAsync(s.putLayer({id: `deadbeef`, blob: l.blob, expectedDiffID: sha256Of(`other`)}), {message: /diffID mismatch/});
  t.deepEqual(await s.layers.list(), []);
  t.false(await s.driver.exists(`deadbeef`));
});

test(`image lookup by name, id, prefix, digest; names move between images`, async t => {
  const s = await open();
  const a = await putImage(s, `docker.io/library/a:latest`, `a`);
  const b = await putImage(s, `docker.io/library/b:latest`, `b`);
  t.is((await s.images.lookup(`docker.io/library/a:latest`))!.id, a.image.id);
  t.is((await s.images.lookup(a.image.id.slice(0, 12)))!.id, a.image.id);
  t.is((await s.images.lookup(`sha256:${a.image.id}`))!.id, a.image.id);
  t.is((await s.images.lookup(a.image.digests[0]!))!.id, a.image.id);
  t.is(await s.images.lookup(`docker.io/library/c:latest`), undefined);
  await s.images.addNames(b.image.id, [`docker.io/library/a:latest`]);
  t.deepEqual((await s.images.get(a.image.id))!.names, []);
  t.is((await s.images.lookup(`docker.io/library/a:latest`))!.id, b.image.id);
  // A second ImageStore on the same files sees the change (last-writer token).
  const other = new ImageStore(s.graphRoot, s.driver.storeName);
  await other.removeNames(b.image.id, [`docker.io/library/a:latest`]);
  t.is(await s.images.lookup(`docker.io/library/a:latest`), undefined);
  other.close();
});

test(`containers: writable layer, names, mount spec, delete; images in use`, async t => {
  const s = await open();
  const {image, ids} = await putImage(s, `localhost/ctr:latest`);
  const c = await s.createContainer({names: [`web`], image: image.id, metadata: {cmd: [`sh`]}});
  t.is(c.id.length, 64);
  t.true(existsSync(s.containers.userdataDir(c.id)));
  t.is((await s.layers.get(c.layer))!.parent, ids[1]);
  t.true((await s.layers.get(c.layer))!.readWrite);
  const err = await t.throwsAsync(s.createContainer({names: [`web`], image: image.id}));
  t.is((err as {code?: string}).code, `NameInUse`);
  t.is((await s.layers.list()).length, 3, `the failed create left no layer`);
  t.is((await s.containers.lookup(`web`))!.id, c.id);
  t.is((await s.containers.lookup(c.id.slice(0, 8)))!.id, c.id);
  const spec = await s.mountSpec(c.id);
  t.is(spec.kind, `mount`);
  if (spec.kind === `mount`) t.regex(spec.data, /^lowerdir=.*:.*,upperdir=.*\/diff,workdir=.*\/work,userxattr$/);
  const inUse = await t.throwsAsync(s.deleteImage(image.id));
  t.is((inUse as {code?: string}).code, `ImageInUse`);
  await s.deleteContainer(c.id);
  t.false(existsSync(s.containers.userdataDir(c.id)));
  const {layers} = await s.deleteImage(image.id);
  t.deepEqual(layers.sort(), [...ids].sort());
  t.deepEqual(await s.layers.list(), []);
  t.false(await s.blobs.has(image.configDigest));
  t.deepEqual(await s.driver.listLayers(), []);
});

test(`loaders delete layers a dead process left incomplete`, async t => {
  const graphRoot = join(base, `incomplete`);
  const s = await open(graphRoot);
  const begun = await s.layers.begin(`feed`, undefined);
  t.is(begun.state, `begun`);
  // Pretend the writer died: rewrite the owner to a pid that cannot exist.
  await s.layers.mutate(records => {
    records[0]!.flags = {incomplete: true, owner: 2 ** 22 + 1};
  });
  writeFileSync(join(s.layers.diffDir(`feed`), `partial`), `x`);
  const s2 = await open(graphRoot);
  t.deepEqual(await s2.layers.list(), []);
  t.false(await s2.driver.exists(`feed`));
});

test(`a second writer of the same layer waits for the first, then reuses it`, async t => {
  const graphRoot = join(base, `wait`);
  const s1 = await open(graphRoot);
  const s2 = await open(graphRoot);
  const l = await layerBlob(s1, [{name: `big`, data: `y`.repeat(1 << 20)}]);
  const id = digestHex(l.diffID);
  const [a, b] = await Promise.all([s1.putLayer({id, blob: l.blob}), s2.putLayer({id, blob: l.blob})]);
  t.is([a.reused, b.reused].filter(Boolean).length, 1);
  t.is((await s1.layers.list()).length, 1);
});

test(`a layout newer than this tspod is refused; the current one is written`, async t => {
  const graphRoot = join(base, `layout`);
  await open(graphRoot);
  t.is(JSON.parse(readFileSync(join(graphRoot, `layout.json`), `utf8`)).version, LAYOUT_VERSION);
  writeFileSync(join(graphRoot, `layout.json`), JSON.stringify({version: LAYOUT_VERSION + 1}));
  const err = await t.throwsAsync(Store.open({graphRoot, driver: `vfs`, workerScript: WORKER_SCRIPT}));
  t.is((err as {code?: string}).code, `Storage`);
  t.regex(err!.message, /newer than this tspod understands/);
});

test(`check finds damage and --repair removes it`, async t => {
  const s = await open(undefined, `vfs`);
  const good = await putImage(s, `localhost/good:1`, `good`);
  const noBlob = await putImage(s, `localhost/noblob:1`, `nb`);
  await s.blobs.delete(noBlob.image.manifestDigest);
  const noLayer = await putImage(s, `localhost/nolayer:1`, `nl`);
  // Its top layer's files vanish.
  const argv = usernsArgv([`rm`, `-rf`, s.driver.diffDir(noLayer.ids[1]!)], launcher);
  await execFileP(argv[0]!, argv.slice(1));
  mkdirSync(join(s.driver.home, `dir`, `orphan`));
  writeFileSync(join(s.blobs.root, `sha256`, `.tmp-${2 ** 22 + 3}-abcd`), `partial`);

  const report = await s.check();
  const kinds = report.problems.map(p => `${p.kind}:${p.id}`).sort();
  t.deepEqual(kinds, [
    `image-missing-blob:${noBlob.image.id}`,
    `image-missing-layer:${noLayer.image.id}`,
    `layer-missing-files:${noLayer.ids[1]}`,
    `orphan-layer-dir:orphan`,
    `stale-temp:${join(s.blobs.root, `sha256`, `.tmp-${2 ** 22 + 3}-abcd`)}`,
  ].sort());
  t.false(report.repaired);

  const fixed = await s.check({repair: true});
  t.true(fixed.repaired);
  t.deepEqual((await s.check()).problems, []);
  t.deepEqual((await s.images.list()).map(i => i.id), [good.image.id, noBlob.image.id].filter(id => id === good.image.id));
  t.true(await s.driver.exists(good.ids[1]!));
  t.false(existsSync(join(s.driver.home, `dir`, `orphan`)));
});
