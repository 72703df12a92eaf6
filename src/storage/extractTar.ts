// A tar into a directory tree it must not escape (cp into a container), run by the
// apply worker as root in the user namespace. Entry names with `..` or a leading
// `/` are refused; every parent of an entry is walked with lstat and a symlink on the
// way is refused (a link in the container pointing at /etc cannot redirect a write);
// hard links must point inside the tree. Owners are kept as written in the tar.
import {createReadStream, createWriteStream, lstatSync, mkdirSync, symlinkSync, linkSync, rmSync, lchownSync, chmodSync, utimesSync} from 'node:fs';
import type {Stats} from 'node:fs';
import {join, posix} from 'node:path';
import {pipeline} from 'node:stream/promises';
import tar from 'tar-stream';
import {mkdirNoFollow} from '../util/mkdirNoFollow';
import {lstatInside} from './layerPath';

export interface ExtractRequest {
  tar: string;
  /** The tree not to escape (a layer's diff dir). */
  root: string;
  /** Directory inside root (relative) to extract into. */
  dest: string;
  /** Rename the archive's top-level entry to this (cp SRC CTR:NEWNAME). */
  rename?: string;
  /** Owner for every entry (cp into a container: its user), instead of the tar's. */
  chownTo?: {uid: number, gid: number};
  /**
   * A directory may replace what is not one, and the other way round (podman's cp
   * --overwrite). Without it such an entry fails the copy before anything is replaced:
   * a file named like a directory must not take the directory's tree with it.
   */
  overwrite?: boolean;
  /**
   * The layers below `root` (a container's writable layer), topmost first: a directory
   * made in `root` on the way to an entry takes the mode, owner and times the container
   * sees there, as overlay's copy-up does (cp into /tmp must leave it 1777).
   */
  lowers?: Array<string>;
}

/**
 * mkdir -p of `rel` in root, without following links; each new directory copied up from
 * the topmost of `lowers` that has it. Where the container sees a link or a file instead,
 * the write is refused, as in `root` itself: a directory made there would hide it.
 */
function makeParents(root: string, rel: string, lowers: ReadonlyArray<string>): string {
  return mkdirNoFollow(root, rel, (dir, relDir) => {
    for (const lower of lowers) {
      const st = lstatInside(lower, relDir);
      if (st === undefined) continue;
      if (st.isSymbolicLink()) throw Object.assign(new Error(`${relDir}: a symbolic link is in the way`), {code: `ELOOP`});
      if (!st.isDirectory()) throw Object.assign(new Error(`${relDir}: not a directory`), {code: `ENOTDIR`});
      try {
        lchownSync(dir, st.uid, st.gid);
        chmodSync(dir, st.mode & 0o7777);
        utimesSync(dir, st.atime, st.mtime);
      } catch {}
      return;
    }
  });
}

function clean(name: string): string | undefined {
  const n = posix.normalize(`/${name}`).slice(1).replace(/\/$/, ``);
  if (name.split(`/`).includes(`..`)) return undefined;
  return n;
}

/** Every entry name (and hard-link target) stays inside: checked before anything is written. */
async function preScan(file: string): Promise<void> {
  const scan = tar.extract();
  let bad: string | undefined;
  scan.on(`entry`, (h, stream, next) => {
    if (bad === undefined) {
      if (h.name.startsWith(`/`) || clean(h.name) === undefined) bad = `entry ${JSON.stringify(h.name)} points outside the destination`;
      else if (h.type === `link` && (String(h.linkname).startsWith(`/`) || clean(h.linkname ?? ``) === undefined)) bad = `hard link ${JSON.stringify(h.name)} points outside the destination`;
    }
    stream.resume();
    next();
  });
  await pipeline(createReadStream(file), scan);
  if (bad !== undefined) throw Object.assign(new Error(bad), {code: `EINVAL`});
}

export async function extractTar(req: ExtractRequest): Promise<{entries: number}> {
  await preScan(req.tar);
  const extract = tar.extract();
  let entries = 0;
  let failed: Error | undefined;
  const destRel = clean(req.dest) ?? ``;
  let top: string | undefined;
  extract.on(`entry`, (h, stream, next) => {
    // After a failure the rest is skipped (not written) and the error reported at the end.
    const fail = (err: Error) => {
      failed ??= err;
      stream.resume();
      next();
    };
    if (failed) {
      stream.resume();
      return next();
    }
    try {
      let name = clean(h.name);
      if (name === undefined || h.name.startsWith(`/`)) throw Object.assign(new Error(`entry ${JSON.stringify(h.name)} points outside the destination`), {code: `EINVAL`});
      if (name === `` || name === `.`) {
        stream.resume();
        return next();
      }
      if (req.rename !== undefined) {
        const first = name.split(`/`)[0]!;
        top ??= first;
        if (first === top) name = [req.rename, ...name.split(`/`).slice(1)].join(`/`);
      }
      const rel = posix.join(destRel, name);
      const parentRel = posix.dirname(rel);
      const parent = makeParents(req.root, parentRel === `.` ? `` : parentRel, req.lowers ?? []);
      const target = join(parent, posix.basename(rel));
      const existing = (() => { try { return lstatSync(target); } catch { return undefined; } })();
      // What the container sees there: this tree's entry, else the topmost lower layer's; a
      // whiteout (an overlay 0/0 device) is a deleted entry, nothing.
      const whiteout = (st: Stats | undefined) => st !== undefined && st.isCharacterDevice() && st.rdev === 0;
      const below = existing ? undefined : (req.lowers ?? []).map(d => lstatInside(d, rel)).find(x => x !== undefined);
      const seen = whiteout(existing) || whiteout(below) ? undefined : existing ?? below;
      if (seen && !req.overwrite && seen.isDirectory() !== (h.type === `directory`))
        throw Object.assign(new Error(seen.isDirectory()
          ? `cannot overwrite directory "/${rel}" with non-directory "${h.name}" (--overwrite allows it)`
          : `cannot overwrite non-directory "/${rel}" with directory "${h.name}" (--overwrite allows it)`), {code: `EEXIST`});
      if (existing && !(existing.isDirectory() && h.type === `directory`)) rmSync(target, {recursive: true, force: true});
      entries++;
      const finish = () => {
        // As the host user (cp out of a container) the owners cannot be kept: the user owns the copies.
        try { lchownSync(target, req.chownTo?.uid ?? h.uid ?? 0, req.chownTo?.gid ?? h.gid ?? 0); } catch {}
        try {
          if (h.type !== `symlink`) {
            chmodSync(target, h.mode ?? 0o644);
            if (h.mtime) utimesSync(target, h.mtime, h.mtime);
          }
        } catch {}
        next();
      };
      switch (h.type) {
        case `directory`:
          if (!existing?.isDirectory()) mkdirSync(target, {mode: 0o755});
          stream.resume();
          return finish();
        case `symlink`:
          symlinkSync(h.linkname ?? ``, target);
          stream.resume();
          return finish();
        case `link`: {
          const l = clean(h.linkname ?? ``);
          if (l === undefined) throw Object.assign(new Error(`hard link ${h.name} points outside the destination`), {code: `EINVAL`});
          const src = join(mkdirNoFollow(req.root, posix.dirname(posix.join(destRel, l))), posix.basename(l));
          if (lstatSync(src).isSymbolicLink()) throw Object.assign(new Error(`hard link ${h.name} to a symbolic link`), {code: `EINVAL`});
          linkSync(src, target);
          stream.resume();
          return finish();
        }
        case `file`:
          pipeline(stream, createWriteStream(target, {mode: 0o600})).then(finish, fail);
          return;
        default:
          stream.resume();
          return next();
      }
    } catch (err) {
      fail(err as Error);
    }
  });
  await pipeline(createReadStream(req.tar), extract);
  if (failed) throw failed;
  return {entries};
}
