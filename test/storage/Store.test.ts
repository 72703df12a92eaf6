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

test(`a container removal killed between its record and its layer leaves nothing the next open keeps`, async t => {
  const graphRoot = join(base, `rmkill`);
  const s = await open(graphRoot);
  const {image} = await putImage(s, `localhost/rmkill:latest`);
  const c = await s.createContainer({image: image.id});
  // deleteContainer's first two steps, then the process "dies" (owner: a pid that cannot exist).
  await s.layers.markIncomplete(c.layer);
  await s.containers.delete(c.id);
  await s.layers.mutate(records => {
    records.find(r => r.id === c.layer)!.flags = {incomplete: true, owner: 2 ** 22 + 1};
  });
  const s2 = await open(graphRoot);
  t.is(await s2.layers.get(c.layer), undefined);
  t.false(await s2.driver.exists(c.layer));
  t.deepEqual((await s2.check()).problems, []);
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

test(`removeTree: the user's files go without a user namespace, subordinate ids' through one, no worker`, async t => {
  const s = await open();
  const tree = join(s.driver.home, `victim`);
  const mine = join(tree, `mine`);
  mkdirSync(mine, {recursive: true});
  writeFileSync(join(mine, `f`), `x`);
  await s.removeTree(mine);
  t.false(existsSync(mine));
  // A directory of container uid 1 (a subordinate id) that only its owner may enter.
  const argv = usernsArgv([`sh`, `-c`, `mkdir -p "$0/theirs/d" && touch "$0/theirs/d/f" && chown -R 1:1 "$0/theirs" && chmod 700 "$0/theirs/d"`, tree], launcher);
  await execFileP(argv[0]!, argv.slice(1));
  await s.removeTree(tree);
  t.false(existsSync(tree));
  t.is((s as unknown as {workerClient?: unknown}).workerClient, undefined, `the Node worker was not started`);
});

/** Every file of a layer as the user namespace sees it: owner, mode, mtime, type, size, xattrs. */
async function describeTree(dir: string): Promise<string> {
  const script = `cd "$0" && find . -printf '%U %G %m %T@ %y %s %p\\n' | sort -k7 && (getfattr -R -h -d -m - . 2>/dev/null | grep -v '^$' || true)`;
  const argv = usernsArgv([`sh`, `-c`, script, dir], launcher);
  return (await execFileP(argv[0]!, argv.slice(1))).stdout;
}

test(`layers applied in this process (namespace only for the leftovers) equal the worker's`, async t => {
  const entries1: Array<TarEntry> = [
    {name: `./`, type: `directory`},
    {name: `bin/`, type: `directory`},
    {name: `ro/`, type: `directory`, mode: 0o555},
    {name: `ro/f`, data: `in a read-only dir`, mode: 0o444},
    {name: `home/`, type: `directory`, uid: 65534, gid: 65534, mode: 0o755},
    {name: `home/u`, data: `owned`, uid: 1000, gid: 1000},
    {name: `bin/su`, data: `setuid root`, mode: 0o4755},
    {name: `bin/sg`, data: `setgid other`, gid: 5, mode: 0o2755},
    {name: `bin/link`, type: `symlink`, linkname: `su`, uid: 3, gid: 3},
    {name: `bin/hard`, type: `link`, linkname: `bin/su`},
    {name: `fifo`, type: `fifo`},
    {name: `x/`, type: `directory`, pax: {'SCHILY.xattr.user.tspod': `1`}},
    {name: `gone`, data: `to be whited out`},
    {name: `opq/`, type: `directory`},
    {name: `opq/old`, data: `old`},
    {name: `twice/`, type: `directory`, uid: 9, gid: 9},
    {name: `twice/`, type: `directory`},
    {name: `t1`, data: `x`, uid: 11, gid: 11},
    {name: `t2`, type: `link`, linkname: `t1`},
    {name: `t1`, data: `replaced`},
  ];
  const entries2: Array<TarEntry> = [
    {name: `./`, type: `directory`, mtime: new Date(1_300_000_000_000)},
    {name: `.wh.gone`, data: ``},
    {name: `opq/`, type: `directory`, mtime: new Date(1_500_000_000_000)},
    {name: `opq/.wh..wh..opq`, data: ``},
    {name: `opq/new`, data: `new`, uid: 7},
    {name: `sub/`, type: `directory`, mtime: new Date(1_400_000_000_000)},
    {name: `sub/.wh.nothing`, data: ``},
  ];
  const trees: Array<string> = [];
  for (const viaWorker of [false, true]) {
    // `prefix` (here empty) is what tests as root use: it keeps the worker path.
    const s = viaWorker ? await Store.open({graphRoot: join(base, `g${n++}`), driver: `overlay`, workerScript: WORKER_SCRIPT, ...launcher, prefix: launcher.prefix ?? []}) : await open();
    if (viaWorker) opened.push(s);
    const l1 = await layerBlob(s, entries1);
    const l2 = await layerBlob(s, entries2);
    const id1 = chain(undefined, l1.diffID);
    const id2 = chain(id1, l2.diffID);
    await s.putLayer({id: id1, blob: l1.blob, expectedDiffID: l1.diffID});
    await s.putLayer({id: id2, parent: id1, blob: l2.blob, expectedDiffID: l2.diffID});
    // Whiteouts are made now: their times differ between the two stores.
    trees.push((await describeTree(s.layers.diffDir(id1)) + await describeTree(s.layers.diffDir(id2))).replace(/^(\d+ \d+ \d+) [\d.]+ c /gm, `$1 (now) c `));
    if (!viaWorker && launcher.prefix === undefined)
      t.is((s as unknown as {workerClient?: unknown}).workerClient, undefined, `no Node worker for these layers`);
  }
  t.is(trees[0], trees[1]);
  t.regex(trees[0]!, /^0 0 0 \(now\) c 0 \.\/gone$/m, `whiteout device`);
  t.regex(trees[0]!, /^0 0 755 1300000000\.0+ d \d+ \.$/m, `the layer root's mtime, though a whiteout was made in it`);
  t.regex(trees[0]!, /^65534 65534 755 [\d.]+ d \d+ \.\/home$/m);
  t.regex(trees[0]!, /^0 5 2755 [\d.]+ f \d+ \.\/bin\/sg$/m, `set-gid kept after the chown`);
  t.regex(trees[0]!, /^0 0 555 [\d.]+ d \d+ \.\/ro$/m);
  t.regex(trees[0]!, /^0 0 755 [\d.]+ d \d+ \.\/twice$/m, `the last entry for a directory wins`);
  t.regex(trees[0]!, /^11 11 644 [\d.]+ f 1 \.\/t2$/m, `a hard link keeps its inode's owner after its first name is replaced`);
  t.regex(trees[0]!, /^0 0 755 1400000000\.0+ d \d+ \.\/sub$/m, `mtime of a directory holding a new whiteout`);
});
