// Layer directories → tar, run by the apply worker as root in the user namespace
// (the only place that can read files of subordinate ids and see their owners as
// the container's ids). Two modes:
//   `diff`   one layer directory as a layer tar: overlay whiteouts (char 0/0) become
//            `.wh.NAME` entries, opaque directories (user.overlay.opaque=y) get a
//            `.wh..wh..opq` entry (commit, push of a layer whose blob is gone).
//   `merged` layers stacked top first, whiteouts and opaque dirs applied: the root
//            file system as a container sees it, without mounting it (export, cp).
// The tar is written to `out` (optionally gzipped); the sha256 of the uncompressed
// tar (the diffID) and of the written file are returned.
import {createReadStream, createWriteStream, lstatSync, readdirSync, readlinkSync} from 'node:fs';
import type {Stats} from 'node:fs';
import {join} from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGzip} from 'node:zlib';
import tar from 'tar-stream';
import {Digester} from '../oci/digest';
import type {Digest} from '../oci/digest';
import {lgetxattr} from '../sys/fs';
import type {WhiteoutFormat} from './drivers/Driver';

export interface PackRequest {
  /** Layer directories, top first (`diff` mode uses only the first). */
  dirs: Array<string>;
  mode: `diff` | `merged`;
  whiteouts: WhiteoutFormat;
  out: string;
  gzip?: boolean;
  /** Only this path (relative to the root, no leading slash) and what is below it; entries are named from its base name. */
  subPath?: string;
  /** Relative paths left out when they are empty regular files (mount points of the init files). */
  skipEmpty?: Array<string>;
}

/** Top-level mount points a run creates when the image lacks them (see packLayers' skipEmpty). */
const MOUNT_POINT_DIRS = new Set([`proc`, `sys`, `dev`, `run`]);

export interface PackResult {
  diffID: Digest;
  size: number;
  digest: Digest;
  compressedSize: number;
}

// fuse-overlayfs, which cannot write trusted.* in a user namespace, marks an opaque directory
// with its own xattr and a `.wh..wh..opq` file, and may write a whiteout as a `.wh.NAME` file
// (where it cannot make a 0/0 device): read like the kernel's markers.
const OPAQUE = [`user.overlay.opaque`, `trusted.overlay.opaque`, `user.fuseoverlayfs.opaque`];
const OPAQUE_FILE = `.wh..wh..opq`;

function isWhiteout(st: Stats, fmt: WhiteoutFormat): boolean {
  return fmt === `overlay` && st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(path: string, fmt: WhiteoutFormat): boolean {
  if (fmt !== `overlay`) return false;
  if (lstatOrUndefined(join(path, OPAQUE_FILE))) return true;
  for (const x of OPAQUE) {
    try {
      if (lgetxattr(path, x)?.toString() === `y`) return true;
    } catch {}
  }
  return false;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

interface Entry {
  rel: string;
  abs: string;
  st: Stats;
  /** Layers (indexes into dirs) to look into below a directory. */
  from: number;
  whiteout?: boolean;
  opaque?: boolean;
}

/** Children of directory `rel` in the stack dirs[from..], top wins. */
function mergedChildren(dirs: Array<string>, from: number, rel: string, fmt: WhiteoutFormat): Array<Entry> {
  const seen = new Map<string, Entry>();
  const hidden = new Set<string>();
  for (let i = from; i < dirs.length; i++) {
    const dir = join(dirs[i]!, rel);
    const st = lstatOrUndefined(dir);
    if (!st) continue;
    if (!st.isDirectory()) break;
    let names: Array<string> = [];
    try {
      names = readdirSync(dir);
    } catch {}
    for (const name of names) {
      if (seen.has(name) || hidden.has(name)) continue;
      const abs = join(dir, name);
      const cst = lstatOrUndefined(abs);
      if (!cst) continue;
      if (isWhiteout(cst, fmt) || name.startsWith(`.wh.`)) {
        hidden.add(isWhiteout(cst, fmt) ? name : name.slice(4));
        continue;
      }
      seen.set(name, {rel: rel === `` ? name : `${rel}/${name}`, abs, st: cst, from: i});
    }
    if (isOpaque(dir, fmt)) break;
  }
  return [...seen.values()].sort((a, b) => (a.rel < b.rel ? -1 : 1));
}

/** Children of `rel` in one layer directory, whiteouts kept. */
function diffChildren(dir: string, rel: string, fmt: WhiteoutFormat): Array<Entry> {
  let names: Array<string> = [];
  try {
    names = readdirSync(join(dir, rel)).sort();
  } catch {}
  const out: Array<Entry> = [];
  for (const name of names) {
    const abs = join(dir, rel, name);
    const st = lstatOrUndefined(abs);
    // The opaque marker is written once, for its directory (emit).
    if (!st || (fmt === `overlay` && name === OPAQUE_FILE)) continue;
    out.push({rel: rel === `` ? name : `${rel}/${name}`, abs, st, from: 0, ...(isWhiteout(st, fmt) ? {whiteout: true} : {})});
  }
  return out;
}

function hashing(d: Digester, count: {n: number}): Transform {
  return new Transform({
    transform(chunk: Buffer, _e, cb) {
      d.update(chunk);
      count.n += chunk.length;
      cb(null, chunk);
    },
  });
}

export async function packLayers(req: PackRequest): Promise<PackResult> {
  const pack = tar.pack();
  const raw = new Digester(), comp = new Digester();
  const rawN = {n: 0}, compN = {n: 0};
  const stages: Array<NodeJS.ReadWriteStream> = [hashing(raw, rawN)];
  if (req.gzip) stages.push(createGzip({level: 6}));
  stages.push(hashing(comp, compN));
  const done = pipeline(pack, ...stages as [Transform], createWriteStream(req.out, {mode: 0o600}));
  done.catch(() => undefined);
  const hardlinks = new Map<string, string>();
  const skip = new Set(req.skipEmpty ?? []);
  const fmt = req.whiteouts;

  const stub = (e: Entry) => skip.has(e.rel) && e.st.isFile() && e.st.size === 0;
  // The directories the runtime made as mount points in a container's layer (/proc, /sys,
  // /dev, or /run for .containerenv, when the image lacks them) go with the stubs: podman
  // keeps them in its init layer, so neither its diff nor its commit has them.
  const mountDir = (e: Entry) => req.mode === `diff` && e.st.isDirectory() && !e.whiteout && req.skipEmpty !== undefined
    && MOUNT_POINT_DIRS.has(e.rel) && !isOpaque(e.abs, fmt) && diffChildren(req.dirs[0]!, e.rel, fmt).every(stub);

  const emit = async (e: Entry, name: string): Promise<void> => {
    const st = e.st;
    if (stub(e) || mountDir(e)) return;
    const base = {name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime};
    if (e.whiteout) {
      const slash = name.lastIndexOf(`/`);
      const wh = slash < 0 ? `.wh.${name}` : `${name.slice(0, slash + 1)}.wh.${name.slice(slash + 1)}`;
      await entry(pack, {...base, name: wh, type: `file`, size: 0, mode: 0o600});
      return;
    }
    if (st.isDirectory()) {
      // `bin/`: a directory's name ends with a slash, as Go's archive/tar (podman) and GNU tar write it.
      await entry(pack, {...base, name: name.endsWith(`/`) ? name : `${name}/`, type: `directory`});
      if (req.mode === `diff` && isOpaque(e.abs, fmt)) await entry(pack, {...base, name: `${name}/.wh..wh..opq`, type: `file`, size: 0, mode: 0o600});
      const kids = req.mode === `merged` ? mergedChildren(req.dirs, e.from, e.rel, fmt) : diffChildren(req.dirs[0]!, e.rel, fmt);
      for (const k of kids) await emit(k, `${name}/${k.rel.slice(k.rel.lastIndexOf(`/`) + 1)}`);
      return;
    }
    if (st.isSymbolicLink()) {
      await entry(pack, {...base, type: `symlink`, linkname: readlinkSync(e.abs)});
      return;
    }
    if (st.isFile()) {
      const key = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? hardlinks.get(key) : undefined;
      if (first !== undefined) {
        await entry(pack, {...base, type: `link`, linkname: first});
        return;
      }
      if (st.nlink > 1) hardlinks.set(key, name);
      await new Promise<void>((resolve, reject) => {
        const w = pack.entry({...base, type: `file`, size: st.size} as tar.Header, err => (err ? reject(err) : resolve()));
        const r = createReadStream(e.abs);
        r.on(`error`, reject);
        r.pipe(w);
      });
      return;
    }
    const dev = {devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)};
    if (st.isCharacterDevice()) await entry(pack, {...base, type: `character-device`, ...dev});
    else if (st.isBlockDevice()) await entry(pack, {...base, type: `block-device`, ...dev});
    else if (st.isFIFO()) await entry(pack, {...base, type: `fifo`});
    // Sockets are not archived.
  };

  try {
    if (req.subPath !== undefined && req.subPath !== ``) {
      const parts = req.subPath.split(`/`).filter(Boolean);
      const parent = parts.slice(0, -1).join(`/`);
      const last = parts[parts.length - 1]!;
      const top = req.mode === `merged` ? mergedChildren(req.dirs, 0, parent, fmt) : diffChildren(req.dirs[0]!, parent, fmt);
      const e = top.find(x => x.rel === req.subPath!.split(`/`).filter(Boolean).join(`/`));
      if (!e || e.whiteout) throw Object.assign(new Error(`${req.subPath}: no such file or directory`), {code: `ENOENT`});
      await emit(e, last);
    } else {
      const kids = req.mode === `merged` ? mergedChildren(req.dirs, 0, ``, fmt) : diffChildren(req.dirs[0]!, ``, fmt);
      for (const k of kids) await emit(k, k.rel);
    }
    pack.finalize();
    await done;
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  return {diffID: raw.digest(), size: rawN.n, digest: comp.digest(), compressedSize: compN.n};
}

function entry(pack: tar.Pack, header: Partial<tar.Header> & {name: string}): Promise<void> {
  return new Promise((resolve, reject) => {
    // A file entry without a body waits for one: give it the empty buffer.
    if (header.type === `file`) pack.entry(header as tar.Header, Buffer.alloc(0), err => (err ? reject(err) : resolve()));
    else pack.entry(header as tar.Header, err => (err ? reject(err) : resolve()));
  });
}
