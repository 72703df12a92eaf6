// What a file given as a tar archive is, from its first bytes: gzip-compressed or not, and
// whether it starts with a tar header (its checksum right). Callers refuse a file that is no
// archive before storing or applying anything of it, with words that name the file.
import {closeSync, createReadStream, openSync, readSync} from 'node:fs';
import {createGunzip} from 'node:zlib';

const BLOCK = 512;

function head(path: string, size: number): Buffer {
  const b = Buffer.alloc(size);
  const fd = openSync(path, `r`);
  try {
    return b.subarray(0, readSync(fd, b, 0, size, 0));
  } finally {
    closeSync(fd);
  }
}

export function isGzipFile(path: string): boolean {
  const h = head(path, 2);
  return h[0] === 0x1f && h[1] === 0x8b;
}

/** A ustar/gnu header block (the checksum field matches the block's bytes, the field counted as spaces), or an empty archive's zeros. */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  if (block.every(b => b === 0)) return true; // the end of an empty archive
  const stored = parseInt(block.subarray(148, 156).toString(`latin1`).replace(/\0.*$/, ``).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : block[i]!;
  return stored === sum;
}

/** Whether the file (gzip-compressed or not) begins with a tar header. */
export async function startsWithTarHeader(path: string): Promise<boolean> {
  if (!isGzipFile(path)) return isTarHeader(head(path, BLOCK));
  const chunks: Array<Buffer> = [];
  let n = 0;
  const stream = createReadStream(path).pipe(createGunzip());
  try {
    for await (const c of stream) {
      chunks.push(c as Buffer);
      n += (c as Buffer).length;
      if (n >= BLOCK) break;
    }
  } catch {
    return false; // not gzip after all, or truncated before a block
  } finally {
    stream.destroy();
  }
  return isTarHeader(Buffer.concat(chunks));
}
