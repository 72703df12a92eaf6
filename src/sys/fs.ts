// File-system calls Node does not offer: mknod (overlay whiteouts, fifos), the
// l*xattr family, renameat2, and fsync of a directory; and a whole write.
import {closeSync, fsyncSync, openSync, constants, writeSync} from 'node:fs';
import {libc, lastErrno} from './libc';
import {SysError} from './errors';

/** Writes every byte (a write(2) may take fewer); errors (EPIPE, EAGAIN, …) are the caller's. */
export function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length;) off += writeSync(fd, data, off);
}

export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major), mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  if (libc().mknod(path, mode, makedev(major, minor)) !== 0)
    throw new SysError(`mknod`, lastErrno(), path);
}

/** An overlay whiteout: a character device 0/0 (unprivileged mknod of it is allowed since Linux 5.8). */
export function mkWhiteout(path: string): void {
  mknod(path, S_IFCHR, 0, 0);
}

export function mkfifo(path: string, perm: number): void {
  mknod(path, S_IFIFO | (perm & 0o7777));
}

export function lsetxattr(path: string, name: string, value: Buffer | string): void {
  const buf = typeof value === `string` ? Buffer.from(value) : value;
  if (libc().lsetxattr(path, name, buf, buf.length, 0) !== 0)
    throw new SysError(`lsetxattr`, lastErrno(), path, undefined, `set xattr \`${name}\` on`);
}

/** The value, or undefined when the attribute is absent (ENODATA). */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const {lgetxattr: get} = libc();
  for (;;) {
    const size = Number(get(path, name, null, 0));
    if (size < 0) {
      const e = lastErrno();
      if (e === 61 /* ENODATA */) return undefined;
      throw new SysError(`lgetxattr`, e, path, undefined, `get xattr \`${name}\` of`);
    }
    const buf = Buffer.alloc(size);
    const got = Number(get(path, name, buf, size));
    if (got >= 0) return buf.subarray(0, got);
    const e = lastErrno();
    if (e !== 34 /* ERANGE: it grew, retry */) throw new SysError(`lgetxattr`, e, path, undefined, `get xattr \`${name}\` of`);
  }
}

export function llistxattr(path: string): Array<string> {
  const {llistxattr: list} = libc();
  for (;;) {
    const size = Number(list(path, null, 0));
    if (size < 0) throw new SysError(`llistxattr`, lastErrno(), path, undefined, `list xattrs of`);
    if (size === 0) return [];
    const buf = Buffer.alloc(size);
    const got = Number(list(path, buf, size));
    if (got >= 0) return buf.subarray(0, got).toString(`utf8`).split(`\0`).filter(s => s.length > 0);
    const e = lastErrno();
    if (e !== 34) throw new SysError(`llistxattr`, e, path, undefined, `list xattrs of`);
  }
}

const AT_FDCWD = -100;
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;

/** rename that fails with EEXIST instead of replacing. */
export function renameNoReplace(from: string, to: string): void {
  if (libc().renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) !== 0)
    throw new SysError(`renameat2`, lastErrno(), from, to, `rename`, `to`);
}

/** Atomically swaps two paths (both must exist). */
export function renameExchange(a: string, b: string): void {
  if (libc().renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) !== 0)
    throw new SysError(`renameat2`, lastErrno(), a, b, `exchange`, `with`);
}

/** Makes a rename or create inside `dir` durable. Pure Node; no koffi needed. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
