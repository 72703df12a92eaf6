// `cp` between a container (running or stopped) and the host, through tar files.
// Out of a container: the worker packs the path (symlinks are archived as links, never
// followed, so a link to the host's /etc/shadow copies as a link). Into a container: the
// host path (or a tar on stdin with `-`) is unpacked by the worker, refusing `..` names
// and symlinks on the way (extractTar.ts): nothing outside the container is touched.
// A stopped container's files are its stacked layers (written into its writable layer);
// a running one's are what it sees, its volumes and mounts included (cpLive.ts).
import {createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, renameSync} from 'node:fs';
import {createGunzip} from 'node:zlib';
import {rm} from '../../util/fsp';
import {basename, dirname, join, posix, resolve} from 'node:path';
import {pipeline} from 'node:stream/promises';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup, readSpec} from '../lifecycle/containers';
import {packLayers} from '../../storage/layerTar';
import {extractTar} from '../../storage/extractTar';
import {lstatInside, resolveInLayers} from '../../storage/layerPath';
import {isGzipFile, startsWithTarHeader} from '../../storage/tarSniff';
import {layerDirs} from './imageWrite';
import {withStore} from './store';
import type {OpenedStore} from './store';
import {liveView, reachesPseudo} from './cpLive';
import type {LiveView} from './cpLive';
import type {RuntimeSpec} from '../../oci/runtimeSpec';
import {makeWorkDir} from '../../storage/workDirs';

export interface CpOptions {
  source: string;
  destination: string;
  /** For a source of `-` (a tar on stdin). */
  input?: NodeJS.ReadableStream;
  /** For a destination of `-` (the tar on stdout). */
  output?: {write(chunk: Uint8Array): unknown};
  /** podman's --archive (default true): copies into the container are owned by its user; false keeps the archive's owners. */
  archive?: boolean;
  /** podman's --overwrite: a directory may replace a non-directory and the other way round. */
  overwrite?: boolean;
}

/** How copies land: owned by whom (undefined: as the archive has them), and whether one may replace the other kind. */
interface Landing {
  owner?: {uid: number, gid: number};
  overwrite: boolean;
}

function split(arg: string): {container?: string, path: string} {
  const i = arg.indexOf(`:`);
  if (i > 0 && !arg.startsWith(`/`) && !arg.startsWith(`.`)) return {container: arg.slice(0, i), path: arg.slice(i + 1)};
  return {path: arg};
}

function rel(p: string): string {
  return posix.normalize(`/${p}`).slice(1).replace(/\/$/, ``);
}

/** A container's files as cp sees them: its stacked layers, or (running) its own view. */
interface Tree {
  /** `rel` with its links followed as the container sees them (the last one only with followLast). */
  resolve(rel: string, followLast: boolean): Promise<{rel: string, kind: `directory` | `other` | `missing`}>;
  pack(out: string, sub: string): Promise<void>;
  /** A tar into `dest` (relative), its top entry renamed to `rename` when given. */
  extract(tar: string, dest: string, rename?: string): Promise<void>;
}

function landing(l: Landing): {chownTo?: {uid: number, gid: number}, overwrite: boolean} {
  return {...(l.owner ? {chownTo: l.owner} : {}), overwrite: l.overwrite};
}

function layerTree(store: OpenedStore, dirs: Array<string>, l: Landing): Tree {
  return {
    async resolve(rel, followLast) {
      const r = resolveInLayers(dirs, rel, followLast);
      const st = dirs.map(d => lstatInside(d, r)).find(x => x !== undefined);
      return {rel: r, kind: st === undefined ? `missing` : st.isDirectory() ? `directory` : `other`};
    },
    async pack(out, sub) {
      await store.store.worker().pack({dirs, mode: `merged`, whiteouts: store.store.driver.whiteouts, out, ...(sub ? {subPath: sub} : {})});
    },
    async extract(tar, dest, rename) {
      await store.store.worker().extract({tar, root: dirs[0]!, lowers: dirs.slice(1), dest, ...landing(l), ...(rename !== undefined ? {rename} : {})});
    },
  };
}

function liveTree(store: OpenedStore, live: LiveView, l: Landing): Tree {
  return {
    resolve: (rel, followLast) => live.worker.resolve(live.root, rel, followLast),
    async pack(out, sub) {
      await live.worker.pack({dirs: [live.root], mode: `merged`, whiteouts: store.store.driver.whiteouts, out, ...(sub ? {subPath: sub} : {})});
    },
    async extract(tar, dest, rename) {
      await live.worker.extract({tar, root: live.root, dest, ...landing(l), ...(rename !== undefined ? {rename} : {})});
    },
  };
}

/** A stopped container's bind mounts of directories (its volumes among them), longest destination first. */
interface DirMount {
  dest: string;
  source: string;
  ro: boolean;
}

function dirMounts(spec: RuntimeSpec | undefined): Array<DirMount> {
  return (spec?.mounts ?? []).filter(m => m.source !== undefined && (m.type === `bind` || (m.options ?? []).some(o => o === `bind` || o === `rbind`)) && isDirectory(m.source))
    .map(m => ({dest: posix.normalize(m.destination).replace(/^\/+|\/+$/g, ``), source: m.source!, ro: (m.options ?? []).includes(`ro`)}))
    .filter(m => m.dest !== ``)
    .sort((a, b) => b.dest.length - a.dest.length);
}

/** The user the container's process runs as (root when its spec cannot be read). */
function containerUser(spec: RuntimeSpec | undefined): {uid: number, gid: number} {
  const u = spec?.process.user;
  return u ? {uid: u.uid, gid: u.gid} : {uid: 0, gid: 0};
}

/** The container's config.json, read once for cp's mounts and user; undefined when it has none (never prepared). */
function specOf(store: OpenedStore, id: string): RuntimeSpec | undefined {
  try {
    return readSpec(store.containers, id);
  } catch {
    return undefined;
  }
}

function isDirectory(p: string): boolean {
  try { return lstatSync(p).isDirectory(); } catch { return false; }
}

export async function copy(ctx: EngineContext, opts: CpOptions): Promise<void> {
  const src = split(opts.source), dst = split(opts.destination);
  if ((src.container === undefined) === (dst.container === undefined))
    throw new TspodError(`InvalidArgument`, `copying ${src.container ? `between containers` : `between host paths`} is not supported`, {hint: `one of SRC and DEST must be CONTAINER:PATH`});
  await withStore(ctx, async store => {
    const c = await mustLookup(store.containers, (src.container ?? dst.container)!);
    const tmp = await makeWorkDir(ctx.paths.graphRoot, `cp`);
    const spec = specOf(store, c.id);
    const live = liveView(ctx, c, spec, tmp);
    try {
      // podman's --archive: owned by the container's user (its process's uid and gid), else as in the archive.
      const l: Landing = {overwrite: opts.overwrite === true, ...(opts.archive === false ? {} : {owner: containerUser(spec)})};
      const layers = layerTree(store, await layerDirs(store, c.layer), l);
      const mounts = live ? [] : dirMounts(spec);
      /**
       * Where `p` is: a stopped container's volume or bind-mounted directory is the mount's
       * source (podman mounts them for cp), links in it followed within it; else the tree.
       */
      const locate = async (tree: Tree, p: string, followLast: boolean) => {
        const found = await tree.resolve(p, followLast);
        const m = mounts.find(x => found.rel === x.dest || found.rel.startsWith(`${x.dest}/`));
        if (!m) return {tree, found, top: posix.basename(found.rel)};
        const inner = layerTree(store, [m.source], l);
        return {tree: inner, found: await inner.resolve(found.rel.slice(m.dest.length + 1), followLast), mount: m, top: posix.basename(found.rel)};
      };
      const tarFile = join(tmp, `x.tar`);
      if (src.container !== undefined) {
        // Links on the way are followed in the container; the last component is copied as it is (a link stays a link).
        // `cp ctr:/ dir` of a running container would walk its /proc: its layers have the same files.
        let at = await locate(live ? liveTree(store, live, l) : layers, rel(src.path), false);
        if (live && reachesPseudo(live, at.found.rel)) at = await locate(layers, rel(src.path), false);
        const {found} = at;
        const from = at.tree;
        const notFound = () => new TspodError(`InvalidArgument`, `"${src.path}" could not be found on container ${src.container}: no such file or directory`, {hint: `check the path inside the container (tspod exec ${src.container} ls ${posix.dirname(posix.normalize(`/${src.path}`))})`});
        // The layers' answer may be wrong where the host user cannot look (the worker can): the pack decides there.
        if (found.kind === `missing` && from !== layers) throw notFound();
        const sub = found.rel;
        try {
          await from.pack(tarFile, sub);
        } catch (err) {
          if (/no such file or directory|ENOENT/.test((err as Error).message)) throw notFound();
          throw err;
        }
        if (dst.path === `-` && opts.output) {
          // podman: DEST `-` writes the tar archive itself to stdout.
          for await (const chunk of createReadStream(tarFile)) opts.output.write(chunk as Buffer);
          return;
        }
        const host = resolve(dst.path);
        const isDir = isDirectory(host);
        if (!isDir && !existsSync(dirname(host)))
          throw new TspodError(`InvalidArgument`, `"${dst.path}" could not be found on the host: no such file or directory`, {hint: `create ${dirname(host)} first`});
        // The container's root, or a volume's, has no top entry in the archive: into a new
        // directory as podman makes it, or one named as the container names it in an existing one.
        if (!sub && at.mount && isDir) {
          const into = join(host, at.top);
          if (!isDirectory(into)) mkdirSync(into, {mode: 0o755});
          await extractTar({tar: tarFile, root: into, dest: ``, overwrite: opts.overwrite === true});
          return;
        }
        if (!sub && !isDir) mkdirSync(host, {mode: 0o755});
        if (!sub || isDir) await extractTar({tar: tarFile, root: host, dest: ``, overwrite: opts.overwrite === true});
        else await extractTar({tar: tarFile, root: dirname(host), dest: ``, rename: basename(host), overwrite: opts.overwrite === true});
        return;
      }
      // As the container sees it: `/lib/` of a merged-/usr image is /usr/lib (a link followed, not replaced).
      const {tree, found: dest, mount} = await locate(live ? liveTree(store, live, l) : layers, rel(dst.path), true);
      if (mount?.ro)
        throw new TspodError(`InvalidArgument`, `"${dst.path}" is on a read-only mount of container ${dst.container} (/${mount.dest})`, {hint: `copy into the mount's source on the host instead (${mount.source})`});
      if (opts.source === `-`) {
        if (!opts.input) throw new TspodError(`InvalidArgument`, `no tar archive on stdin`);
        const raw = join(tmp, `in`);
        await pipeline(opts.input, createWriteStream(raw));
        if (!await startsWithTarHeader(raw)) throw new TspodError(`InvalidArgument`, `source must be a (compressed) tar archive when copying from stdin`, {hint: `pipe a tar archive in, e.g. tar -C DIR -cf - . | tspod cp - ${dst.container}:${dst.path}`});
        // podman takes a gzip-compressed archive too.
        if (isGzipFile(raw)) await pipeline(createReadStream(raw), createGunzip(), createWriteStream(tarFile));
        else renameSync(raw, tarFile);
        await tree.extract(tarFile, dest.rel);
        return;
      }
      const host = resolve(src.path);
      try { lstatSync(host); } catch {
        throw new TspodError(`InvalidArgument`, `"${src.path}" could not be found on the host: no such file or directory`);
      }
      await packLayers({dirs: [dirname(host)], mode: `diff`, whiteouts: `overlay`, out: tarFile, subPath: basename(host)});
      // Into an existing directory, or as a new name.
      if (dest.rel === `` || dest.kind === `directory`) await tree.extract(tarFile, dest.rel);
      else await tree.extract(tarFile, posix.dirname(dest.rel) === `.` ? `` : posix.dirname(dest.rel), posix.basename(dest.rel));
    } finally {
      await live?.worker.close();
      await rm(tmp, {recursive: true, force: true});
    }
  });
}
