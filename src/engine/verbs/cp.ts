// `cp` between a container (running or stopped) and the host, through tar files.
// Out of a container: the worker packs the path from the stacked layers (symlinks
// are archived as links, never followed, so a link to the host's /etc/shadow copies
// as a link). Into a container: the host path (or a tar on stdin with `-`) is
// unpacked by the worker into the container's writable layer, refusing `..` names
// and symlinks on the way (extractTar.ts): nothing outside the container is touched.
import {createReadStream, createWriteStream, existsSync, lstatSync, renameSync} from 'node:fs';
import {createGunzip} from 'node:zlib';
import {mkdtemp, rm} from '../../util/fsp';
import {basename, dirname, join, posix, resolve} from 'node:path';
import {pipeline} from 'node:stream/promises';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup} from '../lifecycle/containers';
import {packLayers} from '../../storage/layerTar';
import {extractTar} from '../../storage/extractTar';
import {resolveInLayers} from '../../storage/layerPath';
import {isGzipFile, startsWithTarHeader} from '../../storage/tarSniff';
import {layerDirs} from './imageWrite';
import {withStore} from './store';

export interface CpOptions {
  source: string;
  destination: string;
  /** For a source of `-` (a tar on stdin). */
  input?: NodeJS.ReadableStream;
  /** For a destination of `-` (the tar on stdout). */
  output?: {write(chunk: Uint8Array): unknown};
}

/** Copies into a container are owned by its root (podman's default for a root container). */
const ROOT = {uid: 0, gid: 0};

function split(arg: string): {container?: string, path: string} {
  const i = arg.indexOf(`:`);
  if (i > 0 && !arg.startsWith(`/`) && !arg.startsWith(`.`)) return {container: arg.slice(0, i), path: arg.slice(i + 1)};
  return {path: arg};
}

function rel(p: string): string {
  return posix.normalize(`/${p}`).slice(1).replace(/\/$/, ``);
}

export async function copy(ctx: EngineContext, opts: CpOptions): Promise<void> {
  const src = split(opts.source), dst = split(opts.destination);
  if ((src.container === undefined) === (dst.container === undefined))
    throw new TspodError(`InvalidArgument`, `copying ${src.container ? `between containers` : `between host paths`} is not supported`, {hint: `one of SRC and DEST must be CONTAINER:PATH`});
  await withStore(ctx, async store => {
    const c = await mustLookup(store.containers, (src.container ?? dst.container)!);
    const dirs = await layerDirs(store, c.layer);
    const tmp = await mkdtemp(join(ctx.paths.graphRoot, `.cp-`));
    try {
      const tarFile = join(tmp, `x.tar`);
      if (src.container !== undefined) {
        // Links on the way are followed in the container; the last component is copied as it is (a link stays a link).
        const sub = resolveInLayers(dirs, rel(src.path), false);
        try {
          await store.store.worker().pack({dirs, mode: `merged`, whiteouts: store.store.driver.whiteouts, out: tarFile, ...(sub ? {subPath: sub} : {})});
        } catch (err) {
          if (/no such file or directory|ENOENT/.test((err as Error).message))
            throw new TspodError(`InvalidArgument`, `"${src.path}" could not be found on container ${src.container}: no such file or directory`, {hint: `check the path inside the container (tspod exec ${src.container} ls ${posix.dirname(posix.normalize(`/${src.path}`))})`});
          throw err;
        }
        if (dst.path === `-` && opts.output) {
          // podman: DEST `-` writes the tar archive itself to stdout.
          for await (const chunk of createReadStream(tarFile)) opts.output.write(chunk as Buffer);
          return;
        }
        const host = resolve(dst.path);
        let isDir = false;
        try { isDir = lstatSync(host).isDirectory(); } catch {}
        if (!isDir && !existsSync(dirname(host)))
          throw new TspodError(`InvalidArgument`, `"${dst.path}" could not be found on the host: no such file or directory`, {hint: `create ${dirname(host)} first`});
        if (!sub) {
          await extractTar({tar: tarFile, root: host, dest: ``});
        } else if (isDir) {
          await extractTar({tar: tarFile, root: host, dest: ``});
        } else {
          await extractTar({tar: tarFile, root: dirname(host), dest: ``, rename: basename(host)});
        }
        return;
      }
      // As the container sees it: `/lib/` of a merged-/usr image is /usr/lib (a link followed, not replaced).
      const destRel = resolveInLayers(dirs, rel(dst.path));
      if (opts.source === `-`) {
        if (!opts.input) throw new TspodError(`InvalidArgument`, `no tar archive on stdin`);
        const raw = join(tmp, `in`);
        await pipeline(opts.input, createWriteStream(raw));
        if (!await startsWithTarHeader(raw)) throw new TspodError(`InvalidArgument`, `source must be a (compressed) tar archive when copying from stdin`, {hint: `pipe a tar archive in, e.g. tar -C DIR -cf - . | tspod cp - ${dst.container}:${dst.path}`});
        // podman takes a gzip-compressed archive too.
        if (isGzipFile(raw)) await pipeline(createReadStream(raw), createGunzip(), createWriteStream(tarFile));
        else renameSync(raw, tarFile);
        await store.store.worker().extract({tar: tarFile, root: dirs[0]!, lowers: dirs.slice(1), dest: destRel, chownTo: ROOT});
        return;
      }
      const host = resolve(src.path);
      try { lstatSync(host); } catch {
        throw new TspodError(`InvalidArgument`, `"${src.path}" could not be found on the host: no such file or directory`);
      }
      await packLayers({dirs: [dirname(host)], mode: `diff`, whiteouts: `overlay`, out: tarFile, subPath: basename(host)});
      // Into an existing directory, or as a new name.
      const destIsDir = destRel === `` || dirs.some(d => {
        try { return lstatSync(join(d, destRel)).isDirectory(); } catch { return false; }
      });
      const into = {tar: tarFile, root: dirs[0]!, lowers: dirs.slice(1), chownTo: ROOT};
      if (destIsDir) await store.store.worker().extract({...into, dest: destRel});
      else await store.store.worker().extract({...into, dest: posix.dirname(destRel) === `.` ? `` : posix.dirname(destRel), rename: posix.basename(destRel)});
    } finally {
      await rm(tmp, {recursive: true, force: true});
    }
  });
}
