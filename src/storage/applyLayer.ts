// Applies one layer tarball (gzip, zstd or plain) to a layer directory, computing
// the diffID (sha256 of the uncompressed tar) while extracting. It runs as root
// inside the user namespace (applyWorker.ts), so image owners land on subordinate
// ids. Hostile entries never write outside the layer root: names are normalised
// and every path is resolved component by component with lstat, symlinks being
// resolved *within* the root (as under chroot, like docker's chrootarchive), and
// files are created with O_EXCL so no final symlink is ever followed.
import {
  closeSync, createReadStream, linkSync, lstatSync, lchownSync, chmodSync,
  lutimesSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, rmSync, symlinkSync, utimesSync,
  readFileSync,
} from 'node:fs';
import type {Stats} from 'node:fs';
import {posix} from 'node:path';
import {Transform, PassThrough, Writable} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {createGunzip} from 'node:zlib';
import {TarReader} from './tarReader';
import type {TarHeader, TarSink} from './tarReader';
import type {GrowingFile} from './GrowingFile';
import {Decompress} from 'fzstd';
import {Digester} from '../oci/digest';
import type {Digest} from '../oci/digest';
import {mkWhiteout, mknod, mkfifo, lsetxattr, writeAll, S_IFCHR, S_IFBLK} from '../sys/fs';
import {errCode} from '../sys/errors';
import type {WhiteoutFormat} from './drivers/Driver';

export const OPAQUE_XATTR = `user.overlay.opaque`;
const WH_PREFIX = `.wh.`;
const WH_OPAQUE = `.wh..wh..opq`;
const OVERFLOW_ID = 65534;

export interface ApplyOptions {
  /** The blob (compressed or not; the format is sniffed from its first bytes). */
  blob: string;
  /** Read the blob from here instead, as it downloads (same bytes as `blob` will hold). */
  source?: GrowingFile;
  /** Layer directory; it must exist. */
  target: string;
  whiteouts: WhiteoutFormat;
  /** When given, a different diffID fails the apply (the caller then deletes the layer). */
  expectedDiffID?: Digest;
  /** Host user name, for the usermod hint. */
  user?: string;
  /** /proc/self/uid_map and gid_map contents (read by the worker). */
  uidMap?: string;
  gidMap?: string;
  /**
   * Apply as the host user, outside any user namespace (the host user is the
   * container's root): what needs root in the namespace (owners other than 0,
   * whiteout device nodes) is not done but returned as `fixups`, to run in one short
   * user namespace afterwards; the rest, when the layer has nothing of that kind,
   * means no namespace at all. Throws NeedsPrivilege when an entry cannot be handled
   * that way (the caller then applies the layer again in the worker).
   */
  unprivileged?: boolean;
}

/** Work left by an unprivileged apply (absolute paths, no symlink in them when recorded). */
export interface ApplyFixups {
  /** Overlay whiteouts to create (char 0/0). */
  whiteouts: Array<string>;
  /** lchown path → [uid, gid]. */
  owners: Array<[string, number, number]>;
  /** chmod after the chown (which clears set-id bits). */
  modes: Array<[string, number]>;
  /** Directories whose mtime to set again after creating whiteouts in them (seconds). */
  dirTimes: Array<[string, number]>;
}

export interface ApplyWarning {
  code: `devices-skipped` | `ids-overflow` | `xattrs-skipped` | `ownership-skipped`;
  message: string;
  hint?: string;
}

export interface ApplyResult {
  diffID: Digest;
  /** Bytes of uncompressed tar. */
  size: number;
  warnings: Array<ApplyWarning>;
  /** Only from an unprivileged apply, when something needs root in the user namespace. */
  fixups?: ApplyFixups;
}

/** An unprivileged apply met something only root in the user namespace can do here. */
export class NeedsPrivilege extends Error {
  readonly code = `NeedsPrivilege`;
}

export class LayerError extends Error {
  readonly code = `BadLayer`;
  constructor(message: string) {
    super(message);
    this.name = `LayerError`;
  }
}

export async function applyLayer(opts: ApplyOptions): Promise<ApplyResult> {
  const root = opts.target.replace(/\/+$/, ``) || `/`;
  const st = new ApplyState(root, opts);
  const hasher = new Digester();
  const reader = new TarReader(h => st.entry(h));
  // Large chunks: each read and each gunzip step is a trip through libuv's thread pool,
  // and at the default 64 KiB / 16 KiB those trips, not the work, were most of an apply.
  const magic = opts.source ? await opts.source.head(4) : readMagic(opts.blob);
  let stopped = false;
  try {
    await pipeline(
      opts.source ? opts.source.stream() : createReadStream(opts.blob, {highWaterMark: CHUNK}),
      decompressorFor(magic),
      // Entries are applied as their bytes arrive, synchronously (TarReader).
      new Writable({
        write(chunk: Buffer, _e, cb) {
          // Later, not inside the decompressor's push: it starts on its next chunk (in the
          // thread pool) first, and the two overlap.
          setImmediate(() => {
            // The apply failed meanwhile: its caller may be removing the layer already.
            if (stopped) return cb();
            settle(cb, () => {
              hasher.update(chunk);
              reader.push(chunk);
            });
          });
        },
        final(cb) {
          settle(cb, () => reader.end());
        },
        destroy(err, cb) {
          stopped = true;
          cb(err);
        },
      }),
    );
  } finally {
    st.closeOpenFile();
  }
  const diffID = hasher.digest();
  if (opts.expectedDiffID !== undefined && diffID !== opts.expectedDiffID)
    throw new LayerError(`layer diffID mismatch: the image config says ${opts.expectedDiffID}, the layer is ${diffID}`);
  const fixups = st.finish();
  return {diffID, size: hasher.size, warnings: st.warnings(), ...(fixups ? {fixups} : {})};
}

const CHUNK = 1 << 20;

function readMagic(blob: string): Buffer {
  const fd = openSync(blob, `r`);
  const magic = Buffer.alloc(4);
  try {
    return magic.subarray(0, readSync(fd, magic, 0, 4, 0));
  } finally {
    closeSync(fd);
  }
}

function decompressorFor(magic: Buffer): Transform {
  if (magic[0] === 0x1f && magic[1] === 0x8b) return createGunzip({chunkSize: CHUNK});
  if (magic.length === 4 && magic.readUInt32LE(0) === 0xfd2fb528) return zstdTransform();
  return new PassThrough();
}

/** A stream callback: called once `fn` ran, with what it threw if it did. */
function settle(cb: (err?: Error | null) => void, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    return cb(err as Error);
  }
  cb();
}

function zstdTransform(): Transform {
  const t: Transform = new Transform({
    transform(chunk: Buffer, _e, cb) {
      settle(cb, () => d.push(chunk));
    },
    flush(cb) {
      settle(cb, () => d.push(new Uint8Array(0), true));
    },
  });
  const d = new Decompress(data => {
    t.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  return t;
}

/** Anything normalize() would change, besides a leading `./` and one trailing `/`. */
const UNCLEAN = /^\/|\/\/|\/$|(?:^|\/)\.\.?(?:\/|$)/;

/** Normalises a tar name to a relative path inside the root; throws on `..` escapes. */
export function cleanName(name: string): string {
  // Most names are clean already (`bin/ls`, `./etc/`): no normalize() for them.
  const fast = name.slice(name.startsWith(`./`) ? 2 : 0, name.endsWith(`/`) ? -1 : undefined);
  if (fast !== `` && !UNCLEAN.test(fast)) return fast;
  const n = posix.normalize(`${name.replace(/^\/+/, ``)}`).replace(/\/+$/, ``);
  if (n === `..` || n.startsWith(`../`))
    throw new LayerError(`layer entry \`${name}\` points outside the layer`);
  return n === `` ? `.` : n;
}

class ApplyState {
  private readonly root: string;
  private readonly opts: ApplyOptions;
  /** Paths (relative) this layer created: vfs opaque dirs keep them. */
  private readonly created = new Set<string>();
  /** Parent directories already resolved and made (place()), by their name in the layer. */
  private readonly dirs = new Map<string, string>();
  private readonly dirTimes: Array<[string, Date]> = [];
  private devicesSkipped = 0;
  private firstDevice = ``;
  private xattrsSkipped = new Set<string>();
  private overflow: {file: string, kind: `uid` | `gid`, id: number} | undefined;
  private maxUid = 0;
  private maxGid = 0;
  private ownershipSkipped = false;
  private readonly unprivileged: boolean;
  /** Unprivileged: directory modes, set last (a 0555 directory must stay writable while its files are made). */
  private readonly dirModes = new Map<string, number>();
  private readonly fixWhiteouts = new Set<string>();
  private readonly fixOwners = new Map<string, [number, number]>();
  private readonly fixModes = new Map<string, number>();
  /** The file whose data is being written (closed by closeOpenFile when the apply fails half-way). */
  private openFd: number | undefined;

  constructor(root: string, opts: ApplyOptions) {
    this.root = root;
    this.opts = opts;
    this.unprivileged = opts.unprivileged === true;
  }

  /** `abs` (and everything under it) was removed: forget what was still to be done to it. */
  private forget(abs: string): void {
    if (!this.unprivileged) return;
    const under = (p: string) => p === abs || p.startsWith(`${abs}/`);
    for (const m of [this.dirModes, this.fixOwners, this.fixModes]) for (const k of m.keys()) if (under(k)) m.delete(k);
    for (const k of this.fixWhiteouts) if (under(k)) this.fixWhiteouts.delete(k);
    for (let i = this.dirTimes.length - 1; i >= 0; i--) if (under(this.dirTimes[i]![0])) this.dirTimes.splice(i, 1);
  }

  /** Resolves `rel` inside the root; symlinks are followed within the root, except a final one unless followLast. */
  resolve(rel: string, followLast: boolean): string {
    const todo = rel.split(`/`).filter(c => c !== `` && c !== `.`);
    const done: Array<string> = [];
    let hops = 0;
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === `.`) continue;
      if (c === `..`) {
        done.pop();
        continue;
      }
      const p = `${this.root}/${[...done, c].join(`/`)}`;
      const s = lstatOrUndefined(p);
      if (s?.isSymbolicLink() && (todo.length > 0 || followLast)) {
        if (++hops > 40) throw new LayerError(`too many levels of symbolic links resolving \`${rel}\` in the layer`);
        const target = readlinkSync(p);
        if (target.startsWith(`/`)) done.length = 0;
        todo.unshift(...target.split(`/`).filter(x => x !== `` && x !== `.`));
        continue;
      }
      if (s && !s.isDirectory() && todo.length > 0)
        throw new LayerError(`layer entry \`${rel}\`: \`${[...done, c].join(`/`)}\` is not a directory`);
      done.push(c);
    }
    return done.length === 0 ? this.root : `${this.root}/${done.join(`/`)}`;
  }

  /** Parent directory (created if missing), resolved within the root, plus the final path. */
  private place(rel: string): {dir: string, path: string, base: string} {
    const dirRel = posix.dirname(rel);
    const base = posix.basename(rel);
    // Resolving costs an lstat per component, for every entry: directories already
    // resolved and made are remembered until something in the layer is removed (the
    // only way a directory on the way can become a symlink or vanish).
    let dir = dirRel === `.` ? this.root : this.dirs.get(dirRel);
    if (dir === undefined) {
      dir = this.resolve(dirRel, true);
      this.mkdirs(dir);
      this.dirs.set(dirRel, dir);
    }
    return {dir, path: `${dir}/${base}`, base};
  }

  /** Something is at `path`: keeps a directory a directory entry meets, else removes it. True when kept. */
  private clearWay(path: string, type: string): boolean {
    const existing = lstatOrUndefined(path);
    if (existing?.isDirectory() && type === `directory`) return true;
    if (existing) this.removed(path);
    return false;
  }

  private removed(path: string): void {
    rmSync(path, {recursive: true, force: true});
    this.forget(path);
    this.dirs.clear();
  }

  /**
   * Creates with `make`, which must fail with EEXIST rather than follow or reuse what is
   * there; only then is the path looked at and cleared. Most paths of a layer are new:
   * one syscall each, not an lstat first.
   */
  private createAt<T>(path: string, type: string, make: () => T): T | undefined {
    try {
      return make();
    } catch (err) {
      if (errCode(err) !== `EEXIST`) throw err;
    }
    return this.clearWay(path, type) ? undefined : make();
  }

  private mkdirs(abs: string): void {
    if (abs === this.root) return;
    const s = lstatOrUndefined(abs);
    if (s?.isDirectory()) return;
    if (s) throw new LayerError(`\`${abs.slice(this.root.length + 1)}\` is not a directory`);
    this.mkdirs(abs.slice(0, abs.lastIndexOf(`/`)) || `/`);
    mkdirSync(abs, 0o755);
  }

  /** Applies one entry; for a file, returns where its data goes. */
  entry(h: TarHeader): TarSink | undefined {
    const type = h.type ?? `file`;
    const rel = cleanName(h.name);
    if (rel === `.`) {
      if (type === `directory`) this.meta(this.root, h, `.`);
      return undefined;
    }
    const {dir, path, base} = this.place(rel);
    const relPath = path.slice(this.root.length + 1);

    if (base.startsWith(WH_PREFIX)) {
      this.whiteout(dir, base);
      return undefined;
    }

    switch (type) {
      case `directory`:
        this.createAt(path, type, () => mkdirSync(path, 0o700));
        break;
      case `file`:
      case `contiguous-file`:
        // O_EXCL: never follows or reuses whatever is at path.
        return this.fileSink(this.createAt(path, type, () => openSync(path, `wx`, 0o600))!, path, h, relPath);
      case `symlink`:
        this.createAt(path, type, () => symlinkSync(h.linkname ?? ``, path));
        break;
      case `link`: {
        const targetRel = cleanName(h.linkname ?? ``);
        if (targetRel === `.`) throw new LayerError(`hard link \`${h.name}\` to the layer root`);
        const {path: target} = this.placeExisting(targetRel);
        // link() says when the target is missing or a directory: looked at only then.
        try {
          this.createAt(path, type, () => linkSync(target, path));
        } catch (err) {
          const ts = lstatOrUndefined(target);
          if (!ts) throw new LayerError(`hard link \`${h.name}\`: target \`${h.linkname}\` is not in the layer`);
          if (ts.isDirectory()) throw new LayerError(`hard link \`${h.name}\` to a directory`);
          throw err;
        }
        this.created.add(relPath);
        // Same inode: its pending owner must survive a later removal of `target`.
        if (this.unprivileged && this.fixOwners.has(target)) {
          this.fixOwners.set(path, this.fixOwners.get(target)!);
          if (this.fixModes.has(target)) this.fixModes.set(path, this.fixModes.get(target)!);
        }
        return; // a hard link shares the target's metadata
      }
      case `fifo`:
        this.clearWay(path, type);
        mkfifo(path, h.mode ?? 0o644);
        break;
      case `character-device`:
      case `block-device`:
        this.clearWay(path, type);
        if (type === `character-device` && !h.devmajor && !h.devminor && this.opts.whiteouts === `overlay`) {
          this.makeWhiteout(path);
          this.created.add(relPath);
          return;
        }
        try {
          mknod(path, (type === `character-device` ? S_IFCHR : S_IFBLK) | ((h.mode ?? 0o600) & 0o7777), h.devmajor ?? 0, h.devminor ?? 0);
        } catch (err) {
          if (errCode(err) !== `EPERM` && errCode(err) !== `EACCES`) throw err;
          if (this.devicesSkipped++ === 0) this.firstDevice = relPath;
          return;
        }
        break;
      default:
        throw new LayerError(`layer entry \`${h.name}\` has unsupported type ${type}`);
    }
    this.created.add(relPath);
    this.meta(path, h, relPath);
  }

  /** Where a file entry's data goes: written as it arrives, then the file gets its metadata. */
  private fileSink(fd: number, path: string, h: TarHeader, relPath: string): TarSink {
    this.openFd = fd;
    return {
      data: chunk => writeAll(fd, chunk),
      end: () => {
        this.openFd = undefined;
        closeSync(fd);
        this.created.add(relPath);
        this.meta(path, h, relPath);
      },
    };
  }

  /** After a failure: the file being written, if any, is closed. */
  closeOpenFile(): void {
    if (this.openFd === undefined) return;
    closeSync(this.openFd);
    this.openFd = undefined;
  }

  /** A hard link target: resolved without following its final component. */
  private placeExisting(rel: string): {path: string} {
    const dirRel = posix.dirname(rel);
    const dir = dirRel === `.` ? this.root : this.dirs.get(dirRel) ?? this.resolve(dirRel, true);
    return {path: `${dir}/${posix.basename(rel)}`};
  }

  private whiteout(dir: string, base: string): void {
    const dirRel = dir === this.root ? `` : dir.slice(this.root.length + 1);
    if (base === WH_OPAQUE) {
      if (this.opts.whiteouts === `overlay`) {
        this.setxattr(dir, OPAQUE_XATTR, `y`);
      } else {
        for (const name of readdirSync(dir)) {
          const childRel = dirRel === `` ? name : `${dirRel}/${name}`;
          if (!this.created.has(childRel)) this.removed(`${dir}/${name}`);
        }
      }
      return;
    }
    const name = base.slice(WH_PREFIX.length);
    if (name === `` || name === `.` || name === `..` || name.includes(`/`))
      throw new LayerError(`bad whiteout \`${base}\``);
    const victim = `${dir}/${name}`;
    this.removed(victim);
    if (this.opts.whiteouts !== `overlay`) return;
    this.makeWhiteout(victim);
  }

  private meta(path: string, h: TarHeader, relPath: string): void {
    const isLink = h.type === `symlink`;
    const mode = (h.mode ?? 0o644) & 0o7777;
    if (this.unprivileged) {
      // The host user is the namespace's root: files it makes are owned by 0:0 there.
      const uid = h.uid ?? 0, gid = h.gid ?? 0;
      if (uid !== 0 || gid !== 0) {
        this.fixOwners.set(path, [uid, gid]);
        if (!isLink && h.type !== `directory`) this.fixModes.set(path, mode);
      } else {
        // A directory seen again (a later entry for it) ends up as the last entry says.
        this.fixOwners.delete(path);
        this.fixModes.delete(path);
      }
      if (h.type === `directory`) this.dirModes.set(path, mode);
      else if (!isLink) chmodSync(path, mode);
    } else {
      this.chown(path, h.uid ?? 0, h.gid ?? 0, relPath);
      if (!isLink) chmodSync(path, mode);
    }
    for (const [k, v] of Object.entries(h.pax ?? {})) {
      if (!k.startsWith(`SCHILY.xattr.`)) continue;
      const name = k.slice(`SCHILY.xattr.`.length);
      try {
        this.setxattr(path, name, Buffer.from(String(v), `utf8`));
      } catch (err) {
        if (err instanceof NeedsPrivilege) throw err;
        this.xattrsSkipped.add(name);
      }
    }
    const mtime = h.mtime ?? new Date(0);
    if (h.type === `directory`) this.dirTimes.push([path, mtime]);
    else if (isLink) lutimesSync(path, mtime, mtime);
    else utimesSync(path, mtime, mtime);
  }

  private chown(path: string, uid: number, gid: number, relPath: string): void {
    if (this.ownershipSkipped) return;
    this.maxUid = Math.max(this.maxUid, uid);
    this.maxGid = Math.max(this.maxGid, gid);
    try {
      lchownSync(path, uid, gid);
      return;
    } catch (err) {
      if (errCode(err) === `EPERM`) {
        this.ownershipSkipped = true;
        return;
      }
      if (errCode(err) !== `EINVAL`) throw err;
    }
    // One of the ids is not mapped in this user namespace.
    const uidOk = tryChown(path, uid, -1);
    const gidOk = tryChown(path, -1, gid);
    if (!uidOk) tryChown(path, OVERFLOW_ID, -1);
    if (!gidOk) tryChown(path, -1, OVERFLOW_ID);
    if (!this.overflow) this.overflow = {file: relPath, kind: uidOk ? `gid` : `uid`, id: uidOk ? gid : uid};
  }

  /** Linux 5.8+ lets anyone make a 0/0 device (a whiteout); on older kernels it is left to the fixups. */
  private makeWhiteout(path: string): void {
    try {
      mkWhiteout(path);
    } catch (err) {
      if (!this.unprivileged || errCode(err) !== `EPERM`) throw err;
      this.fixWhiteouts.add(path);
    }
  }

  /** Unprivileged, a failed xattr may still work as root in the namespace: give up on this apply. */
  private setxattr(path: string, name: string, value: string | Buffer): void {
    try {
      lsetxattr(path, name, value);
    } catch (err) {
      if (this.unprivileged) throw new NeedsPrivilege(`cannot set ${name} on \`${path}\` unprivileged: ${errCode(err) ?? (err as Error).message}`);
      throw err;
    }
  }

  finish(): ApplyFixups | undefined {
    for (const [p, m] of this.dirModes) if (!this.fixOwners.has(p)) chmodSync(p, m);
    this.dirTimes.sort((a, b) => b[0].length - a[0].length);
    for (const [p, t] of this.dirTimes) utimesSync(p, t, t);
    if (!this.unprivileged || (this.fixWhiteouts.size === 0 && this.fixOwners.size === 0)) return undefined;
    // Whiteouts change their directory's mtime: those directories get theirs again.
    const parents = new Set([...this.fixWhiteouts].map(p => p.slice(0, p.lastIndexOf(`/`))));
    return {
      whiteouts: [...this.fixWhiteouts],
      owners: [...this.fixOwners].map(([p, [u, g]]) => [p, u, g]),
      modes: [...this.fixModes, ...[...this.dirModes].filter(([p]) => this.fixOwners.has(p))],
      dirTimes: this.dirTimes.filter(([p]) => parents.has(p)).map(([p, t]) => [p, t.getTime() / 1000]),
    };
  }

  warnings(): Array<ApplyWarning> {
    const out: Array<ApplyWarning> = [];
    if (this.devicesSkipped > 0)
      out.push({code: `devices-skipped`, message: `skipped ${this.devicesSkipped} device node(s) (the first is \`/${this.firstDevice}\`): device nodes cannot be created rootless`});
    if (this.overflow) {
      const o = this.overflow;
      const w: ApplyWarning = {code: `ids-overflow`, message: `file \`/${o.file}\` is owned by ${o.kind} ${o.id}, which is outside the ids mapped for this user; it and any like it are owned by ${OVERFLOW_ID} (nobody) instead`};
      const hint = usermodHint(this.opts, this.maxUid, this.maxGid);
      if (hint) w.hint = hint;
      out.push(w);
    }
    if (this.xattrsSkipped.size > 0)
      out.push({code: `xattrs-skipped`, message: `could not set extended attribute(s) ${[...this.xattrsSkipped].join(`, `)}`});
    if (this.ownershipSkipped)
      out.push({code: `ownership-skipped`, message: `file owners were not applied: not running as root in a user namespace`});
    return out;
  }
}

function tryChown(path: string, uid: number, gid: number): boolean {
  try {
    lchownSync(path, uid, gid);
    return true;
  } catch {
    return false;
  }
}

/** `usermod --add-subuids A-B USER` for the ids missing between the current range and the max id seen. */
export function usermodHint(opts: {user?: string, uidMap?: string, gidMap?: string}, maxUid: number, maxGid: number): string | undefined {
  const parts: Array<string> = [];
  const user = opts.user ?? `$USER`;
  for (const [flag, map, max] of [[`--add-subuids`, opts.uidMap, maxUid], [`--add-subgids`, opts.gidMap, maxGid]] as const) {
    const r = subRange(map ?? readMap(flag === `--add-subuids` ? `uid_map` : `gid_map`));
    if (!r || max <= r.count) continue;
    // Container id N (N >= 1) is host id start + N - 1.
    parts.push(`usermod ${flag} ${r.start + r.count}-${r.start + max - 1} ${user}`);
  }
  if (parts.length === 0) return undefined;
  const r = subRange(opts.uidMap ?? readMap(`uid_map`));
  const total = r ? ` (so that ${r.start}-${r.start + Math.max(maxUid, maxGid) - 1} is mapped)` : ``;
  return `${parts.join(` && `)}${total}, then \`tspod system migrate\` and pull again`;
}

function readMap(name: string): string {
  try {
    return readFileSync(`/proc/self/${name}`, `utf8`);
  } catch {
    return ``;
  }
}

/** The subordinate range: the map line whose inside id is 1. */
export function subRange(map: string): {start: number, count: number} | undefined {
  for (const line of map.split(`\n`)) {
    const [inside, outside, count] = line.trim().split(/\s+/).map(Number);
    if (inside === 1 && outside !== undefined && count !== undefined) return {start: outside, count};
  }
  return undefined;
}

function lstatOrUndefined(p: string): Stats | undefined {
  return lstatSync(p, {throwIfNoEntry: false});
}
