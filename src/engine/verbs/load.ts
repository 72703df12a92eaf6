// `load` and `pull` from a local transport: a docker-archive or oci-archive (file or
// stdin, gzip or not), an OCI image layout directory or a dir: directory, into the
// store. The source is read and checked whole first (a truncated or malformed one
// fails before the store is touched); layer blobs are stored only when their
// recomputed diffID matches the config, and removed again if a later image of the
// same source fails.
import {emitEvents, imageEvent} from '../events/emit';
import {createReadStream} from 'node:fs';
import {rm, stat} from '../../util/fsp';
import {join} from 'node:path';
import type {Readable} from 'node:stream';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {Digest} from '../../oci/digest';
import {parseImageConfig} from '../../oci/image';
import {formatReference, parseReference, withDefaultTag} from '../../oci/reference';
import {localNameForPath} from '../../oci/transport';
import type {LocalTransport} from '../../oci/transport';
import {badArchive, badImageDir, readImageDirectory, readUnpacked, unpackArchive} from '../../image/archive/read';
import type {BadInput, LoadedImage, ReadLayout} from '../../image/archive/read';
import {applyLayerBlobs, hostArch, storeLayerFile, writeImage} from './imageWrite';
import type {LayerBlob} from './imageWrite';
import {withStore} from './store';
import type {OpenedStore} from './store';
import {makeWorkDir} from '../../storage/workDirs';

export interface LoadOptions {
  /** A path (an archive or an image directory), or undefined to read `input`. */
  file?: string | undefined;
  input?: Readable;
}

export type LoadReport = Array<{id: string, names: Array<string>}>;

function fullName(n: string): string | undefined {
  try {
    return formatReference(withDefaultTag(parseReference(n)));
  } catch {
    return undefined;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(s => s.isDirectory(), () => false);
}

async function openArchive(file: string): Promise<Readable> {
  const src = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    src.once(`open`, () => resolve());
    src.once(`error`, err => reject(new TspodError(`InvalidArgument`, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {hint: `check the path`})));
  });
  return src;
}

export async function loadImages(ctx: EngineContext, opts: LoadOptions): Promise<LoadReport> {
  return withStore(ctx, async store => {
    if (opts.file !== undefined && await isDirectory(opts.file)) {
      const read = await readImageDirectory(opts.file, hostArch());
      // podman names an OCI layout's image after the directory, and a dir: image not at all.
      const bad = badImageDir(opts.file);
      const out = read.format === `oci`
        ? await storeLoaded(store, onlyImage(read, opts.file).map(i => ({...i, names: [localNameForPath(opts.file!)]})), bad)
        : await storeLoaded(store, read.images, bad);
      emitEvents(ctx, [imageEvent(`loadfromarchive`, undefined, opts.file)]);
      return out;
    }
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `load`);
    try {
      let src: Readable;
      if (opts.file !== undefined) src = await openArchive(opts.file);
      else if (opts.input) src = opts.input;
      else throw new TspodError(`InvalidArgument`, `no archive to load`, {hint: `give -i FILE or pipe the archive to stdin`});
      await unpackArchive(src, join(tmp, `a`));
      const out = await storeLoaded(store, (await readUnpacked(join(tmp, `a`), hostArch())).images);
      emitEvents(ctx, [imageEvent(`loadfromarchive`, undefined, opts.file)]);
      return out;
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}

/**
 * `pull`/`run` of `oci:DIR[:REF]`, `oci-archive:PATH[:REF]`, `docker-archive:PATH[:REF]`
 * or `dir:DIR`. REF picks one image of several; the names follow podman's: an oci:
 * image is named after its directory, an oci-archive's by its ref.name, a
 * docker-archive's by its tags (or only REF), a dir: image not at all.
 */
export async function loadFromTransport(ctx: EngineContext, src: {transport: LocalTransport, path: string, reference?: string}): Promise<LoadReport> {
  const where = `${src.transport}:${src.path}`;
  const st = await stat(src.path).catch(() => undefined);
  if (!st) throw new TspodError(`InvalidArgument`, `${where}: ${src.path} does not exist`, {hint: `check the path`});
  const isDir = st.isDirectory();
  if (src.transport === `oci` || src.transport === `dir`) {
    if (!isDir) throw new TspodError(`InvalidArgument`, `${where}: ${src.path} is not a directory`, {hint: `give an OCI image layout directory (oci:) or a dir: image directory`});
    return withStore(ctx, async store => {
      const read = await readImageDirectory(src.path, hostArch());
      expectFormat(read, src.transport === `oci` ? `oci` : `dir`, where);
      const bad = badImageDir(src.path);
      if (src.transport === `dir`) return storeLoaded(store, read.images, bad);
      const picked = src.reference !== undefined ? [pickByRefName(read.images, src.reference, where)] : onlyImage(read, src.path);
      return storeLoaded(store, picked.map(i => ({...i, names: [localNameForPath(src.path)]})), bad);
    });
  }
  if (isDir) throw new TspodError(`InvalidArgument`, `${where}: ${src.path} is a directory`, {hint: `use oci:${src.path} for an OCI image layout directory, dir:${src.path} for a dir: image`});
  return withStore(ctx, async store => {
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `load`);
    try {
      await unpackArchive(await openArchive(src.path), join(tmp, `a`));
      const read = await readUnpacked(join(tmp, `a`), hostArch());
      expectFormat(read, src.transport === `oci-archive` ? `oci` : `docker-archive`, where, true);
      let images = read.images;
      if (src.reference !== undefined && src.transport === `oci-archive`) images = [pickByRefName(images, src.reference, where)];
      if (src.reference !== undefined && src.transport === `docker-archive`) images = [pickByTag(images, src.reference, where)];
      return await storeLoaded(store, images);
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}

function expectFormat(read: ReadLayout, want: ReadLayout[`format`], where: string, archive = false): void {
  const what = {'oci': archive ? `an oci-archive` : `an OCI image layout`, 'docker-archive': `a docker-archive`, 'dir': `a dir: image`};
  if (read.format !== want)
    throw new TspodError(`InvalidArgument`, `${where} is ${what[read.format]}, not ${what[want]}`, {hint: `name it with the transport of its format`});
}

function onlyImage(read: ReadLayout, path: string): Array<LoadedImage> {
  if (read.images.length > 1)
    throw new TspodError(`InvalidArgument`, `${path} holds ${read.images.length} images`, {hint: `name one: oci:${path}:NAME, NAME being its org.opencontainers.image.ref.name`});
  return read.images;
}

function pickByRefName(images: Array<LoadedImage>, ref: string, where: string): LoadedImage {
  const found = images.find(i => i.refName === ref);
  if (!found) throw new TspodError(`NoSuchImage`, `no image named "${ref}" in ${where}`, {hint: `the names are the org.opencontainers.image.ref.name annotations of its index.json`});
  return found;
}

function pickByTag(images: Array<LoadedImage>, ref: string, where: string): LoadedImage {
  const want = fullName(ref);
  const found = want !== undefined ? images.find(i => i.names.some(n => fullName(n) === want)) : undefined;
  if (!found) throw new TspodError(`NoSuchImage`, `no image tagged "${ref}" in ${where}`, {hint: `the tags are the RepoTags of its manifest.json`});
  return {...found, names: [ref]};
}

/** Stores read images: every layer blob first (none kept if any fails), then layers and records. */
async function storeLoaded(store: OpenedStore, images: Array<LoadedImage>, bad: BadInput = badArchive): Promise<LoadReport> {
  const before = new Set(await store.blobs.list());
  const added: Array<Digest> = [];
  const blobsOf: Array<Array<LayerBlob>> = [];
  try {
    for (const img of images) {
      const config = parseImageConfig(img.configBody);
      const blobs: Array<LayerBlob> = [];
      for (const [i, l] of img.layers.entries()) {
        const b = await storeLayerFile(store, l.path).catch(err => {
          throw bad(`layer ${i + 1} of ${img.names[0] ?? `an image`} is not a valid tar (${(err as Error).message})`);
        });
        if (!before.has(b.digest)) added.push(b.digest);
        if (b.diffID !== config.rootfs.diff_ids[i])
          throw bad(`layer ${i + 1} of ${img.names[0] ?? `an image`} does not match the diff_id in its config`);
        blobs.push(b);
      }
      blobsOf.push(blobs);
    }
  } catch (err) {
    for (const d of added) await store.blobs.delete(d).catch(() => undefined);
    throw err;
  }
  const out: LoadReport = [];
  for (const [k, img] of images.entries()) {
    const blobs = blobsOf[k]!;
    const config = parseImageConfig(img.configBody);
    const layerIds = await applyLayerBlobs(store, [], undefined, blobs);
    const names = img.names.map(fullName).filter((n): n is string => n !== undefined);
    // The source's own manifest is kept when its layer blobs are the ones stored.
    const keep = img.manifest && img.layers.every((l, i) => l.digest === blobs[i]!.digest);
    const {id} = await writeImage(store, {
      config, configBody: img.configBody, layerIds, layers: blobs, names,
      ...(keep ? {manifest: img.manifest!} : {}),
    });
    out.push({id, names});
  }
  return out;
}
