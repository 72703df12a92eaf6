// Random bytes straight from the kernel. Loading node:crypto costs about 6 ms of a
// command's startup, and ids, lock tokens and temporary names need nothing more.
import {closeSync, openSync, readSync} from 'node:fs';

export function randomBytes(size: number): Buffer {
  const buf = Buffer.allocUnsafe(size);
  const fd = openSync(`/dev/urandom`, `r`);
  try {
    for (let off = 0; off < size;) off += readSync(fd, buf, off, size - off, null);
  } finally {
    closeSync(fd);
  }
  return buf;
}
