// The pull pipeline (c/image copy.Image into c/storage, cut down): resolve the
// reference, pick the manifest (index → platform), fetch the config, then fetch the
// layers concurrently while applying them in order. Every blob is verified while it
// streams and lands in the BlobStore through a temp file; a layer already stored
// (by chain ID) is not fetched, a blob already in the BlobStore is not downloaded
// again. The image record is written last, in one atomic update: a pull killed at
// any moment leaves no visible image, only incomplete layers and temp blobs that
// the next command's cleanup removes.
import {TspodError, isTspodError} from '../engine/errors';
import {chainId, digestAlgorithm, digestHex} from '../oci/digest';
import {GrowingFile} from '../storage/GrowingFile';
import type {Digest} from '../oci/digest';
import {isIndexMediaType, parseImageConfig, parseIndex, parseManifest} from '../oci/image';
import type {Descriptor, ImageConfig, ImageManifest} from '../oci/image';
import {formatReference, manifestReference, parseReference, repositoryName} from '../oci/reference';
import type {ImageReference} from '../oci/reference';
import type {BlobStore} from '../storage/BlobStore';
import type {NewImage} from '../storage/ImageStore';
import type {LayerStore} from '../storage/LayerStore';
import type {Logger} from '../util/log';
import {chooseManifest} from './platform';
import type {PlatformWish} from './platform';
import type {PullProgress} from './progress';
import type {RegistryClient} from './registry';
import {networkError} from './http';
import {isoNow} from '../util/isoTime';

/** A layer to unpack: the blob, where to unpack it, and the diffID it must hash to. */
export interface ApplyJob {
  layerId: string;
  /** The layer blob: in the BlobStore, or (with `source`) once its download is done. */
  blobDigest: Digest;
  /** The blob while it downloads: the layer may be applied from it as it arrives. */
  source?: GrowingFile;
  mediaType: string;
  expectedDiffId: Digest;
  /** The layer below it (undefined for the base layer), which may be in the store already. */
  parentLayerId?: string;
}

/** What pull needs from storage. */
export interface PullStore {
  blobs: BlobStore;
  layers: LayerStore;
  /** Unpacks layers in order, each on top of the previous one, verifying each diffID. */
  applyLayers(jobs: AsyncIterable<ApplyJob>): Promise<void>;
  /** Writes the image record in one atomic update. */
  commitImage(image: NewImage): Promise<void>;
}

export interface PullEnv {
  /** May still be opening (a fresh store probes its driver) while the manifest is fetched. */
  store: PullStore | Promise<PullStore>;
  /** Where to pull what the user typed from, best first (short names, mirrors, rewrites: registries.conf). */
  resolve(input: string): Promise<Array<PullSource>>;
  /** A registry client for a domain, configured for TLS, credentials and whether plain http is allowed. */
  client(ref: ImageReference, insecure: boolean): Promise<RegistryClient>;
  log: Logger;
  onProgress: PullProgress;
}

export interface PullSource {
  ref: ImageReference;
  insecure: boolean;
}

export interface PullOptions {
  reference: string;
  allTags?: boolean;
  platform?: PlatformWish;
}

export interface PulledImage {
  id: string;
  names: Array<string>;
}

/** Concurrent downloads per pull (podman's default is 6). */
const PARALLEL = 6;

export async function pull(env: PullEnv, opts: PullOptions): Promise<Array<PulledImage>> {
  if (opts.allTags) {
    const given = parseReference(opts.reference);
    if (given.tag !== undefined || given.digest !== undefined)
      throw new TspodError(`InvalidArgument`, `tag can't be used with --all-tags/-a`, {hint: `give the repository only, e.g. ${repositoryName(given)}`});
  }
  const candidates = await env.resolve(opts.reference);
  const errors: Array<unknown> = [];
  for (const {ref, insecure} of candidates) {
    const client = await env.client(ref, insecure);
    try {
      if (opts.allTags) {
        const tags = await client.listTags(ref.path);
        if (tags.length === 0) throw new TspodError(`NoSuchImage`, `${repositoryName(ref)} has no tags`);
        const out: Array<PulledImage> = [];
        for (const tag of tags) {
          const r: ImageReference = {domain: ref.domain, path: ref.path, tag, short: false};
          out.push(await pullOne(env, client, r, opts.platform ?? {}));
        }
        return out;
      }
      return [await pullOne(env, client, ref, opts.platform ?? {})];
    } catch (err) {
      // Only "not found here" moves on to the next candidate registry.
      if (candidates.length === 1 || !isNotFound(err)) throw err;
      errors.push(err);
      env.log.debug(`${formatReference(ref)}: ${(err as Error).message}`);
    } finally {
      client.close();
    }
  }
  const lines = errors.map((e, i) => `${formatReference(candidates[i]!.ref)}: ${(e as Error).message}`);
  throw new TspodError(`NoSuchImage`, `${opts.reference}: image not found in any registry tried (${lines.join(`; `)})`);
}

function isNotFound(err: unknown): boolean {
  const status = (err as {status?: number}).status;
  return status === 404 || status === 401 || status === 403 || isTspodError(err, `Network`);
}

interface ReadyEnv extends PullEnv {
  store: PullStore;
}

async function pullOne(penv: PullEnv, client: RegistryClient, ref: ImageReference, wish: PlatformWish): Promise<PulledImage> {
  const repo = ref.path;
  penv.onProgress({kind: `resolving`, reference: formatReference(ref)});
  const t0 = Date.now();
  const trace = (what: string) => penv.log.debug(`pull: ${what} at +${Date.now() - t0} ms`);
  let top = await client.getManifest(repo, manifestReference(ref));
  trace(`manifest`);
  const env: ReadyEnv = {...penv, store: await penv.store};
  trace(`store open`);
  let indexDigest: Digest | undefined;
  if (isIndexMediaType(top.mediaType)) {
    indexDigest = top.digest;
    const chosen = chooseManifest(parseIndex(top.body), wish);
    top = await client.getManifest(repo, chosen.digest);
  }
  const manifest = parseManifest(top.body);
  const config = await fetchConfig(env, client, repo, manifest.config);
  trace(`config`);
  checkPlatform(config, wish, indexDigest !== undefined);
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length)
    throw new TspodError(`InvalidArgument`, `invalid image ${formatReference(ref)}: the manifest has ${manifest.layers.length} layers but the config lists ${diffIds.length} diff IDs`);
  // The manifest is kept in the BlobStore too (it is content-addressed like any blob):
  // written while the layers download, it is needed by the image record only.
  const blobs = env.store.blobs;
  const keepManifest = blobs.has(top.digest).then(has => has ? undefined : blobs.put(top.body, top.digest));
  keepManifest.catch(() => undefined); // awaited below, after the layers
  const layerIds = diffIds.map((_, i) => digestHex(chainId(diffIds.slice(0, i + 1))));
  // A failed pull still ends with the manifest written (or not) before it returns.
  await fetchAndApply(env, client, repo, manifest, diffIds, layerIds).finally(() => keepManifest.catch(() => undefined));
  await keepManifest;
  trace(`layers applied`);

  const id = digestHex(manifest.config.digest);
  const digests = indexDigest ? [top.digest, indexDigest] : [top.digest];
  // podman: a tag pull names the image repo:tag; a digest pull names it repo@digest.
  const names = ref.digest !== undefined ? [`${repositoryName(ref)}@${ref.digest}`] : ref.tag !== undefined ? [`${repositoryName(ref)}:${ref.tag}`] : [];
  const image: NewImage = {
    id, names, digests,
    manifestDigest: top.digest,
    manifestMediaType: top.mediaType,
    configDigest: manifest.config.digest,
    layers: layerIds,
    ...(layerIds.length > 0 ? {topLayer: layerIds[layerIds.length - 1]!} : {}),
    created: config.created ?? isoNow(),
    // podman's size: layers, config, and the manifest, which c/storage keeps under two keys.
    size: await layersSize(env.store.layers, layerIds) + manifest.config.size + 2 * top.body.length,
    metadata: {...(indexDigest ? {indexDigest} : {}), annotations: manifest.annotations ?? {}},
  };
  env.onProgress({kind: `writing`});
  await env.store.commitImage(image);
  trace(`image committed`);
  env.onProgress({kind: `done`, id});
  return {id, names};
}

async function layersSize(layers: LayerStore, ids: Array<string>): Promise<number> {
  const all = await layers.list();
  let n = 0;
  for (const id of ids) n += all.find(l => l.id === id)?.diffSize ?? 0;
  return n;
}

/** With --arch/--os on a single-manifest image, podman refuses a config that does not match. */
function checkPlatform(config: ImageConfig, wish: PlatformWish, fromIndex: boolean): void {
  if (fromIndex) return;
  if (wish.arch !== undefined && normArch(wish.arch) !== normArch(config.architecture))
    throw new TspodError(`NoSuchImage`, `image architecture ${config.architecture} does not match the requested ${wish.arch}`, {hint: `this image is built for ${config.os}/${config.architecture} only`});
  if (wish.os !== undefined && wish.os !== config.os)
    throw new TspodError(`NoSuchImage`, `image OS ${config.os} does not match the requested ${wish.os}`);
}

function normArch(a: string): string {
  return ({x86_64: `amd64`, aarch64: `arm64`, i386: `386`} as Record<string, string>)[a] ?? a;
}

async function fetchConfig(env: ReadyEnv, client: RegistryClient, repo: string, desc: Descriptor): Promise<ImageConfig> {
  const blobs = env.store.blobs;
  env.onProgress({kind: `blob`, digest: desc.digest, size: desc.size, role: `config`, state: await blobs.has(desc.digest) ? `exists` : `queued`});
  if (!await blobs.has(desc.digest)) await download(env, client, repo, desc);
  return parseImageConfig(await blobs.get(desc.digest));
}

/**
 * Downloads one blob into the BlobStore: hashed once, while it streams into the
 * store's temp file (no second pass over the file), then renamed into place. A
 * connection that breaks is resumed with a Range request where it broke, the hash
 * state kept (RegistryClient.fetchBlob).
 */
async function download(env: ReadyEnv, client: RegistryClient, repo: string, desc: Descriptor, growing?: GrowingFile, onRequest?: () => void): Promise<void> {
  const blobs = env.store.blobs;
  try {
    const tmp = await blobs.tempPath(digestAlgorithm(desc.digest));
    growing?.started(tmp);
    try {
      await client.fetchBlob(repo, desc.digest, tmp, {
        expectedSize: desc.size,
        onProgress: done => env.onProgress({kind: `bytes`, digest: desc.digest, done, size: desc.size}),
        ...(growing ? {onWritten: (n: number) => growing.grew(n)} : {}),
        ...(onRequest ? {onRequest} : {}),
      });
    } catch (err) {
      throw err instanceof TspodError ? err : networkError(client.name, err);
    }
    await blobs.commitHashed(tmp, desc.digest);
  } catch (err) {
    growing?.end({error: err});
    throw err;
  }
  growing?.end({finalPath: blobs.path(desc.digest)});
  env.onProgress({kind: `blobDone`, digest: desc.digest});
}

/**
 * Downloads the missing blobs, up to PARALLEL at once, and hands the layers to the
 * applier in order, each with its blob as it downloads (GrowingFile): a layer is
 * applied while its blob arrives, and committed only once the blob is verified.
 */
async function fetchAndApply(env: ReadyEnv, client: RegistryClient, repo: string, manifest: ImageManifest, diffIds: Array<Digest>, layerIds: Array<string>): Promise<void> {
  const {blobs, layers} = env.store;
  const present = await Promise.all(layerIds.map(id => layers.has(id)));
  // The first missing layer: everything below it is in the store already.
  const firstMissing = present.indexOf(false);
  if (firstMissing === -1) {
    manifest.layers.forEach(l => env.onProgress({kind: `blob`, digest: l.digest, size: l.size, role: `layer`, state: `skipped`}));
    return;
  }
  const sources: Array<GrowingFile | undefined> = [];
  const queue: Array<{desc: Descriptor, growing: GrowingFile}> = [];
  for (let i = 0; i < manifest.layers.length; i++) {
    const desc = manifest.layers[i]!;
    if (i < firstMissing || present[i]) {
      env.onProgress({kind: `blob`, digest: desc.digest, size: desc.size, role: `layer`, state: `skipped`});
      sources.push(undefined);
      continue;
    }
    const have = await blobs.has(desc.digest);
    env.onProgress({kind: `blob`, digest: desc.digest, size: desc.size, role: `layer`, state: have ? `exists` : `queued`});
    const growing = have ? undefined : new GrowingFile();
    sources.push(growing);
    if (growing) queue.push({desc, growing});
  }

  // Downloads: a small pool; after the first failure (or a failed apply) the ones not
  // started yet are ended with it, so an applier waiting on one of them stops too.
  let failed: unknown;
  let requested!: () => void;
  const firstRequest = new Promise<void>(resolve => { requested = resolve; });
  const workers = Array.from({length: Math.min(PARALLEL, queue.length)}, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      if (failed !== undefined) {
        item.growing.end({error: failed});
        continue;
      }
      try {
        await download(env, client, repo, item.desc, item.growing, requested);
      } catch (err) {
        failed ??= err;
      }
    }
  });
  const downloads = Promise.all(workers);
  // The applier's start (its modules, the fixup helper's spawn, the layer record) is work on
  // this thread: it waits until a download's request is sent (a turn of the event loop
  // after the call), so that it runs while the registry answers, not before it is asked
  // (~25 ms of a busybox pull here).
  await Promise.race([firstRequest, downloads]);
  await new Promise(resolve => setImmediate(resolve));

  async function* jobs(): AsyncGenerator<ApplyJob> {
    for (let i = firstMissing; i < manifest.layers.length; i++) {
      const desc = manifest.layers[i]!;
      const source = sources[i];
      yield {layerId: layerIds[i]!, blobDigest: desc.digest, mediaType: desc.mediaType, expectedDiffId: diffIds[i]!, ...(source ? {source} : {}), ...(i > 0 ? {parentLayerId: layerIds[i - 1]!} : {})};
    }
  }
  const missingCount = layerIds.length - firstMissing;
  env.onProgress({kind: `applying`, count: missingCount});
  try {
    await env.store.applyLayers(jobs());
  } catch (err) {
    // Stop starting downloads; the running ones finish (or fail) before we return.
    failed ??= err;
    throw err;
  } finally {
    await downloads;
  }
  if (failed !== undefined) throw failed;
}
