// Random bytes straight from the kernel. Loading node:crypto costs about 6 ms of a
// command's startup, and ids, lock tokens and temporary names need nothing more.
import {closeSync, openSync, readSync} from 'node:fs';

/**
 * `size` random bytes, served from a pool read 4 KiB at a time: a run asks a dozen times
 * (ids, lock tokens, temp names), and each read of its own was an open, a read and a close.
 */
export function randomBytes(size: number): Buffer {
  if (size > POOL_SIZE) return readUrandom(size);
  if (pool === undefined || used + size > pool.length) {
    pool = readUrandom(POOL_SIZE);
    used = 0;
  }
  // A copy: a caller may keep or change its bytes, and none is handed out twice.
  const out = Buffer.from(pool.subarray(used, used + size));
  used += size;
  return out;
}

const POOL_SIZE = 4096;
let pool: Buffer | undefined;
let used = 0;

function readUrandom(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const fd = openSync(`/dev/urandom`, `r`);
  try {
    for (let off = 0; off < size;) off += readSync(fd, buf, off, size - off, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}
