// The drivers' on-disk layout and mount specs, checked by really mounting them
// (native overlay with userxattr, fuse-overlayfs, vfs) and looking at the merged view.
import test from 'ava';
import {execFile} from 'node:child_process';
import {promisify} from 'node:util';
import {existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {createDriver, probeDrivers} from '../../../src/storage/drivers/index';
import type {Driver, MountSpec} from '../../../src/storage/drivers/index';
import {WorkerClient, usernsArgv} from '../../../src/storage/WorkerClient';
import {storeLauncher, WORKER_SCRIPT} from '../_userns';
import {whenAvailable} from '../../_helpers/features';
import {writeLayer} from '../_tar';
import type {TarEntry} from '../_tar';

const execFileP = promisify(execFile);
const launcher = storeLauncher();
const root = mkdtempSync(join(`/var/tmp`, `tspod-drivers-`));
chmodSync(root, 0o755);
const worker = new WorkerClient({workerScript: WORKER_SCRIPT, ...launcher});
test.after.always(async () => {
  await worker.close();
  const argv = usernsArgv([`rm`, `-rf`, root], launcher);
  await execFileP(argv[0]!, argv.slice(1)).catch(() => undefined);
  rmSync(root, {recursive: true, force: true});
});

const base: Array<TarEntry> = [
  {name: `a`, data: `from base`},
  {name: `d/`, type: `directory`},
  {name: `d/old`, data: `old`},
  {name: `keep`, data: `kept`},
];
const top: Array<TarEntry> = [
  {name: `.wh.a`, data: ``},
  {name: `d/`, type: `directory`},
  {name: `d/.wh..wh..opq`, data: ``},
  {name: `d/new`, data: `new`},
];

async function buildStack(d: Driver, tag: string): Promise<string> {
  const ids = [`${tag}base`, `${tag}top`];
  for (const [i, entries] of [base, top].entries()) {
    const prep = await d.createLayer(ids[i]!, i === 0 ? undefined : ids[i - 1]);
    for (const op of prep.before) await worker.run(op);
    const blob = join(root, `${tag}${i}.tar.gz`);
    await writeLayer(blob, entries);
    await worker.apply({blob, target: prep.dir, whiteouts: d.whiteouts});
  }
  const rw = `${tag}ctr`;
  const prep = await d.createReadWrite(rw, ids[1]);
  for (const op of prep.before) await worker.run(op);
  return rw;
}

/** Mounts the spec in a fresh mount namespace (in the user namespace) and lists the merged view. */
async function mountAndList(spec: MountSpec): Promise<string> {
  const show = `cd ${spec.target} && find . -mindepth 1 | sort && cat keep d/new && echo written > upper-file`;
  let script: string;
  if (spec.kind === `mount`) script = `${spec.cwd ? `cd ${spec.cwd} && ` : ``}mount -t overlay overlay -o ${spec.data} ${spec.target} && (${show})`;
  else if (spec.kind === `fuse`) script = `${spec.argv.map(a => `'${a}'`).join(` `)} && (${show}); cd /; umount ${spec.target}`;
  else script = `mount --bind ${spec.source} ${spec.target} && (${show})`;
  const argv = usernsArgv([`sh`, `-c`, script], launcher);
  const {stdout} = await execFileP(argv[0]!, argv.slice(1));
  return stdout;
}

const merged = `./d\n./d/new\n./keep\nkeptnew`;

test.serial(`overlay: diff/link/lower layout, l/ short links, mount data`, async t => {
  const d = createDriver(`overlay`, root);
  t.is(d.home, join(root, `overlay`));
  const rw = await buildStack(d, `o`);
  const short = readFileSync(join(d.home, `obase/link`), `utf8`);
  t.is(short.length, 26);
  t.is(readlinkSync(join(d.home, `l`, short)), `../obase/diff`);
  const topShort = readFileSync(join(d.home, `otop/link`), `utf8`);
  t.is(readFileSync(join(d.home, `otop/lower`), `utf8`), `l/${short}`);
  t.is(readFileSync(join(d.home, `${rw}/lower`), `utf8`), `l/${topShort}:l/${short}`);
  const target = join(d.home, rw, `merged`);
  const spec = await d.mountSpec(rw, target);
  t.deepEqual(spec, {
    kind: `mount`, type: `overlay`, source: `overlay`, target,
    data: `lowerdir=${d.home}/l/${topShort}:${d.home}/l/${short},upperdir=${d.home}/${rw}/diff,workdir=${d.home}/${rw}/work,userxattr`,
  });
  t.is((await mountAndList(spec)).trim(), merged);
  t.is(readFileSync(join(d.diffDir(rw), `upper-file`), `utf8`), `written\n`, `writes land in the container's diff`);
  const ops = await d.removeLayer(`obase`);
  t.deepEqual(ops, [{op: `remove`, path: join(d.home, `obase`)}]);
  t.false(existsSync(join(d.home, `l`, short)));
});

test.serial(`overlay: short links an interrupted create left go when the layer is made again or removed`, async t => {
  const d = createDriver(`overlay`, root);
  const links = () => readdirSync(join(d.home, `l`)).filter(n => readlinkSync(join(d.home, `l`, n)) === `../ocut/diff`);
  // Interrupted after the short link, before the link file: twice, then made whole.
  for (let i = 0; i < 2; i++) {
    await d.createLayer(`ocut`, undefined);
    rmSync(join(d.home, `ocut/link`));
  }
  t.is(links().length, 1, `the second create removed the first one's link`);
  await d.createLayer(`ocut`, undefined);
  t.is(links().length, 1);
  await d.removeLayer(`ocut`);
  t.deepEqual(links(), []);
  // Interrupted, then removed: found without its link file.
  await d.createLayer(`ocut`, undefined);
  rmSync(join(d.home, `ocut/link`));
  await d.removeLayer(`ocut`);
  t.deepEqual(links(), []);
});

whenAvailable(existsSync(`/dev/fuse`), `/dev/fuse`).serial(`fuse-overlayfs: same layout, argv mounts it inside the user namespace`, async t => {
  const d = createDriver(`fuse-overlayfs`, root);
  t.is(d.storeName, `overlay`);
  const rw = await buildStack(d, `f`);
  const spec = await d.mountSpec(rw, join(d.home, rw, `merged`));
  t.is(spec.kind, `fuse`);
  if (spec.kind !== `fuse`) return;
  t.is(spec.argv[0], `fuse-overlayfs`);
  t.regex(spec.argv[2]!, /^lowerdir=\/.*:.*,upperdir=.*\/diff,workdir=.*\/work$/);
  t.is((await mountAndList(spec)).trim(), merged);
});

test.serial(`vfs: a layer starts as a copy of its parent; whiteouts delete; bind mount`, async t => {
  const d = createDriver(`vfs`, root);
  const rw = await buildStack(d, `v`);
  t.true(existsSync(join(d.diffDir(`vbase`), `a`)), `the parent is untouched`);
  t.false(existsSync(join(d.diffDir(`vtop`), `a`)));
  t.deepEqual(await d.mountSpec(rw, `/mnt`), {kind: `bind`, source: join(root, `vfs/dir`, rw), target: `/mnt`});
  t.true((await d.listLayers()).includes(`vtop`));
  const target = join(root, `vfs-mnt`);
  await execFileP(`mkdir`, [`-p`, target]);
  t.is((await mountAndList(await d.mountSpec(rw, target))).trim(), merged);
});

test.serial(`probe finds native overlay here, cleans up, and caches the answer per user, not per store`, async t => {
  const cacheFile = join(root, `probe-cache/driver-probe.json`);
  const graph = join(root, `probe-graph`);
  const r = await probeDrivers(graph, launcher, {fresh: true, cacheFile});
  t.true(r.overlay, r.overlayError);
  t.is(r.best, `overlay`);
  t.false(r.fuseOverlayfs, `fuse-overlayfs is not looked for when native overlay works`);
  t.deepEqual(readdirSync(graph), [], `the probe's temp dir (with its root-owned work dir) is gone`);
  t.false(existsSync(join(graph, `.driver-probe.json`)));
  t.true(existsSync(cacheFile));
  // Another (fresh) store on the same file system: served from the cache, no user namespace needed.
  const again = await probeDrivers(join(root, `probe-graph-2`), {helperPath: `/nonexistent`}, {cacheFile});
  t.deepEqual(again, r, `served from the cache`);
  // A cache from another kernel (or boot) is ignored.
  const cache = JSON.parse(readFileSync(cacheFile, `utf8`));
  writeFileSync(cacheFile, JSON.stringify({...cache, kernel: `0.0.0-other`}));
  const other = await probeDrivers(join(root, `probe-graph-3`), {helperPath: `/nonexistent`}, {cacheFile});
  t.false(other.overlay);
  t.truthy(other.overlayError);
});

test.serial(`overlay: a lowerdir list too long for a page is given relative to home, with cwd`, async t => {
  const d = createDriver(`overlay`, join(root, `deep`));
  let parent: string | undefined;
  for (let i = 0; i < 120; i++) {
    await d.createLayer(`deep${i}`, parent);
    parent = `deep${i}`;
  }
  await d.createReadWrite(`deepctr`, parent);
  const spec = await d.mountSpec(`deepctr`, `/m`);
  if (spec.kind !== `mount`) return t.fail();
  t.is(spec.cwd, d.home);
  t.true(spec.data.length < 4096);
  t.regex(spec.data, /^lowerdir=l\/[A-Z0-9]{26}:l\/[A-Z0-9]{26}:/);
  t.is(spec.data.split(`:`).length, 120);
});

test(`unknown driver names are refused with the list`, t => {
  const err = t.throws(() => createDriver(`btrfs`, root));
  t.is((err as {code?: string}).code, `InvalidArgument`);
  t.regex((err as {hint?: string}).hint!, /overlay, fuse-overlayfs, vfs/);
});
