// Writing image archives (`save`): docker-archive (manifest.json + `<hex>.json`
// configs + uncompressed `<diffID hex>/layer.tar`, what `docker load` reads) and
// oci-archive (an OCI image layout in a tar: oci-layout, index.json with the
// `org.opencontainers.image.ref.name` annotation, blobs/sha256/…). The caller hands
// each layer as a function that opens it: uncompressed for docker-archive, the
// stored (compressed) blob for oci-archive.
import type {Readable} from 'node:stream';
import tar from 'tar-stream';
import {digestHex} from '../../oci/digest';
import type {Digest} from '../../oci/digest';
import {MediaType} from '../../oci/image';

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

function putEntry(pack: tar.Pack, name: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({name, mode: 0o644, mtime: new Date(0)}, body, err => (err ? reject(err) : resolve()));
  });
}

function putStream(pack: tar.Pack, name: string, size: number, src: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const w = pack.entry({name, mode: 0o644, size, mtime: new Date(0)}, err => (err ? reject(err) : resolve()));
    src.on(`error`, reject);
    src.pipe(w);
  });
}

/** podman's docker-archive RepoTags: `docker.io/library/x:t` → `x:t`-style familiar names are not used; full names are kept. */
export async function writeDockerArchive(pack: tar.Pack, images: Array<ArchiveImage>): Promise<void> {
  const manifest: Array<{Config: string, RepoTags: Array<string>, Layers: Array<string>}> = [];
  const written = new Set<string>();
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of images) {
    const configName = `${digestHex(img.configDigest)}.json`;
    if (!written.has(configName)) {
      await putEntry(pack, configName, img.configBody);
      written.add(configName);
    }
    const layers: Array<string> = [];
    for (const l of img.layers) {
      const name = `${digestHex(l.diffID)}/layer.tar`;
      layers.push(name);
      if (written.has(name)) continue;
      written.add(name);
      await putStream(pack, name, l.tarSize!, await l.openTar!());
    }
    const tags = img.names.filter(n => !n.includes(`@`));
    manifest.push({Config: configName, RepoTags: tags, Layers: layers});
    for (const t of tags) {
      const i = t.lastIndexOf(`:`);
      (repositories[t.slice(0, i)] ??= {})[t.slice(i + 1)] = digestHex(digestOfTopLayer(img));
    }
  }
  await putEntry(pack, `manifest.json`, Buffer.from(JSON.stringify(manifest)));
  await putEntry(pack, `repositories`, Buffer.from(JSON.stringify(repositories)));
}

function digestOfTopLayer(img: ArchiveImage): Digest {
  return img.layers[img.layers.length - 1]?.diffID ?? img.configDigest;
}

export async function writeOciArchive(pack: tar.Pack, images: Array<ArchiveImage>): Promise<void> {
  const written = new Set<string>();
  const blob = async (digest: Digest, body: Buffer | {size: number, open: () => Readable}) => {
    const name = `blobs/sha256/${digestHex(digest)}`;
    if (written.has(name)) return;
    written.add(name);
    if (Buffer.isBuffer(body)) await putEntry(pack, name, body);
    else await putStream(pack, name, body.size, body.open());
  };
  await putEntry(pack, `oci-layout`, Buffer.from(JSON.stringify({imageLayoutVersion: `1.0.0`})));
  const manifests: Array<Record<string, unknown>> = [];
  for (const img of images) {
    for (const l of img.layers) await blob(l.blob!.digest, l.blob!);
    await blob(img.configDigest, img.configBody);
    await blob(img.manifestDigest, img.manifestBody);
    const names = img.names.filter(n => !n.includes(`@`));
    for (const n of names.length > 0 ? names : [undefined]) {
      manifests.push({
        mediaType: img.manifestMediaType,
        digest: img.manifestDigest,
        size: img.manifestBody.length,
        ...(n !== undefined ? {annotations: {'org.opencontainers.image.ref.name': n}} : {}),
      });
    }
  }
  await putEntry(pack, `index.json`, Buffer.from(JSON.stringify({schemaVersion: 2, mediaType: MediaType.ociIndex, manifests})));
}
