// `load`: a docker-archive or oci-archive (file or stdin, gzip or not) into the
// store. The archive is unpacked and checked whole first (a truncated or malformed
// archive fails before the store is touched); layer blobs are stored only when
// their recomputed diffID matches the config, and removed again if a later image
// of the same archive fails.
import {createReadStream} from 'node:fs';
import {mkdtemp, rm} from '../../util/fsp';
import {join} from 'node:path';
import type {Readable} from 'node:stream';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {Digest} from '../../oci/digest';
import {parseImageConfig} from '../../oci/image';
import {formatReference, parseReference, withDefaultTag} from '../../oci/reference';
import {badArchive, readUnpacked, unpackArchive} from '../../image/archive/read';
import {applyLayerBlobs, hostArch, storeLayerFile, writeImage} from './imageWrite';
import type {LayerBlob} from './imageWrite';
import {withStore} from './store';

export interface LoadOptions {
  /** A path, or undefined to read `input`. */
  file?: string | undefined;
  input?: Readable;
}

function fullName(n: string): string | undefined {
  try {
    return formatReference(withDefaultTag(parseReference(n)));
  } catch {
    return undefined;
  }
}

export async function loadImages(ctx: EngineContext, opts: LoadOptions): Promise<Array<{id: string, names: Array<string>}>> {
  return withStore(ctx, async store => {
    const tmp = await mkdtemp(join(ctx.paths.graphRoot, `.load-`));
    try {
      let src: Readable;
      if (opts.file !== undefined) {
        src = createReadStream(opts.file);
        await new Promise<void>((resolve, reject) => {
          src.once(`open`, () => resolve());
          src.once(`error`, err => reject(new TspodError(`InvalidArgument`, `cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? err.message}`)));
        });
      } else if (opts.input) {
        src = opts.input;
      } else {
        throw new TspodError(`InvalidArgument`, `no archive to load`, {hint: `give -i FILE or pipe the archive to stdin`});
      }
      await unpackArchive(src, join(tmp, `a`));
      const images = await readUnpacked(join(tmp, `a`), hostArch());
      // Phase 1: every layer blob, checked against its config; none kept if any fails.
      const before = new Set(await store.blobs.list());
      const added: Array<Digest> = [];
      const blobsOf: Array<Array<LayerBlob>> = [];
      try {
        for (const img of images) {
          const config = parseImageConfig(img.configBody);
          const blobs: Array<LayerBlob> = [];
          for (const [i, l] of img.layers.entries()) {
            const b = await storeLayerFile(store, l.path).catch(err => {
              throw badArchive(`layer ${i + 1} of ${img.names[0] ?? `an image`} is not a valid tar (${(err as Error).message})`);
            });
            if (!before.has(b.digest)) added.push(b.digest);
            if (b.diffID !== config.rootfs.diff_ids[i])
              throw badArchive(`layer ${i + 1} of ${img.names[0] ?? `an image`} does not match the diff_id in its config`);
            blobs.push(b);
          }
          blobsOf.push(blobs);
        }
      } catch (err) {
        for (const d of added) await store.blobs.delete(d).catch(() => undefined);
        throw err;
      }
      // Phase 2: layers and image records.
      const out: Array<{id: string, names: Array<string>}> = [];
      for (const [k, img] of images.entries()) {
        const blobs = blobsOf[k]!;
        const config = parseImageConfig(img.configBody);
        const layerIds = await applyLayerBlobs(store, [], undefined, blobs);
        const names = img.names.map(fullName).filter((n): n is string => n !== undefined);
        // The archive's own manifest is kept when its layer blobs are the ones stored.
        const keep = img.manifest && img.layers.every((l, i) => l.digest === blobs[i]!.digest);
        const {id} = await writeImage(store, {
          config, configBody: img.configBody, layerIds, layers: blobs, names,
          ...(keep ? {manifest: img.manifest!} : {}),
        });
        out.push({id, names});
      }
      return out;
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}
