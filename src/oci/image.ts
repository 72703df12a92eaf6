// OCI image-spec and Docker schema 2 types, media types, and validators that turn
// untrusted JSON into these types or refuse it with one clear line. No I/O.
import {TspodError} from '../engine/errors';
import {isDigest} from './digest';
import type {Digest} from './digest';

export const MediaType = {
  ociManifest: `application/vnd.oci.image.manifest.v1+json`,
  ociIndex: `application/vnd.oci.image.index.v1+json`,
  ociConfig: `application/vnd.oci.image.config.v1+json`,
  ociLayer: `application/vnd.oci.image.layer.v1.tar`,
  ociLayerGzip: `application/vnd.oci.image.layer.v1.tar+gzip`,
  ociLayerZstd: `application/vnd.oci.image.layer.v1.tar+zstd`,
  ociLayerNondistributableGzip: `application/vnd.oci.image.layer.nondistributable.v1.tar+gzip`,
  dockerManifest: `application/vnd.docker.distribution.manifest.v2+json`,
  dockerManifestList: `application/vnd.docker.distribution.manifest.list.v2+json`,
  dockerConfig: `application/vnd.docker.container.image.v1+json`,
  dockerLayer: `application/vnd.docker.image.rootfs.diff.tar`,
  dockerLayerGzip: `application/vnd.docker.image.rootfs.diff.tar.gzip`,
  dockerForeignLayerGzip: `application/vnd.docker.image.rootfs.foreign.diff.tar.gzip`,
  dockerSchema1: `application/vnd.docker.distribution.manifest.v1+json`,
  dockerSchema1Signed: `application/vnd.docker.distribution.manifest.v1+prettyjws`,
} as const;

/** What tspod asks registries for, best first (as in the Accept header of containers/image). */
export const MANIFEST_ACCEPT: Array<string> = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
];

export const SCHEMA1_MESSAGE = `schema 1 manifests are not supported: ask the image's publisher to push it again with a current client`;

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: Array<string>;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: Array<string>;
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Array<Descriptor>;
  annotations?: Record<string, string>;
  subject?: Descriptor;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Array<Descriptor>;
  annotations?: Record<string, string>;
}

export interface HealthConfig {
  Test?: Array<string>;
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ImageRuntimeConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: Array<string>;
  Entrypoint?: Array<string> | null;
  Cmd?: Array<string> | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ImageRuntimeConfig;
  rootfs: {type: `layers`, diff_ids: Array<Digest>};
  history?: Array<HistoryEntry>;
}

export function isIndexMediaType(mt: string): boolean {
  return mt === MediaType.ociIndex || mt === MediaType.dockerManifestList;
}

export function isManifestMediaType(mt: string): boolean {
  return mt === MediaType.ociManifest || mt === MediaType.dockerManifest;
}

function bad(what: string, why: string): TspodError {
  return new TspodError(`InvalidArgument`, `invalid ${what}: ${why}`);
}

function parseJson(what: string, body: Buffer | string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(typeof body === `string` ? body : body.toString(`utf8`));
  } catch (err) {
    throw bad(what, `not JSON (${(err as Error).message})`);
  }
  if (typeof v !== `object` || v === null || Array.isArray(v)) throw bad(what, `not a JSON object`);
  return v as Record<string, unknown>;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === `object` && v !== null && !Array.isArray(v);
}

function checkDescriptor(what: string, v: unknown, where: string): Descriptor {
  if (!isObj(v)) throw bad(what, `${where} is not an object`);
  if (typeof v.mediaType !== `string` || v.mediaType === ``) throw bad(what, `${where}.mediaType is missing`);
  if (typeof v.digest !== `string` || !isDigest(v.digest)) throw bad(what, `${where}.digest "${String(v.digest)}" is not a valid digest`);
  if (typeof v.size !== `number` || !Number.isSafeInteger(v.size) || v.size < 0) throw bad(what, `${where}.size is not a non-negative integer`);
  if (v.platform !== undefined) {
    const p = v.platform;
    if (!isObj(p) || typeof p.architecture !== `string` || typeof p.os !== `string`)
      throw bad(what, `${where}.platform needs architecture and os strings`);
  }
  return v as unknown as Descriptor;
}

/** Detects the media type of a manifest body: the declared one, else guessed from its shape. */
export function sniffMediaType(body: Buffer | string, declared?: string): string {
  const obj = parseJson(`manifest`, body);
  if (typeof obj.mediaType === `string` && obj.mediaType !== ``) return obj.mediaType;
  if (obj.schemaVersion === 1) return MediaType.dockerSchema1Signed;
  if (Array.isArray(obj.manifests)) return MediaType.ociIndex;
  if (isObj(obj.config)) return MediaType.ociManifest;
  return declared ?? MediaType.ociManifest;
}

function checkSchema(what: string, obj: Record<string, unknown>): void {
  if (obj.schemaVersion === 1) throw new TspodError(`Unsupported`, SCHEMA1_MESSAGE);
  if (obj.schemaVersion !== 2) throw bad(what, `schemaVersion ${JSON.stringify(obj.schemaVersion)} is not 2`);
}

export function parseManifest(body: Buffer | string): ImageManifest {
  const obj = parseJson(`manifest`, body);
  checkSchema(`manifest`, obj);
  const mt = obj.mediaType === undefined ? MediaType.ociManifest : obj.mediaType;
  if (typeof mt !== `string` || !isManifestMediaType(mt)) {
    if (mt === MediaType.dockerSchema1 || mt === MediaType.dockerSchema1Signed) throw new TspodError(`Unsupported`, SCHEMA1_MESSAGE);
    throw bad(`manifest`, `media type "${String(mt)}" is not an image manifest`);
  }
  checkDescriptor(`manifest`, obj.config, `config`);
  if (!Array.isArray(obj.layers)) throw bad(`manifest`, `layers is not an array`);
  obj.layers.forEach((l, i) => checkDescriptor(`manifest`, l, `layers[${i}]`));
  return {...obj, mediaType: mt} as unknown as ImageManifest;
}

export function parseIndex(body: Buffer | string): ImageIndex {
  const obj = parseJson(`image index`, body);
  checkSchema(`image index`, obj);
  const mt = obj.mediaType === undefined ? MediaType.ociIndex : obj.mediaType;
  if (typeof mt !== `string` || !isIndexMediaType(mt)) throw bad(`image index`, `media type "${String(mt)}" is not an index`);
  if (!Array.isArray(obj.manifests)) throw bad(`image index`, `manifests is not an array`);
  obj.manifests.forEach((m, i) => checkDescriptor(`image index`, m, `manifests[${i}]`));
  return {...obj, mediaType: mt} as unknown as ImageIndex;
}

export function parseImageConfig(body: Buffer | string): ImageConfig {
  const obj = parseJson(`image config`, body);
  if (typeof obj.architecture !== `string`) throw bad(`image config`, `architecture is missing`);
  if (typeof obj.os !== `string`) throw bad(`image config`, `os is missing`);
  const rootfs = obj.rootfs;
  if (!isObj(rootfs) || rootfs.type !== `layers` || !Array.isArray(rootfs.diff_ids))
    throw bad(`image config`, `rootfs must be {type: "layers", diff_ids: [...]}`);
  rootfs.diff_ids.forEach((d, i) => {
    if (typeof d !== `string` || !isDigest(d)) throw bad(`image config`, `rootfs.diff_ids[${i}] is not a valid digest`);
  });
  if (obj.config !== undefined && obj.config !== null && !isObj(obj.config)) throw bad(`image config`, `config is not an object`);
  if (obj.config === null) delete obj.config;
  return obj as unknown as ImageConfig;
}
