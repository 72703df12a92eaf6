// `diff CONTAINER`: what the container changed, from its writable layer (packed by
// the worker, so files of any owner are seen): A added, C changed (exists below),
// D deleted (a whiteout). The init files' empty mount points are left out.
import {lstatSync} from 'node:fs';
import {rm} from '../../util/fsp';
import {createReadStream} from 'node:fs';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import tar from 'tar-stream';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup} from '../lifecycle/containers';
import {layerDirs} from './imageWrite';
import {INIT_FILES} from './commit';
import {withStore} from './store';
import {makeWorkDir} from '../../storage/workDirs';

export interface Change {
  Path: string;
  Kind: 0 | 1 | 2;
}

export async function diffContainer(ctx: EngineContext, opts: {container: string}): Promise<Array<Change>> {
  return withStore(ctx, async store => {
    const c = await mustLookup(store.containers, opts.container);
    // A vfs layer is a full copy, not the changes: its diff would be the whole tree.
    if (store.store.driver.whiteouts !== `overlay`)
      throw new TspodError(`Unsupported`, `commit and diff need the overlay storage driver (this store uses ${store.driverName})`, {hint: `use a store made with the overlay or fuse-overlayfs driver`});
    const dirs = await layerDirs(store, c.layer);
    const lowers = dirs.slice(1);
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `diff`);
    try {
      const file = join(tmp, `d.tar`);
      await store.store.worker().pack({dirs: [dirs[0]!], mode: `diff`, whiteouts: store.store.driver.whiteouts, out: file, skipEmpty: INIT_FILES});
      const out: Array<Change> = [];
      const extract = tar.extract();
      extract.on(`entry`, (h, stream, next) => {
        const name = h.name.replace(/\/$/, ``);
        const base = name.slice(name.lastIndexOf(`/`) + 1);
        const dir = name.slice(0, name.lastIndexOf(`/`) + 1);
        if (base === `.wh..wh..opq`) {
          // opaque: reported as the directory's change
        } else if (base.startsWith(`.wh.`)) {
          out.push({Path: `/${dir}${base.slice(4)}`, Kind: 2});
        } else {
          const below = lowers.some(d => {
            try { lstatSync(join(d, name)); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === `EACCES`; }
          });
          out.push({Path: `/${name}`, Kind: below ? 0 : 1});
        }
        stream.resume();
        next();
      });
      await pipeline(createReadStream(file), extract);
      return out.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}
