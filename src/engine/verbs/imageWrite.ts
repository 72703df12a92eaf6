// Writing new images into the store (import, load, commit): layer blobs in, layers
// applied, a config and an OCI manifest made and stored, the image record committed.
// Also `--change` (Dockerfile-like instructions applied to an image config) and the
// stack of layer directories under a container (export, commit, cp, diff).
import {createReadStream, createWriteStream} from 'node:fs';
import {unlink} from '../../util/fsp';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGunzip, createGzip} from 'node:zlib';
import {TspodError} from '../errors';
import {isGzipFile} from '../../storage/tarSniff';
import {Digester, chainId, digestHex, sha256Of} from '../../oci/digest';
import type {Digest} from '../../oci/digest';
import {MediaType} from '../../oci/image';
import {parseHealthcheckInstruction} from '../lifecycle/healthConfig';
import type {HistoryEntry, ImageConfig, ImageManifest, ImageRuntimeConfig} from '../../oci/image';
import type {OpenedStore} from './store';
import {isoNow} from '../../util/isoTime';

export interface LayerBlob {
  /** The compressed blob in the BlobStore. */
  digest: Digest;
  size: number;
  diffID: Digest;
  mediaType?: string;
}

function hasher(d: Digester, n?: {n: number}): Transform {
  return new Transform({transform(chunk: Buffer, _e, cb) { d.update(chunk); if (n) n.n += chunk.length; cb(null, chunk); }});
}

/** A tar (or tar.gz) file into the BlobStore as a gzip layer blob; the diffID recomputed. */
export async function storeLayerFile(store: OpenedStore, path: string): Promise<LayerBlob> {
  const tmp = await store.blobs.tempPath();
  const raw = new Digester(), comp = new Digester();
  const size = {n: 0};
  try {
    if (isGzipFile(path)) {
      await pipeline(createReadStream(path), hasher(comp, size), createWriteStream(tmp));
      await pipeline(createReadStream(path), createGunzip(), hasher(raw), new Transform({transform(_c, _e, cb) { cb(); }}));
    } else {
      await pipeline(createReadStream(path), hasher(raw), createGzip({level: 6}), hasher(comp, size), createWriteStream(tmp));
    }
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new TspodError(`InvalidArgument`, `${path} is not a valid tar archive: ${(err as Error).message}`);
  }
  const digest = comp.digest();
  await store.blobs.commitHashed(tmp, digest);
  return {digest, size: size.n, diffID: raw.digest(), mediaType: MediaType.ociLayerGzip};
}

/** Layer ids (chain ID hex) of an image's layers, base first, for a parent layer list plus new diffIDs. */
export async function applyLayerBlobs(store: OpenedStore, parentDiffIds: Array<Digest>, parentTop: string | undefined, blobs: Array<LayerBlob>): Promise<Array<string>> {
  const ids: Array<string> = [];
  const diffIds = [...parentDiffIds];
  let parent = parentTop;
  for (const b of blobs) {
    diffIds.push(b.diffID);
    const id = digestHex(chainId(diffIds));
    await store.store.putLayer({id, ...(parent !== undefined ? {parent} : {}), blob: b.digest, expectedDiffID: b.diffID});
    ids.push(id);
    parent = id;
  }
  return ids;
}

export interface WriteImageInput {
  config: ImageConfig;
  /** Every layer, base first: ids and blob descriptors. */
  layerIds: Array<string>;
  layers: Array<{digest: Digest, size: number, mediaType?: string}>;
  names: Array<string>;
  /** Keep these bytes as the manifest (load of an archive) instead of making one. */
  manifest?: {body: Buffer, mediaType: string};
  configBody?: Buffer;
}

/** Stores config + manifest blobs and commits the image record. Returns the image id. */
export async function writeImage(store: OpenedStore, input: WriteImageInput): Promise<{id: string, manifestDigest: Digest}> {
  const configBody = input.configBody ?? Buffer.from(JSON.stringify(input.config));
  const configDigest = sha256Of(configBody);
  await store.blobs.put(configBody, configDigest);
  let body: Buffer, mediaType: string;
  if (input.manifest) {
    ({body, mediaType} = input.manifest);
  } else {
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: {mediaType: MediaType.ociConfig, digest: configDigest, size: configBody.length},
      layers: input.layers.map(l => ({mediaType: l.mediaType ?? MediaType.ociLayerGzip, digest: l.digest, size: l.size})),
    };
    body = Buffer.from(JSON.stringify(manifest));
    mediaType = MediaType.ociManifest;
  }
  const manifestDigest = sha256Of(body);
  await store.blobs.put(body, manifestDigest);
  const all = await store.layers.list();
  let size = configBody.length + 2 * body.length;
  for (const id of input.layerIds) size += all.find(l => l.id === id)?.diffSize ?? 0;
  const id = digestHex(configDigest);
  await store.commitImage({
    id,
    names: input.names,
    digests: [manifestDigest],
    manifestDigest,
    manifestMediaType: mediaType,
    configDigest,
    layers: input.layerIds,
    ...(input.layerIds.length > 0 ? {topLayer: input.layerIds[input.layerIds.length - 1]!} : {}),
    created: input.config.created ?? isoNow(),
    size,
  });
  return {id, manifestDigest};
}

/** podman's --change: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD (ignored), STOPSIGNAL, USER, VOLUME, WORKDIR. */
export function applyChanges(cfg: ImageRuntimeConfig, changes: Array<string>): ImageRuntimeConfig {
  const out: ImageRuntimeConfig = {...cfg};
  for (const change of changes) {
    const m = /^\s*([A-Za-z]+)[\s=]+([\s\S]*)$/.exec(change);
    if (!m) throw new TspodError(`InvalidArgument`, `invalid change "${change}": expected INSTRUCTION VALUE`, {hint: `e.g. --change 'CMD ["sh"]' or --change ENV=A=b`});
    const op = m[1]!.toUpperCase();
    const value = m[2]!.trim();
    switch (op) {
      case `CMD`: out.Cmd = execForm(value); break;
      case `ENTRYPOINT`: out.Entrypoint = execForm(value); break;
      case `ENV`: {
        const kvs = keyValues(value);
        const env = [...(out.Env ?? [])];
        for (const [k, v] of kvs) {
          const i = env.findIndex(e => e.split(`=`)[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
        }
        out.Env = env;
        break;
      }
      case `LABEL`: out.Labels = {...(out.Labels ?? {}), ...Object.fromEntries(keyValues(value))}; break;
      case `EXPOSE`: {
        const ports = {...(out.ExposedPorts ?? {})};
        for (const p of value.split(/\s+/).filter(Boolean)) ports[p.includes(`/`) ? p : `${p}/tcp`] = {};
        out.ExposedPorts = ports;
        break;
      }
      case `USER`: out.User = value; break;
      case `WORKDIR`: out.WorkingDir = value; break;
      case `STOPSIGNAL`: out.StopSignal = value; break;
      case `VOLUME`: {
        const vols = {...(out.Volumes ?? {})};
        const list = value.startsWith(`[`) ? execForm(value) : value.split(/\s+/).filter(Boolean);
        for (const v of list) vols[v] = {};
        out.Volumes = vols;
        break;
      }
      case `HEALTHCHECK`: out.Healthcheck = parseHealthcheckInstruction(value); break;
      case `ONBUILD`: break;
      default:
        throw new TspodError(`InvalidArgument`, `invalid change "${change}": ${op} is not supported`, {hint: `use CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, STOPSIGNAL, USER, VOLUME or WORKDIR`});
    }
  }
  return out;
}

function execForm(v: string): Array<string> {
  if (v.startsWith(`[`)) {
    try {
      const a = JSON.parse(v) as unknown;
      if (Array.isArray(a) && a.every(x => typeof x === `string`)) return a;
    } catch {}
  }
  return [`/bin/sh`, `-c`, v];
}

function keyValues(v: string): Array<[string, string]> {
  // `A=b C="d e"` or the legacy `A b c` form.
  if (!/^[^\s=]+=/.test(v)) {
    const sp = v.search(/\s/);
    return sp < 0 ? [[v, ``]] : [[v.slice(0, sp), v.slice(sp).trim()]];
  }
  const out: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    let val = m[2]!;
    if (val.startsWith(`"`)) val = JSON.parse(val) as string;
    else if (val.startsWith(`'`)) val = val.slice(1, -1);
    out.push([m[1]!, val]);
  }
  return out;
}

export function historyEntry(createdBy: string, opts: {comment?: string | undefined, author?: string | undefined, empty?: boolean} = {}): HistoryEntry {
  return {
    created: isoNow(),
    created_by: createdBy,
    ...(opts.author ? {author: opts.author} : {}),
    ...(opts.comment ? {comment: opts.comment} : {}),
    ...(opts.empty ? {empty_layer: true} : {}),
  };
}

/** Layer directories under a container's writable layer, top (the container's) first. */
export async function layerDirs(store: OpenedStore, layerId: string): Promise<Array<string>> {
  const all = await store.layers.list();
  const dirs: Array<string> = [];
  for (let id: string | undefined = layerId; id !== undefined; id = all.find(l => l.id === id)?.parent) {
    dirs.push(store.layers.diffDir(id));
    if (store.store.driver.name === `vfs`) break;
  }
  return dirs;
}

export function hostArch(): string {
  return ({x64: `amd64`, arm64: `arm64`, arm: `arm`, ia32: `386`, ppc64: `ppc64le`, s390x: `s390x`} as Record<string, string>)[process.arch] ?? process.arch;
}
