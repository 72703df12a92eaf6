// `commit CONTAINER [REF]`: the container's writable layer (the overlay upper dir,
// packed by the worker: whiteouts → `.wh.NAME`, opaque dirs → `.wh..wh..opq`)
// becomes a new layer on top of its image's. /etc/hosts, /etc/resolv.conf,
// /etc/hostname and /run/.containerenv are bind-mounted from userdata, so their
// contents are never in the upper dir; the empty files created as their mount points
// (when the image lacks them) are left out. Rootless: the container is not paused.
import {emitContainer} from '../events/emit';
import {unlink} from '../../util/fsp';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {Digest} from '../../oci/digest';
import {parseImageConfig, parseManifest} from '../../oci/image';
import type {ImageConfig, ImageRuntimeConfig} from '../../oci/image';
import {normalizeName} from '../../image/lookup';
import {mustLookup} from '../lifecycle/containers';
import {applyChanges, applyLayerBlobs, historyEntry, writeImage} from './imageWrite';
import type {LayerBlob} from './imageWrite';
import {withStore} from './store';
import type {OpenedStore} from './store';
import {isoNow} from '../../util/isoTime';

export interface CommitOptions {
  container: string;
  reference?: string | undefined;
  changes?: Array<string>;
  message?: string | undefined;
  author?: string | undefined;
  pause?: boolean | undefined;
}

/** Mount points of the init files: left out of commit and diff when they are empty files. */
export const INIT_FILES = [`etc/hosts`, `etc/resolv.conf`, `etc/hostname`, `run/.containerenv`];

/**
 * The container's own settings (recorded at create: engine/run/prepare.ts) for the new
 * image, as podman commits them: command, entrypoint, env, user, working directory, labels.
 */
function runSettings(metadata: Record<string, unknown> | undefined): ImageRuntimeConfig {
  const rc = metadata?.commitConfig as ImageRuntimeConfig | undefined;
  const labels = metadata?.labels as Record<string, string> | undefined;
  const out: ImageRuntimeConfig = {};
  if (rc) {
    // An emptied entrypoint (--entrypoint '') clears the image's; undefined drops the key.
    out.Entrypoint = rc.Entrypoint?.length ? rc.Entrypoint : (undefined as unknown as Array<string>);
    out.Cmd = rc.Cmd ?? [];
    if (rc.Env) out.Env = rc.Env;
    if (rc.User) out.User = rc.User;
    if (rc.WorkingDir) out.WorkingDir = rc.WorkingDir;
  }
  if (labels && Object.keys(labels).length > 0) out.Labels = labels;
  return out;
}

/** The container's upper dir as a gzip layer blob in the BlobStore. */
export async function packUpper(store: OpenedStore, layerId: string): Promise<LayerBlob> {
  if (store.store.driver.whiteouts !== `overlay`)
    throw new TspodError(`Unsupported`, `commit and diff need the overlay storage driver (this store uses ${store.driverName})`, {hint: `use a store made with the overlay or fuse-overlayfs driver`});
  const tmp = await store.blobs.tempPath();
  try {
    const r = await store.store.worker().pack({dirs: [store.layers.diffDir(layerId)], mode: `diff`, whiteouts: `overlay`, out: tmp, gzip: true, skipEmpty: INIT_FILES});
    await store.blobs.commitHashed(tmp, r.digest);
    return {digest: r.digest, size: r.compressedSize, diffID: r.diffID};
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

export async function commitContainer(ctx: EngineContext, opts: CommitOptions): Promise<{id: string, names: Array<string>}> {
  const names = opts.reference ? [normalizeName(opts.reference)] : [];
  return withStore(ctx, async store => {
    const c = await mustLookup(store.containers, opts.container);
    const base = c.image ? await store.images.get(c.image) : undefined;
    if (c.image && !base) throw new TspodError(`NoSuchImage`, `the image of container ${opts.container} is no longer in the store`);
    let baseConfig: ImageConfig = {architecture: `amd64`, os: `linux`, rootfs: {type: `layers`, diff_ids: []}};
    let baseLayers: Array<{digest: Digest, size: number, mediaType?: string}> = [];
    if (base) {
      baseConfig = parseImageConfig(await store.blobs.get(base.configDigest));
      baseLayers = parseManifest(await store.blobs.get(base.manifestDigest)).layers;
    }
    const blob = await packUpper(store, c.layer);
    const layerIds = [...(base?.layers ?? []), ...await applyLayerBlobs(store, baseConfig.rootfs.diff_ids, base?.topLayer, [blob])];
    const created = isoNow();
    const config: ImageConfig = {
      ...baseConfig,
      created,
      ...(opts.author ? {author: opts.author} : {}),
      config: applyChanges({...baseConfig.config ?? {}, ...runSettings(c.metadata)}, opts.changes ?? []),
      rootfs: {type: `layers`, diff_ids: [...baseConfig.rootfs.diff_ids, blob.diffID]},
      history: [...(baseConfig.history ?? []), historyEntry(``, {comment: opts.message, author: opts.author})],
    };
    const {id} = await writeImage(store, {config, layerIds, layers: [...baseLayers, blob], names});
    emitContainer(ctx, c, `commit`);
    return {id, names};
  });
}
