// Reading image archives and directories (`load`, `pull oci:…`): a docker-archive or
// oci-archive (plain or gzip-compressed) is unpacked into a private temp directory
// (regular files only, names checked: nothing outside that directory is written); an
// OCI layout or dir: directory is read in place. Either way its index is parsed and
// every referenced file checked to exist (and, where named by digest, verified).
// Nothing here touches the store: the caller stores an image only once all of it
// read cleanly.
import {createReadStream, createWriteStream} from 'node:fs';
import {mkdir, readFile, stat} from '../../util/fsp';
import {dirname, join, posix} from 'node:path';
import {PassThrough, Transform} from 'node:stream';
import type {Readable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGunzip} from 'node:zlib';
import tar from 'tar-stream';
import {TspodError} from '../../engine/errors';
import {Digester, digestHex, isDigest} from '../../oci/digest';
import type {Digest} from '../../oci/digest';
import {isIndexMediaType, parseImageConfig, parseIndex, parseManifest, sniffMediaType} from '../../oci/image';
import {parseReference} from '../../oci/reference';

export interface LoadedLayer {
  /** An unpacked file: a tar, gzip'd or not. */
  path: string;
  /** oci-archive: the descriptor the manifest names (already verified). */
  digest?: Digest;
  mediaType?: string;
}

export interface LoadedImage {
  configBody: Buffer;
  names: Array<string>;
  layers: Array<LoadedLayer>;
  /** oci-archive: the manifest as stored (kept when every layer is gzip). */
  manifest?: {body: Buffer, mediaType: string};
  /** OCI layouts: the `org.opencontainers.image.ref.name` annotation as written. */
  refName?: string;
}

/** What was read: an OCI layout, a docker-archive's manifest.json, or a dir: image. */
export type LayoutFormat = `oci` | `docker-archive` | `dir`;

export interface ReadLayout {
  format: LayoutFormat;
  images: Array<LoadedImage>;
}

export type BadInput = (why: string) => TspodError;

export function badArchive(why: string): TspodError {
  return new TspodError(`InvalidArgument`, `invalid image archive: ${why}`, {hint: `check that the file is a complete docker-archive or oci-archive (podman save / docker save)`});
}

export function badImageDir(dir: string): BadInput {
  return why => new TspodError(`InvalidArgument`, `invalid image directory ${dir}: ${why}`, {hint: `check that it is a complete OCI image layout or dir: image (podman save --format oci-dir or docker-dir)`});
}

/** Unpacks `input` (tar or tar.gz) into `dir`. Throws badArchive on a truncated or malformed tar. */
export async function unpackArchive(input: Readable, dir: string): Promise<void> {
  const head = new PassThrough();
  let sniffed: Promise<Readable> | undefined;
  // Sniff gzip from the first bytes.
  const first = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = [];
    let n = 0;
    const onData = (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (n >= 2) done();
    };
    const done = () => {
      input.off(`data`, onData);
      input.off(`end`, done);
      input.off(`error`, reject);
      input.pause();
      resolve(Buffer.concat(chunks));
    };
    input.on(`data`, onData);
    input.once(`end`, done);
    input.once(`error`, reject);
  });
  if (first.length === 0) throw badArchive(`the archive is empty`);
  head.write(first);
  input.pipe(head);
  sniffed = Promise.resolve(first[0] === 0x1f && first[1] === 0x8b ? head.pipe(createGunzip()) : head);
  const src = await sniffed;
  const extract = tar.extract();
  let count = 0;
  extract.on(`entry`, (header, stream, next) => {
    const fail = (why: string) => {
      stream.resume();
      extract.destroy(badArchive(why));
    };
    const name = posix.normalize(header.name).replace(/^(\.\/)+/, ``).replace(/\/$/, ``);
    if (name.startsWith(`/`) || name === `..` || name.startsWith(`../`)) return fail(`entry ${JSON.stringify(header.name)} points outside the archive`);
    if (header.type === `directory`) {
      stream.resume();
      return next();
    }
    if (header.type !== `file`) {
      // docker save writes symlinks for shared layers; they are resolved by name later.
      stream.resume();
      return next();
    }
    count++;
    const target = join(dir, name);
    mkdir(dirname(target), {recursive: true})
      .then(() => pipeline(stream, createWriteStream(target, {mode: 0o600})))
      .then(() => next(), err => fail(String((err as Error).message)));
  });
  try {
    await pipeline(src, extract);
  } catch (err) {
    if (err instanceof TspodError) throw err;
    const msg = (err as Error).message;
    throw badArchive(/unexpected end|premature|truncated|incorrect header|invalid tar|unexpected eof/i.test(msg) ? `the archive is truncated or corrupt (${msg.toLowerCase()})` : msg.toLowerCase());
  }
  if (count === 0) throw badArchive(`the archive holds no files`);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(s => s.isFile(), () => false);
}

async function fileDigest(p: string): Promise<Digest> {
  const d = new Digester();
  await pipeline(createReadStream(p), new Transform({transform(c: Buffer, _e, cb) { d.update(c); cb(); }}));
  return d.digest();
}

/** Parses an unpacked archive; every image's files are present (and for OCI, verified). */
export async function readUnpacked(dir: string, arch: string, bad: BadInput = badArchive): Promise<ReadLayout> {
  if (await exists(join(dir, `manifest.json`))) return {format: `docker-archive`, images: await readDocker(dir, bad)};
  if (await exists(join(dir, `index.json`))) return {format: `oci`, images: await readOci(dir, arch, bad)};
  throw bad(`it has neither manifest.json (docker-archive) nor index.json (oci-archive)`);
}

/**
 * Parses a directory in place: an OCI image layout (index.json, what `save --format
 * oci-dir` writes) or containers/image's dir: format (manifest.json, files named by
 * digest hex, what `save --format docker-dir` writes). Every blob is verified.
 */
export async function readImageDirectory(dir: string, arch: string): Promise<ReadLayout> {
  const bad = badImageDir(dir);
  if (await exists(join(dir, `index.json`))) return {format: `oci`, images: await readOci(dir, arch, bad)};
  if (await exists(join(dir, `manifest.json`))) {
    const m = await readJson(join(dir, `manifest.json`), `manifest.json`, bad);
    if (Array.isArray(m)) return {format: `docker-archive`, images: await readDocker(dir, bad)};
    return {format: `dir`, images: [await readDirImage(dir, bad)]};
  }
  throw bad(`it has neither index.json (OCI image layout) nor manifest.json (dir: image)`);
}

function safeJoin(dir: string, rel: string, bad: BadInput): string {
  const n = posix.normalize(rel);
  if (n.startsWith(`/`) || n.startsWith(`../`) || n === `..`) throw bad(`path ${JSON.stringify(rel)} points outside the archive`);
  return join(dir, n);
}

async function readJson(path: string, what: string, bad: BadInput): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, `utf8`));
  } catch (err) {
    throw bad(`${what} is not valid JSON (${(err as Error).message})`);
  }
}

async function readDocker(dir: string, bad: BadInput): Promise<Array<LoadedImage>> {
  const m = await readJson(join(dir, `manifest.json`), `manifest.json`, bad);
  if (!Array.isArray(m) || m.length === 0) throw bad(`manifest.json lists no images`);
  const out: Array<LoadedImage> = [];
  for (const [i, e] of m.entries()) {
    const entry = e as {Config?: unknown, RepoTags?: unknown, Layers?: unknown};
    if (typeof entry.Config !== `string` || !Array.isArray(entry.Layers) || !entry.Layers.every(l => typeof l === `string`))
      throw bad(`manifest.json entry ${i} needs Config and Layers`);
    const cfgPath = safeJoin(dir, entry.Config, bad);
    if (!await exists(cfgPath)) throw bad(`config ${entry.Config} is missing`);
    const configBody = await readFile(cfgPath);
    const config = parseImageConfig(configBody);
    if (config.rootfs.diff_ids.length !== entry.Layers.length)
      throw bad(`image ${i} has ${entry.Layers.length} layers but its config lists ${config.rootfs.diff_ids.length}`);
    const layers: Array<LoadedLayer> = [];
    for (const l of entry.Layers as Array<string>) {
      const p = safeJoin(dir, l, bad);
      if (!await exists(p)) throw bad(`layer ${l} is missing`);
      layers.push({path: p});
    }
    const names = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === `string`) : [];
    out.push({configBody, names, layers});
  }
  return out;
}

/** The file at `p` must exist and hash to `digest`. */
async function verifiedFile(p: string, digest: Digest, what: string, bad: BadInput): Promise<string> {
  if (!await exists(p)) throw bad(`${what} ${digest} is missing`);
  if (await fileDigest(p) !== digest) throw bad(`${what} ${digest} does not match its digest`);
  return p;
}

function checkDigest(digest: Digest, what: string, bad: BadInput): string {
  if (!isDigest(digest) || !digest.startsWith(`sha256:`)) throw bad(`${what} has an invalid digest ${String(digest)}`);
  return digestHex(digest);
}

async function verifiedBlob(dir: string, digest: Digest, what: string, bad: BadInput): Promise<string> {
  return verifiedFile(join(dir, `blobs`, `sha256`, checkDigest(digest, what, bad)), digest, what, bad);
}

async function readOci(dir: string, arch: string, bad: BadInput): Promise<Array<LoadedImage>> {
  const indexBody = await readFile(join(dir, `index.json`));
  const index = parseIndex(indexBody);
  const out: Array<LoadedImage> = [];
  for (const [i, desc] of index.manifests.entries()) {
    let body = await readFile(await verifiedBlob(dir, desc.digest, `manifest`, bad));
    let mt = sniffMediaType(body, desc.mediaType);
    if (isIndexMediaType(mt)) {
      const inner = parseIndex(body);
      const pick = inner.manifests.find(m => m.platform?.architecture === arch) ?? inner.manifests[0];
      if (!pick) throw bad(`index ${desc.digest} lists no manifests`);
      body = await readFile(await verifiedBlob(dir, pick.digest, `manifest`, bad));
      mt = sniffMediaType(body, pick.mediaType);
    }
    const manifest = parseManifest(body);
    const configBody = await readFile(await verifiedBlob(dir, manifest.config.digest, `config`, bad));
    const config = parseImageConfig(configBody);
    if (config.rootfs.diff_ids.length !== manifest.layers.length)
      throw bad(`image ${i} has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length}`);
    const layers: Array<LoadedLayer> = [];
    for (const l of manifest.layers) layers.push({path: await verifiedBlob(dir, l.digest, `layer`, bad), digest: l.digest, mediaType: l.mediaType});
    const ref = desc.annotations?.[`org.opencontainers.image.ref.name`];
    out.push({configBody, names: ref ? [ociArchiveName(ref)] : [], layers, manifest: {body, mediaType: mt}, ...(ref ? {refName: ref} : {})});
  }
  if (out.length === 0) throw bad(`index.json lists no images`);
  return out;
}

/** containers/image's dir: format: manifest.json, then every blob in a file named by its digest hex. */
async function readDirImage(dir: string, bad: BadInput): Promise<LoadedImage> {
  const body = await readFile(join(dir, `manifest.json`));
  const manifest = parseManifest(body);
  const configPath = join(dir, checkDigest(manifest.config.digest, `config`, bad));
  const configBody = await readFile(await verifiedFile(configPath, manifest.config.digest, `config`, bad));
  const config = parseImageConfig(configBody);
  if (config.rootfs.diff_ids.length !== manifest.layers.length)
    throw bad(`the manifest has ${manifest.layers.length} layers but its config lists ${config.rootfs.diff_ids.length}`);
  const layers: Array<LoadedLayer> = [];
  for (const l of manifest.layers) {
    const p = join(dir, checkDigest(l.digest, `layer`, bad));
    layers.push({path: await verifiedFile(p, l.digest, `layer`, bad), digest: l.digest, mediaType: l.mediaType});
  }
  return {configBody, names: [], layers, manifest: {body, mediaType: sniffMediaType(body, manifest.mediaType)}};
}

/**
 * podman names an oci-archive image whose ref.name has no registry `localhost/NAME`
 * (`busybox:1.37.0-glibc` → `localhost/busybox:1.37.0-glibc`); a docker-archive's
 * RepoTags go to docker.io as usual.
 */
function ociArchiveName(ref: string): string {
  try {
    return parseReference(ref).short ? `localhost/${ref}` : ref;
  } catch {
    return ref;
  }
}
