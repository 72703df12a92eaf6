// Writing images for `save`: docker-archive (manifest.json + `<hex>.json` configs +
// uncompressed `<diffID hex>/layer.tar`, what `docker load` reads), an OCI image
// layout (oci-layout, index.json with the `org.opencontainers.image.ref.name`
// annotation, blobs/sha256/…) in a tar (oci-archive) or a directory (oci-dir), and
// containers/image's dir: format (docker-dir: manifest.json, version, each blob in a
// file named by its digest hex). The caller hands each layer as a function that opens
// it: uncompressed for docker-archive, the stored (compressed) blob for OCI.
import {createWriteStream} from 'node:fs';
import {dirname, join} from 'node:path';
import type {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import tar from 'tar-stream';
import {mkdir, writeFile} from '../../util/fsp';
import {digestHex, sha256Of} from '../../oci/digest';
import type {Digest} from '../../oci/digest';
import {MediaType} from '../../oci/image';
import type {Descriptor, ImageManifest} from '../../oci/image';

export interface ArchiveLayer {
  diffID: Digest;
  /** Uncompressed tar: size and stream (docker-archive). */
  tarSize?: number;
  openTar?: () => Promise<Readable>;
  /** The blob the manifest names (oci-archive). */
  blob?: {digest: Digest, size: number, open: () => Readable};
}

export interface ArchiveImage {
  configBody: Buffer;
  configDigest: Digest;
  manifestBody: Buffer;
  manifestDigest: Digest;
  manifestMediaType: string;
  /** Full references (`host/repo:tag`) to record. */
  names: Array<string>;
  layers: Array<ArchiveLayer>;
}

/** Where the files of an archive or image directory go. */
export interface ImageSink {
  file(name: string, body: Buffer): Promise<void>;
  stream(name: string, size: number, src: Readable): Promise<void>;
}

export function tarSink(pack: tar.Pack): ImageSink {
  return {
    file: (name, body) => new Promise((resolve, reject) => {
      pack.entry({name, mode: 0o644, mtime: new Date(0)}, body, err => (err ? reject(err) : resolve()));
    }),
    stream: (name, size, src) => new Promise((resolve, reject) => {
      const w = pack.entry({name, mode: 0o644, size, mtime: new Date(0)}, err => (err ? reject(err) : resolve()));
      src.on(`error`, reject);
      src.pipe(w);
    }),
  };
}

/** Files under `dir` (which the caller made, and renames into place once complete). */
export function dirSink(dir: string): ImageSink {
  const target = async (name: string) => {
    const p = join(dir, name);
    await mkdir(dirname(p), {recursive: true});
    return p;
  };
  return {
    file: async (name, body) => writeFile(await target(name), body, {mode: 0o644}),
    stream: async (name, _size, src) => pipeline(src, createWriteStream(await target(name), {mode: 0o644})),
  };
}

/** podman's docker-archive RepoTags: `docker.io/library/x:t` → `x:t`-style familiar names are not used; full names are kept. */
export async function writeDockerArchive(sink: ImageSink, images: Array<ArchiveImage>): Promise<void> {
  const manifest: Array<{Config: string, RepoTags: Array<string>, Layers: Array<string>}> = [];
  const written = new Set<string>();
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const configName = `${digestHex(img.configDigest)}.json`;
    if (!written.has(configName)) {
      await sink.file(configName, img.configBody);
      written.add(configName);
    }
    const layers: Array<string> = [];
    for (const l of img.layers) {
      const name = `${digestHex(l.diffID)}/layer.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      await sink.stream(name, l.tarSize!, await l.openTar!());
    }
    const tags = img.names.filter(n => !n.includes(`@`));
    manifest.push({Config: configName, RepoTags: tags, Layers: layers});
    for (const t of tags) {
      const i = t.lastIndexOf(`:`);
      (repositories[t.slice(0, i)] ??= {})[t.slice(i + 1)] = digestHex(digestOfTopLayer(img));
    }
  }
  await sink.file(`manifest.json`, Buffer.from(JSON.stringify(manifest)));
  await sink.file(`repositories`, Buffer.from(JSON.stringify(repositories)));
}

function digestOfTopLayer(img: ArchiveImage): Digest {
  return img.layers[img.layers.length - 1]?.diffID ?? img.configDigest;
}

export async function writeOciLayout(sink: ImageSink, images: Array<ArchiveImage>): Promise<void> {
  const written = new Set<string>();
  const blob = async (digest: Digest, body: Buffer | {size: number, open: () => Readable}) => {
    const name = `blobs/sha256/${digestHex(digest)}`;
    if (written.has(name)) return;
    written.add(name);
    if (Buffer.isBuffer(body)) await sink.file(name, body);
    else await sink.stream(name, body.size, body.open());
  };
  await sink.file(`oci-layout`, Buffer.from(JSON.stringify({imageLayoutVersion: `1.0.0`})));
  const manifests: Array<Record<string, unknown>> = [];
  for (const img of images) {
    for (const l of img.layers) await blob(l.blob!.digest, l.blob!);
    await blob(img.configDigest, img.configBody);
    const m = asOciManifest(img);
    await blob(m.digest, m.body);
    const names = img.names.filter(n => !n.includes(`@`));
    for (const n of names.length > 0 ? names : [undefined]) {
      manifests.push({
        mediaType: MediaType.ociManifest,
        digest: m.digest,
        size: m.body.length,
        ...(n !== undefined ? {annotations: {'org.opencontainers.image.ref.name': n}} : {}),
      });
    }
  }
  await sink.file(`index.json`, Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: MediaType.ociIndex, manifests})));
}

const DOCKER_TO_OCI: Record<string, string> = {
  [MediaType.dockerConfig]: MediaType.ociConfig,
  [MediaType.dockerLayerGzip]: MediaType.ociLayerGzip,
  [MediaType.dockerLayer]: MediaType.ociLayer,
  [MediaType.dockerForeignLayerGzip]: MediaType.ociLayerNondistributableGzip,
};

/**
 * An OCI layout holds OCI manifests (containers/image finds an image by ref.name only
 * among those): a docker schema 2 manifest is rewritten with the OCI media types, as
 * podman does; the blobs are the same.
 */
export function asOciManifest(img: ArchiveImage): {body: Buffer, digest: Digest} {
  if (img.manifestMediaType !== MediaType.dockerManifest) return {body: img.manifestBody, digest: img.manifestDigest};
  const m = JSON.parse(img.manifestBody.toString(`utf8`)) as ImageManifest;
  const convert = (d: Descriptor): Descriptor => ({...d, mediaType: DOCKER_TO_OCI[d.mediaType] ?? d.mediaType});
  const body = Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: MediaType.ociManifest, config: convert(m.config), layers: m.layers.map(convert)}));
  return {body, digest: sha256Of(body)};
}

/**
 * docker-dir: one image in containers/image's dir: format, with a docker schema 2
 * manifest (as podman writes). Layers are the uncompressed tars (named by diffID),
 * or with `compress` the stored gzip blobs. Returns the manifest's digest.
 */
export async function writeDockerDir(sink: ImageSink, img: ArchiveImage, compress: boolean): Promise<Digest> {
  const layers: Array<{mediaType: string, size: number, digest: Digest}> = [];
  for (const l of img.layers) {
    if (compress) {
      await sink.stream(digestHex(l.blob!.digest), l.blob!.size, l.blob!.open());
      layers.push({mediaType: MediaType.dockerLayerGzip, size: l.blob!.size, digest: l.blob!.digest});
    } else {
      await sink.stream(digestHex(l.diffID), l.tarSize!, await l.openTar!());
      layers.push({mediaType: MediaType.dockerLayer, size: l.tarSize!, digest: l.diffID});
    }
  }
  await sink.file(digestHex(img.configDigest), img.configBody);
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: {mediaType: MediaType.dockerConfig, size: img.configBody.length, digest: sha256Of(img.configBody)},
    layers,
  };
  const body = Buffer.from(JSON.stringify(manifest));
  await sink.file(`manifest.json`, body);
  await sink.file(`version`, Buffer.from(`Directory Transport Version: 1.1\n`));
  return sha256Of(body);
}
