// `import TARBALL [REF]`: a root file system tarball (plain or gzip, a file or `-`
// for stdin) becomes a one-layer image, with --change applied to its config.
import {emitEvents, imageEvent} from '../events/emit';
import {createWriteStream, existsSync} from 'node:fs';
import {rm} from '../../util/fsp';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {startsWithTarHeader} from '../../storage/tarSniff';
import type {ImageConfig} from '../../oci/image';
import {normalizeName} from '../../image/lookup';
import {applyChanges, applyLayerBlobs, historyEntry, hostArch, storeLayerFile, writeImage} from './imageWrite';
import {withStore} from './store';
import {isoNow} from '../../util/isoTime';
import {makeWorkDir} from '../../storage/workDirs';

export interface ImportOptions {
  /** A path, or `-` with `input` given. */
  source: string;
  input?: NodeJS.ReadableStream;
  reference?: string | undefined;
  changes?: Array<string>;
  message?: string | undefined;
  arch?: string | undefined;
  os?: string | undefined;
  variant?: string | undefined;
}

export async function importImage(ctx: EngineContext, opts: ImportOptions): Promise<{id: string, names: Array<string>}> {
  const names = opts.reference ? [normalizeName(opts.reference)] : [];
  return withStore(ctx, async store => {
    let tmp: string | undefined;
    let path = opts.source;
    try {
      if (opts.source === `-`) {
        if (!opts.input) throw new TspodError(`InvalidArgument`, `no input to import from`);
        tmp = await makeWorkDir(ctx.paths.graphRoot, `import`);
        path = join(tmp, `in`);
        await pipeline(opts.input, createWriteStream(path));
      } else if (/^https?:\/\//.test(opts.source)) {
        throw new TspodError(`InvalidArgument`, `importing from a URL is not supported`, {hint: `download the tarball first`});
      }
      if (!existsSync(path)) throw new TspodError(`InvalidArgument`, `error opening "${opts.source}": no such file or directory`);
      if (!await startsWithTarHeader(path))
        throw new TspodError(`InvalidArgument`, `${opts.source === `-` ? `the input` : `"${opts.source}"`} is not a tar archive (nor a gzip-compressed one)`, {hint: `import takes a file system tarball, e.g. from tspod export or tar -C DIR -cf FILE .`});
      const blob = await storeLayerFile(store, path);
      const layerIds = await applyLayerBlobs(store, [], undefined, [blob]);
      const config: ImageConfig = {
        created: isoNow(),
        architecture: opts.arch ?? hostArch(),
        os: opts.os ?? `linux`,
        ...(opts.variant ? {variant: opts.variant} : {}),
        config: applyChanges({}, opts.changes ?? []),
        rootfs: {type: `layers`, diff_ids: [blob.diffID]},
        history: [historyEntry(`/bin/sh -c #(nop) ADD file:${blob.diffID.slice(7)} in /`, {comment: opts.message ?? `imported from tarball`})],
      };
      if (!config.config!.Env) config.config!.Env = [`PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`];
      const {id} = await writeImage(store, {config, layerIds, layers: [blob], names});
      // podman 4 tells of an import by the tag it gets (if any).
      if (opts.reference) emitEvents(ctx, [imageEvent(`tag`, id, opts.reference)]);
      return {id, names};
    } finally {
      if (tmp) await rm(tmp, {recursive: true, force: true});
    }
  });
}
