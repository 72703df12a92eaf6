// Writes that other processes can see are atomic (STYLE rule 6): a temp file in
// the same directory, fsync, then rename over the target. A crash leaves either the
// old file or the new one, plus at worst a `.tmp-*` file that cleanup removes.
import {closeSync, fsyncSync, openSync, renameSync, unlinkSync} from 'node:fs';
import {writeAll} from '../sys/fs';
import {randomBytes} from './randomBytes';
import {basename, dirname, join} from 'node:path';

/** `<dir>/.tmp-<pid>-<rand>-<base>`: in the target's directory so the rename is atomic. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.tmp-${process.pid}-${randomBytes(6).toString(`hex`)}-${basename(target)}`);
}

/** True for names made by tempPathFor (or BlobStore), which listings skip. */
export function isTempName(name: string): boolean {
  return name.startsWith(`.tmp-`);
}

export interface AtomicWriteOptions {
  mode?: number;
  /** fsync the file before renaming (default true). */
  fsync?: boolean;
}

/**
 * Synchronous underneath: the store's files are small, and each step through libuv's
 * thread pool (open, write, fsync, close, rename) cost more than the step itself,
 * most on a busy machine. Async so callers need not care.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  writeFileAtomicSync(target, data, opts);
}

export async function writeJsonAtomic(target: string, value: unknown, opts: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, {mode: 0o600, ...opts});
}

/** For the places that cannot await (exit handlers, the worker). */
export function writeFileAtomicSync(target: string, data: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = tempPathFor(target);
  const fd = openSync(tmp, `wx`, opts.mode ?? 0o644);
  try {
    try {
      writeAll(fd, typeof data === `string` ? Buffer.from(data) : data);
      if (opts.fsync !== false) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw err;
  }
}
