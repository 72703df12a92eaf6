// `save IMAGE...`: images into a docker-archive (default) or oci-archive. Layers come
// from the BlobStore (the blobs they were pulled or committed as); a layer whose
// blob is gone is packed again from its directory by the worker (docker-archive).
import {createReadStream} from 'node:fs';
import {mkdtemp, rm} from '../../util/fsp';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {createGunzip} from 'node:zlib';
import tar from 'tar-stream';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {parseManifest, parseImageConfig, MediaType} from '../../oci/image';
import {mustLookup} from '../../image/lookup';
import {writeDockerArchive, writeOciArchive} from '../../image/archive/write';
import type {ArchiveImage, ArchiveLayer} from '../../image/archive/write';
import {withStore} from './store';

export interface SaveOptions {
  images: Array<string>;
  format?: string | undefined;
  multiImage?: boolean;
  output: NodeJS.WritableStream;
}

export async function saveImages(ctx: EngineContext, opts: SaveOptions): Promise<void> {
  const format = opts.format ?? `docker-archive`;
  if (format !== `docker-archive` && format !== `oci-archive`)
    throw new TspodError(`InvalidArgument`, `unsupported format "${format}"`, {hint: `use --format docker-archive or --format oci-archive`});
  if (opts.images.length === 0) throw new TspodError(`InvalidArgument`, `save needs at least one image`);
  await withStore(ctx, async store => {
    const list = await store.images.list();
    const found = opts.images.map(i => mustLookup(list, i));
    const ids = [...new Set(found.map(f => f.image.id))];
    if (ids.length > 1 && !opts.multiImage && format === `docker-archive`)
      throw new TspodError(`InvalidArgument`, `${opts.images.join(`, `)} are ${ids.length} different images`, {hint: `use -m (--multi-image-archive) to save several images in one archive`});
    const layers = await store.layers.list();
    const tmp = await mkdtemp(join(ctx.paths.graphRoot, `.save-`));
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
          else if (format === `oci-archive`) throw new TspodError(`Storage`, `layer blob ${desc.digest} of ${img.names[0] ?? img.id} is not in the store`, {hint: `pull the image again`});
          if (format === `docker-archive`) {
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
          manifestMediaType: manifest.mediaType, names: asked.length > 0 ? asked : img.names, layers: al,
        });
      }
      const pack = tar.pack();
      const done = pipeline(pack, opts.output as NodeJS.WritableStream, {end: false});
      done.catch(() => undefined);
      try {
        if (format === `oci-archive`) await writeOciArchive(pack, images);
        else await writeDockerArchive(pack, images);
        pack.finalize();
      } catch (err) {
        pack.destroy(err as Error);
        throw err;
      }
      await done;
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}
