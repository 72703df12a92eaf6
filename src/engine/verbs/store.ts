// Opens the Store for the image verbs, and the few store operations they share:
// applying a pull's layers through the worker, committing an image record (after
// re-checking under the images lock that its layers and blobs still exist), and
// collecting the layers and blobs a removed image leaves unreferenced.
import {existsSync, statSync} from 'node:fs';
import {unlink} from '../../util/fsp';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {userName} from '../../config/paths';
import type {ApplyJob, PullStore} from '../../image/pull';
import {Store} from '../../storage/Store';
import type {BlobStore} from '../../storage/BlobStore';
import type {ContainerStore} from '../../storage/ContainerStore';
import type {Image, ImageStore, NewImage} from '../../storage/ImageStore';
import type {LayerStore} from '../../storage/LayerStore';
import {probeDrivers} from '../../storage/drivers/index';
import {isoNow} from '../../util/isoTime';
import {staleWorkDirs} from '../../storage/workDirs';

export interface OpenedStore extends PullStore {
  store: Store;
  blobs: BlobStore;
  layers: LayerStore;
  images: ImageStore;
  containers: ContainerStore;
  driverName: string;
  /** Starts the layer worker in the background. */
  warmUp(): void;
  /** Call inside images.mutate: deletes the layers and blobs of `removed` that `remaining` do not use. */
  collect(remaining: ReadonlyArray<Image>, removed: Image): Promise<void>;
  removeContainer(id: string): Promise<void>;
  close(): Promise<void>;
}

/** Thrown by commitImage when a concurrent rmi removed a layer or blob the pull relied on. */
export class VanishedError extends TspodError {
  constructor(what: string) {
    super(`Storage`, `${what} was removed while the image was being pulled`, {hint: `pull again`});
  }
}

export function helperPath(ctx: EngineContext): string | undefined {
  const p = join(ctx.installDir, `helpers/tspod-helper`);
  return existsSync(p) ? p : undefined;
}

/** --root and --runroot must be directories (or not exist yet): say so before mkdir fails obscurely. */
export function checkStoreRoots(ctx: EngineContext): void {
  for (const [flag, dir] of [[`--root`, ctx.paths.graphRoot], [`--runroot`, ctx.paths.runRoot]] as const) {
    let isDir = true;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {}
    if (!isDir)
      throw new TspodError(`InvalidArgument`, `${flag} ${dir} is not a directory: it is a file`, {hint: `point ${flag} at a directory, or move the file away`});
  }
}

export async function openStore(ctx: EngineContext): Promise<OpenedStore> {
  checkStoreRoots(ctx);
  const graphRoot = ctx.paths.graphRoot;
  const helper = helperPath(ctx);
  const launcher = helper ? {helperPath: helper} : {};
  const driver = ctx.storageDriver ?? (await probeDrivers(graphRoot, launcher, {cacheFile: ctx.paths.driverProbeCache})).best;
  const store = await Store.open({
    graphRoot,
    driver,
    workerScript: join(ctx.installDir, `dist/apply-worker.js`),
    ...launcher,
    user: userName(),
  });
  // Temp blobs of killed pulls (their pid is gone) are removed as incomplete records are.
  for (const tmp of await store.blobs.staleTemps()) await unlink(tmp).catch(() => undefined);
  // And the work directories of killed verbs (cp's tar, save's archive): files of subordinate ids may be in them.
  for (const dir of staleWorkDirs(graphRoot)) await store.removeTree(dir).catch(() => undefined);
  return wrap(store, driver);
}

/** Opens the store, runs fn, and always closes it (the layer worker must not outlive the verb). */
export async function withStore<R>(ctx: EngineContext, fn: (store: OpenedStore) => Promise<R>): Promise<R> {
  const store = await openStore(ctx);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function wrap(store: Store, driverName: string): OpenedStore {
  return {
    store,
    blobs: store.blobs,
    layers: store.layers,
    images: store.images,
    containers: store.containers,
    driverName,
    warmUp() {
      store.worker().maps().catch(() => undefined);
    },
    async applyLayers(jobs: AsyncIterable<ApplyJob>) {
      let parent: string | undefined;
      for await (const job of jobs) {
        // The first job's parent may be a layer already in the store (not applied here).
        parent = job.parentLayerId ?? parent;
        await store.putLayer({
          id: job.layerId,
          ...(parent !== undefined ? {parent} : {}),
          blob: job.blobDigest,
          ...(job.source ? {source: job.source} : {}),
          expectedDiffID: job.expectedDiffId,
        });
        parent = job.layerId;
      }
    },
    async commitImage(image: NewImage) {
      await store.images.mutate(async records => {
        const layers = await store.layers.list();
        for (const id of image.layers) {
          const l = layers.find(x => x.id === id);
          if (!l || l.flags?.incomplete) throw new VanishedError(`layer ${id}`);
        }
        for (const d of [image.configDigest, image.manifestDigest])
          if (!await store.blobs.has(d)) throw new VanishedError(`blob ${d}`);
        // The ImageStore.put semantics, inside this same locked update.
        const names = image.names ?? [];
        for (const other of records) if (other.id !== image.id) other.names = other.names.filter(n => !names.includes(n));
        const cur = records.find(r => r.id === image.id);
        if (cur) {
          const {names: _n, digests: _d, ...rest} = image;
          Object.assign(cur, rest);
          cur.names = [...new Set([...names, ...cur.names])];
          cur.digests = [...new Set([...cur.digests, ...(image.digests ?? [])])];
          delete cur.flags;
        } else {
          records.push({...image, names: [...new Set(names)], digests: [...new Set(image.digests ?? [])], stored: isoNow()});
        }
      });
    },
    async collect(remaining: ReadonlyArray<Image>, removed: Image) {
      const needed = new Set<string>();
      for (const i of remaining) for (const l of i.layers) needed.add(l);
      for (const c of await store.containers.list()) needed.add(c.layer);
      const all = await store.layers.list();
      const blobsUsed = new Set<string>();
      for (const i of remaining) {
        blobsUsed.add(i.manifestDigest).add(i.configDigest);
        for (const id of i.layers) {
          const d = all.find(l => l.id === id)?.compressedDigest;
          if (d) blobsUsed.add(d);
        }
      }
      const blobs: Array<string> = [removed.manifestDigest, removed.configDigest];
      // Top layer first: a layer with children cannot go.
      for (const id of [...removed.layers].reverse()) {
        const layer = all.find(l => l.id === id);
        if (!layer) continue;
        if (layer.compressedDigest) blobs.push(layer.compressedDigest);
        if (needed.has(id)) continue;
        try {
          await store.layers.delete(id);
        } catch (err) {
          // Another layer (a pull building on it) is its child: leave it and everything below.
          if (isChildError(err)) break;
          throw err;
        }
      }
      for (const d of blobs) if (!blobsUsed.has(d)) await store.blobs.delete(d as never);
    },
    async removeContainer(id: string) {
      await store.deleteContainer(id);
    },
    close: () => store.close(),
  };
}

function isChildError(err: unknown): boolean {
  return err instanceof TspodError && /is the parent of layer/.test(err.message);
}
