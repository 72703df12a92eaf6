// `export CONTAINER`: the container's root file system (its layers stacked, as the
// container sees them, without mounting anything) as a tar, packed by the worker in
// the user namespace so the owners are the container's ids.
import {createReadStream} from 'node:fs';
import {rm} from '../../util/fsp';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import type {EngineContext} from '../Engine';
import {mustLookup} from '../lifecycle/containers';
import {layerDirs} from './imageWrite';
import {withStore} from './store';
import type {Store} from '../../storage/Store';
import type {PackRequest} from '../../storage/layerTar';
import {makeWorkDir} from '../../storage/workDirs';

export interface ExportOptions {
  container: string;
  /** Where the tar goes: a writable stream (stdout or a file). */
  output: NodeJS.WritableStream;
}

export async function exportContainer(ctx: EngineContext, opts: ExportOptions): Promise<void> {
  await withStore(ctx, async store => {
    const c = await mustLookup(store.containers, opts.container);
    const dirs = await layerDirs(store, c.layer);
    await packToStream(ctx, store.store, {dirs, mode: `merged`, whiteouts: store.store.driver.whiteouts}, opts.output);
  });
}

/** Packs directories as root of the user namespace into a scratch tar under the graph root, then copies it to `output` (left open). */
export async function packToStream(ctx: EngineContext, store: Store, req: Omit<PackRequest, `out`>, output: NodeJS.WritableStream): Promise<void> {
  const tmp = await makeWorkDir(ctx.paths.graphRoot, `export`);
  try {
    const out = join(tmp, `out.tar`);
    await store.worker().pack({...req, out});
    await pipeline(createReadStream(out), output, {end: false});
  } finally {
    await rm(tmp, {recursive: true, force: true});
  }
}
