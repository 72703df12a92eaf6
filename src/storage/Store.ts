// The store facade: one graph root and driver, its blob/layer/image/container
// stores, the store-wide `storage.lock`, the layout version (STYLE rule 5), the
// apply worker and the fixups helper (each spawned lazily, once), and check/repair.
import {mkdirSync, readFileSync, rmSync} from 'node:fs';
import {mkdir, readdir, stat} from '../util/fsp';
import {join} from 'node:path';
import {LAYOUT_VERSION, uid} from '../config/paths';
import type {GrowingFile} from './GrowingFile';
import type {Digest} from '../oci/digest';
import {TspodError} from '../engine/errors';
import {writeJsonAtomic} from '../util/atomicWrite';
import {childProcess} from '../util/lazyBuiltins';
import {BlobStore} from './BlobStore';
import {LayerStore} from './LayerStore';
import type {Layer} from './LayerStore';
import {ImageStore} from './ImageStore';
import type {Image} from './ImageStore';
import {ContainerStore, newContainerId} from './ContainerStore';
import type {ContainerRecord} from './ContainerStore';
import {LockFile} from './lockfile';
import {WorkerClient, usernsArgv} from './WorkerClient';
import type {ApplyRequest} from './WorkerClient';
import type {ApplyResult, ApplyWarning} from './applyLayer';
import type {FixupRunner} from './applyFixups';
import {createDriver} from './drivers/index';
import type {Driver, MountSpec, WorkerOp} from './drivers/Driver';
import {checkStore} from './check';
import type {CheckReport} from './check';
import {isoNow} from '../util/isoTime';

export type {CheckReport, CheckProblem} from './check';

export interface StoreOptions {
  graphRoot: string;
  /** A driver name (`overlay`, `fuse-overlayfs`, `vfs`) or a Driver. */
  driver: string | Driver;
  /** Path of dist/apply-worker.js. */
  workerScript: string;
  /** tspod-helper, for its `userns` mode; without it util-linux unshare is used. */
  helperPath?: string;
  /** Run the worker without a user namespace (already root). */
  direct?: boolean;
  /** Host user name, for hints. */
  user?: string;
  /** argv in front of the userns launcher (tests as root: setpriv to the test user). */
  prefix?: Array<string>;
  readOnly?: boolean;
}

export interface PutLayerOptions {
  /** Chain ID hex (c/image layerID) of the layer. */
  id: string;
  parent?: string;
  /** The layer blob: in the BlobStore, or (with `source`) once its download is done. */
  blob: Digest;
  /** The blob while it downloads: applied from as it arrives where this process applies it. */
  source?: GrowingFile;
  /** From the image config's rootfs.diff_ids; a mismatch fails and drops the layer. */
  expectedDiffID?: Digest;
}

export interface PutLayerResult {
  layer: Layer;
  /** True when the layer already existed (nothing was applied). */
  reused: boolean;
  warnings: Array<ApplyWarning>;
}

const LAYOUT_FILE = `layout.json`;

export class Store {
  readonly graphRoot: string;
  readonly driver: Driver;
  readonly blobs: BlobStore;
  readonly layers: LayerStore;
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  /** Whole-store lock: shared by everyday operations, exclusive for check --repair / reset. */
  readonly storeLock: LockFile;
  private readonly opts: StoreOptions;
  private workerClient: WorkerClient | undefined;
  private fixupRunner: FixupRunner | undefined;

  private constructor(opts: StoreOptions, driver: Driver) {
    this.opts = opts;
    this.graphRoot = opts.graphRoot;
    this.driver = driver;
    const ro = opts.readOnly ? {readOnly: true} : {};
    this.blobs = new BlobStore(join(opts.graphRoot, `blobs`));
    this.layers = new LayerStore(opts.graphRoot, driver, ops => this.runOps(ops), ro);
    this.images = new ImageStore(opts.graphRoot, driver.storeName, ro);
    this.containers = new ContainerStore(opts.graphRoot, driver.storeName, ro);
    this.storeLock = new LockFile(join(opts.graphRoot, `storage.lock`), ro);
  }

  /** Opens (creating if needed) the store; refuses a layout written by a newer tspod. */
  static async open(opts: StoreOptions): Promise<Store> {
    // Synchronous, as below: small calls a thread-pool round trip would cost more than.
    if (!opts.readOnly) mkdirSync(opts.graphRoot, {recursive: true, mode: 0o700});
    await checkLayout(opts.graphRoot, !opts.readOnly);
    const driver = typeof opts.driver === `string` ? createDriver(opts.driver, opts.graphRoot) : opts.driver;
    const store = new Store(opts, driver);
    if (!opts.readOnly) {
      await store.layers.cleanupIncomplete();
      await store.images.cleanupIncomplete();
    }
    return store;
  }

  /** The apply worker (started on first use, in the user namespace). */
  worker(): WorkerClient {
    this.workerClient ??= new WorkerClient({
      workerScript: this.opts.workerScript,
      ...(this.opts.helperPath ? {helperPath: this.opts.helperPath} : {}),
      ...(this.opts.direct ? {direct: true} : {}),
      ...(this.opts.user ? {user: this.opts.user} : {}),
      ...(this.opts.prefix ? {prefix: this.opts.prefix} : {}),
    });
    return this.workerClient;
  }

  private async runOps(ops: Array<WorkerOp>): Promise<void> {
    for (const op of ops) {
      if (op.op === `remove`) await this.removeTree(op.path);
      else await this.worker().run(op);
    }
  }

  /**
   * rm -rf of a tree in the store (a layer, a volume). Container root is the user, so
   * the user can usually remove it all without a user namespace; what is left (files of
   * subordinate ids, directories the user cannot enter) is removed as root in the user
   * namespace: by the worker when one was started (a pull), else by `rm -rf` under
   * `tspod-helper userns` (a few ms, where starting the worker costs a Node start).
   */
  async removeTree(path: string): Promise<void> {
    try {
      rmSync(path, {recursive: true, force: true}); // nothing runs beside a removal: no thread-pool hop per file
      return;
    } catch {}
    if (this.workerClient) return this.workerClient.run({op: `remove`, path});
    const argv = usernsArgv([`rm`, `-rf`, `--`, path], this.opts);
    await new Promise<void>((resolve, reject) => {
      childProcess().execFile(argv[0]!, argv.slice(1), {timeout: 10 * 60_000}, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const why = String(stderr).trim().split(`\n`).pop() || err.message;
        reject(new TspodError(`Storage`, `cannot remove \`${path}\`: ${why}`, {hint: `check that /etc/subuid and /etc/subgid have a range for ${this.opts.user ?? `this user`} and that newuidmap is installed (uidmap package)`}));
      });
    });
  }

  /**
   * Applies a layer blob as layer `id` on `parent` (both chain IDs), unless a
   * complete layer with that id exists. The diffID is recomputed while applying.
   */
  async putLayer(o: PutLayerOptions): Promise<PutLayerResult> {
    const begun = await this.layers.begin(o.id, o.parent);
    if (begun.state === `exists`) return {layer: begun.layer, reused: true, warnings: []};
    try {
      await this.runOps(begun.prep.before);
      const req: ApplyRequest = {
        blob: this.blobs.path(o.blob),
        target: begun.prep.dir,
        whiteouts: this.driver.whiteouts,
        ...(o.expectedDiffID ? {expectedDiffID: o.expectedDiffID} : {}),
      };
      let r = begun.prep.before.length === 0 ? await this.applyHere(req, o.source) : undefined;
      // The worker reads the blob's file: only once the download is done.
      if (!r) await o.source?.finished();
      r ??= await this.worker().apply(req);
      // Nothing applied from a download is kept unless the blob proved to be the one asked for.
      await o.source?.finished();
      const layer = await this.layers.commit(o.id, {
        diffDigest: r.diffID,
        diffSize: r.size,
        compressedDigest: o.blob,
        compressedSize: (await this.blobs.size(o.blob)) ?? 0,
      });
      return {layer, reused: false, warnings: r.warnings};
    } catch (err) {
      await this.layers.abort(o.id).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Applies a layer in this process, as the host user (the user namespace's root),
   * when that gives the same files: then only the layer's root-only leftovers (other
   * owners, whiteouts) need a user namespace, one `sh` and no Node (applyFixups.ts),
   * and an all-root layer needs none. Undefined when it cannot (something needs root
   * in the namespace throughout, e.g. a privileged xattr): the directory is emptied
   * again and the caller applies in the worker.
   */
  private async applyHere(req: ApplyRequest, source?: GrowingFile): Promise<ApplyResult | undefined> {
    // Already root (tests, or a caller in the namespace): the worker path is the right one.
    if (this.opts.direct || this.opts.prefix || uid() === 0) return undefined;
    const {applyLayer, LayerError} = await import(`./applyLayer`);
    const {FixupRunner, fixupPathsSafe, runFixups} = await import(`./applyFixups`);
    // Most layers leave something for root in the namespace: its helper starts now and
    // sets the namespace up while the layer is applied (idle until the store closes if not).
    const helperPath = this.opts.helperPath;
    if (helperPath) {
      this.fixupRunner ??= new FixupRunner(helperPath);
      try {
        this.fixupRunner.start();
      } catch {} // run() below tries again and says why
    }
    const mode = (await stat(req.target)).mode & 0o7777;
    try {
      const r = await applyLayer({...req, unprivileged: true, ...(this.opts.user ? {user: this.opts.user} : {}), ...(source ? {source} : {})});
      if (r.fixups) {
        if (!fixupPathsSafe(req.target, r.fixups)) throw new Error(`a fixup path is not inside the layer`);
        await (this.fixupRunner ? this.fixupRunner.run(r.fixups) : runFixups(r.fixups, this.opts));
      }
      return {diffID: r.diffID, size: r.size, warnings: r.warnings};
    } catch (err) {
      // A failed download fails the pull with its own error (a digest mismatch, a network error).
      if (source?.failed) throw source.error;
      // A bad layer is bad in the worker too; say it the way the worker does.
      if (err instanceof LayerError) throw new TspodError(`Storage`, `cannot apply layer: ${err.message}`);
      await this.removeTree(req.target);
      await mkdir(req.target, {mode});
      return undefined;
    }
  }

  /** Creates a container record and its writable layer on top of the image's top layer. */
  /** `volatile`: a `run --rm` container, whose records are written without fsync (as c/storage's). */
  async createContainer(o: {id?: string, names?: Array<string>, image?: string, metadata?: Record<string, unknown>, generateName?: () => string, volatile?: boolean}): Promise<ContainerRecord> {
    const id = o.id ?? newContainerId();
    let parent: string | undefined;
    if (o.image) {
      const img = await this.images.get(o.image);
      if (!img) throw new TspodError(`NoSuchImage`, `image ${o.image} not found in the store`);
      parent = img.topLayer;
    }
    const begun = await this.layers.begin(id, parent, {readWrite: true, ...(o.volatile ? {volatile: true} : {})});
    if (begun.state === `exists`) throw new TspodError(`NameInUse`, `a layer with id ${id} already exists`);
    try {
      await this.runOps(begun.prep.before);
      const c = await this.containers.create({id, ...(o.names ? {names: o.names} : {}), image: o.image ?? ``, layer: id, ...(o.metadata ? {metadata: o.metadata} : {}), ...(o.generateName ? {generateName: o.generateName} : {}), ...(o.volatile ? {volatile: true} : {})});
      await this.layers.commit(id);
      return c;
    } catch (err) {
      await this.layers.abort(id).catch(() => undefined);
      throw err;
    }
  }

  /** The mount that gives container `id` its root file system at `target` (default: the layer's merged dir). */
  async mountSpec(containerId: string, target?: string): Promise<MountSpec> {
    const c = await this.containers.get(containerId);
    if (!c) throw new TspodError(`NoSuchContainer`, `no container with id ${containerId}`);
    return this.driver.mountSpec(c.layer, target ?? this.driver.mountPoint(c.layer));
  }

  /** The record, then its writable layer; the layer is flagged first, so a kill in between leaves nothing a store open does not clean. */
  async deleteContainer(id: string): Promise<void> {
    const c = await this.containers.get(id);
    if (c && await this.layers.get(c.layer)) await this.layers.markIncomplete(c.layer);
    const gone = await this.containers.delete(id);
    if (await this.layers.get(gone.layer)) await this.layers.delete(gone.layer);
  }

  /** Removes an image record, then layers no image or container needs, then unreferenced blobs of it. */
  async deleteImage(id: string): Promise<{image: Image, layers: Array<string>}> {
    const users = (await this.containers.list()).filter(c => c.image === id);
    if (users.length > 0)
      throw new TspodError(`ImageInUse`, `image ${id.slice(0, 12)} is in use by container ${users[0]!.id.slice(0, 12)}`, {hint: `remove the container first, or use --force`});
    const image = await this.images.delete(id);
    const layers = await this.gcLayers();
    const stillUsed = new Set<string>();
    for (const i of await this.images.list()) stillUsed.add(i.manifestDigest).add(i.configDigest);
    for (const d of [image.manifestDigest, image.configDigest]) if (!stillUsed.has(d)) await this.blobs.delete(d);
    return {image, layers};
  }

  /** Deletes layers that no image, container or other layer references. Returns their ids. */
  async gcLayers(): Promise<Array<string>> {
    const needed = new Set<string>();
    for (const i of await this.images.list()) for (const l of i.layers) needed.add(l);
    for (const c of await this.containers.list()) needed.add(c.layer);
    const removed: Array<string> = [];
    for (;;) {
      const all = await this.layers.list();
      const parents = new Set(all.map(l => l.parent).filter((p): p is string => p !== undefined));
      const victims = all.filter(l => !needed.has(l.id) && !parents.has(l.id) && !l.flags?.incomplete);
      if (victims.length === 0) return removed;
      for (const v of victims) {
        await this.layers.delete(v.id);
        removed.push(v.id);
      }
    }
  }

  /** Finds (and with repair, removes) damage: see check.ts. Takes storage.lock exclusively when repairing. */
  async check(opts: {repair?: boolean, quick?: boolean} = {}): Promise<CheckReport> {
    const run = () => checkStore(this, {repair: opts.repair ?? false, quick: opts.quick ?? false});
    return opts.repair ? this.storeLock.withWrite(run) : this.storeLock.withRead(run);
  }

  async close(): Promise<void> {
    await this.fixupRunner?.close();
    await this.workerClient?.close();
    this.layers.close();
    this.images.close();
    this.containers.close();
    this.storeLock.close();
  }
}

async function checkLayout(graphRoot: string, write: boolean): Promise<void> {
  const file = join(graphRoot, LAYOUT_FILE);
  let version: number | undefined;
  try {
    version = (JSON.parse(readFileSync(file, `utf8`)) as {version?: number}).version;
  } catch {}
  if (version === undefined) {
    // A new store, or one from before the layout file existed (none of those shipped).
    const entries = await readdir(graphRoot).catch(() => [] as Array<string>);
    if (write) await writeJsonAtomic(file, {version: LAYOUT_VERSION, created: isoNow(), existing: entries.length > 0});
    return;
  }
  if (version > LAYOUT_VERSION)
    throw new TspodError(`Storage`, `the store at \`${graphRoot}\` has layout version ${version}, newer than this tspod understands (${LAYOUT_VERSION})`, {hint: `upgrade tspod, or use another --root`});
  // version < LAYOUT_VERSION: migrations go here when the layout changes.
}

/** True when the store directory exists and has a layout file. */
export async function storeExists(graphRoot: string): Promise<boolean> {
  return stat(join(graphRoot, LAYOUT_FILE)).then(() => true, () => false);
}
