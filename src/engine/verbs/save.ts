// `save IMAGE...`: images into a docker-archive (default) or oci-archive, or into a
// directory: oci-dir (an OCI image layout) or docker-dir (containers/image's dir:).
// Layers come from the BlobStore (the blobs they were pulled or committed as); a
// layer whose blob is gone is packed again from its directory by the worker (for the
// formats that hold uncompressed layers). A directory is built under a temp name
// beside its target and renamed into place once complete.
import {emitEvents, imageEvent} from '../events/emit';
import {createReadStream} from 'node:fs';
import {mkdtemp, readdir, rename, rm, rmdir} from '../../util/fsp';
import {basename, dirname, join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {createGunzip} from 'node:zlib';
import tar from 'tar-stream';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {Digest} from '../../oci/digest';
import {parseManifest, parseImageConfig, MediaType} from '../../oci/image';
import {mustLookup} from '../../image/lookup';
import {asOciManifest, dirSink, tarSink, writeDockerArchive, writeDockerDir, writeOciLayout} from '../../image/archive/write';
import type {ArchiveImage, ArchiveLayer} from '../../image/archive/write';
import {withStore} from './store';
import {makeWorkDir} from '../../storage/workDirs';

export interface SaveOptions {
  images: Array<string>;
  format?: string | undefined;
  multiImage?: boolean;
  /** docker-dir: gzip'd layers (the stored blobs) instead of plain tars. */
  compress?: boolean;
  /** The archive formats write here. */
  output?: NodeJS.WritableStream;
  /** The directory formats write this directory (-o), which must not exist or be empty. */
  directory?: string | undefined;
  /** The names to record (push to a local transport); default: the names asked for, else all the image's. */
  names?: Array<string>;
  /** The file or directory written (-o), named by the save events; none for stdout. */
  outputPath?: string | undefined;
  /** A push to a local transport: its own event, not save's. */
  noSaveEvent?: boolean;
}

const FORMATS = [`docker-archive`, `oci-archive`, `oci-dir`, `docker-dir`];

function isDirectoryFormat(format: string | undefined): boolean {
  return format === `oci-dir` || format === `docker-dir`;
}

/** Saves; returns the digest of each image's manifest as written. */
export async function saveImages(ctx: EngineContext, opts: SaveOptions): Promise<Array<Digest>> {
  const format = opts.format ?? `docker-archive`;
  if (!FORMATS.includes(format))
    throw new TspodError(`InvalidArgument`, `unsupported format "${format}"`, {hint: `use --format ${FORMATS.join(`, `)}`});
  if (opts.compress && format !== `docker-dir`)
    throw new TspodError(`InvalidArgument`, `--compress can only be used with --format docker-dir`, {hint: `drop --compress (the other formats keep layers as they are stored)`});
  const toDir = isDirectoryFormat(format);
  if (toDir && (opts.directory === undefined || opts.directory === `-`))
    throw new TspodError(`InvalidArgument`, `--format ${format} writes a directory: -o DIR is required`, {hint: `give -o DIR`});
  if (opts.images.length === 0) throw new TspodError(`InvalidArgument`, `save needs at least one image`);
  if (toDir) await checkTargetDir(opts.directory!);
  return withStore(ctx, async store => {
    const list = await store.images.list();
    const found = opts.images.map(i => mustLookup(list, i));
    const ids = [...new Set(found.map(f => f.image.id))];
    if (ids.length > 1 && toDir)
      throw new TspodError(`InvalidArgument`, `--format ${format} holds one image, and ${opts.images.join(`, `)} are ${ids.length}`, {hint: `save them one at a time, or use -m with docker-archive`});
    if (ids.length > 1 && !opts.multiImage && format === `docker-archive`)
      throw new TspodError(`InvalidArgument`, `${opts.images.join(`, `)} are ${ids.length} different images`, {hint: `use -m (--multi-image-archive) to save several images in one archive`});
    const layers = await store.layers.list();
    // The formats that hold uncompressed layer tars; the others hold the stored blobs.
    const tarFormat = format === `docker-archive` || (format === `docker-dir` && !opts.compress);
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `save`);
    try {
      const images: Array<ArchiveImage> = [];
      for (const id of ids) {
        const img = found.find(f => f.image.id === id)!.image;
        // The names asked for, or all the image's names when asked by id.
        const asked = found.filter(f => f.image.id === id).map(f => f.name).filter((n): n is string => n !== undefined);
        const configBody = await store.blobs.get(img.configDigest);
        const config = parseImageConfig(configBody);
        const manifestBody = await store.blobs.get(img.manifestDigest);
        const manifest = parseManifest(manifestBody);
        const al: Array<ArchiveLayer> = [];
        for (const [i, layerId] of img.layers.entries()) {
          const rec = layers.find(l => l.id === layerId);
          const desc = manifest.layers[i]!;
          const diffID = config.rootfs.diff_ids[i]!;
          const haveBlob = await store.blobs.has(desc.digest);
          const gz = desc.mediaType === MediaType.ociLayerGzip || desc.mediaType === MediaType.dockerLayerGzip;
          const layer: ArchiveLayer = {diffID};
          if (haveBlob) layer.blob = {digest: desc.digest, size: desc.size, open: () => store.blobs.open(desc.digest)};
          else if (!tarFormat) throw new TspodError(`Storage`, `layer blob ${desc.digest} of ${img.names[0] ?? img.id} is not in the store`, {hint: `pull the image again${format === `docker-dir` ? `, or save without --compress` : ``}`});
          if (tarFormat) {
            if (haveBlob && gz && rec?.diffSize !== undefined) {
              layer.tarSize = rec.diffSize;
              layer.openTar = async () => store.blobs.open(desc.digest).pipe(createGunzip());
            } else {
              const out = join(tmp, `${i}-${layerId}.tar`);
              const r = await store.store.worker().pack({dirs: [store.layers.diffDir(layerId)], mode: `diff`, whiteouts: store.store.driver.whiteouts, out});
              layer.diffID = r.diffID;
              layer.tarSize = r.size;
              layer.openTar = async () => createReadStream(out);
            }
          }
          al.push(layer);
        }
        images.push({
          configBody, configDigest: img.configDigest, manifestBody, manifestDigest: img.manifestDigest,
          manifestMediaType: manifest.mediaType, names: opts.names ?? (asked.length > 0 ? asked : img.names), layers: al,
        });
      }
      let digests: Array<Digest>;
      if (format === `docker-dir`) digests = [await writeDirectory(opts.directory!, format, images, Boolean(opts.compress))];
      else {
        if (toDir) await writeDirectory(opts.directory!, format, images, false);
        else await writeArchive(opts.output!, format, images);
        digests = images.map(i => (format === `docker-archive` ? i.manifestDigest : asOciManifest(i).digest));
      }
      if (!opts.noSaveEvent) emitEvents(ctx, ids.map(id => imageEvent(`save`, id, opts.outputPath ?? opts.directory)));
      return digests;
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}

async function writeArchive(output: NodeJS.WritableStream, format: string, images: Array<ArchiveImage>): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, output, {end: false});
  done.catch(() => undefined);
  try {
    if (format === `oci-archive`) await writeOciLayout(tarSink(pack), images);
    else await writeDockerArchive(tarSink(pack), images);
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
  await done;
}

/** A directory that exists must be empty: tspod does not merge into or overwrite one (podman may). */
async function checkTargetDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === `ENOENT`) return [];
    if (err.code === `ENOTDIR`) throw new TspodError(`InvalidArgument`, `${dir} exists and is not a directory`, {hint: `give -o a new directory`});
    throw new TspodError(`InvalidArgument`, `cannot read ${dir}: ${err.code ?? err.message}`);
  });
  if (entries.length > 0) throw new TspodError(`InvalidArgument`, `${dir} exists and is not empty`, {hint: `remove it or give -o a new directory`});
}

/** Returns the digest of the manifest written for docker-dir (made there), or the first image's. */
async function writeDirectory(dir: string, format: string, images: Array<ArchiveImage>, compress: boolean): Promise<Digest> {
  const tmp = await mkdtemp(join(dirname(dir), `.${basename(dir)}.tmp-`)).catch((err: NodeJS.ErrnoException) => {
    throw new TspodError(`InvalidArgument`, `cannot create ${dir}: ${err.code ?? err.message}`, {hint: `check that its parent directory exists and is writable`});
  });
  try {
    let digest = asOciManifest(images[0]!).digest;
    if (format === `oci-dir`) await writeOciLayout(dirSink(tmp), images);
    else digest = await writeDockerDir(dirSink(tmp), images[0]!, compress);
    await checkTargetDir(dir);
    await rmdir(dir).catch(() => undefined);
    await rename(tmp, dir);
    return digest;
  } catch (err) {
    await rm(tmp, {recursive: true, force: true});
    throw err;
  }
}
