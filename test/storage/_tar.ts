// Builds layer tarballs for tests with tar-stream (hostile ones included).
import tar from 'tar-stream';
import {execFileSync} from 'node:child_process';
import {gzipSync} from 'node:zlib';
import {chownSync, mkdirSync, writeFileSync} from 'node:fs';
import {sha256Of} from '../../src/oci/digest';
import type {Digest} from '../../src/oci/digest';

export interface TarEntry {
  name: string;
  type?: `file` | `directory` | `symlink` | `link` | `character-device` | `block-device` | `fifo`;
  data?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export async function makeTar(entries: Array<TarEntry>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Array<Buffer> = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? `file`;
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === `directory` ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: e.mtime ?? new Date(1_600_000_000_000),
      ...(e.linkname !== undefined ? {linkname: e.linkname} : {}),
      ...(e.devmajor !== undefined ? {devmajor: e.devmajor, devminor: e.devminor ?? 0} : {}),
      ...(e.pax ? {pax: e.pax} : {}),
    };
    await new Promise<void>((resolve, reject) => {
      if (type === `file`) pack.entry(header as never, e.data ?? ``, err => (err ? reject(err) : resolve()));
      else pack.entry(header as never, err => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export type Compression = `none` | `gzip` | `zstd`;

export function compress(buf: Buffer, how: Compression): Buffer {
  if (how === `gzip`) return gzipSync(buf);
  if (how === `zstd`) return execFileSync(`zstd`, [`-q`, `-c`], {input: buf});
  return buf;
}

/** Writes the (compressed) tar to `path`; returns the diffID of the uncompressed tar. */
export async function writeLayer(path: string, entries: Array<TarEntry>, how: Compression = `gzip`): Promise<Digest> {
  const raw = await makeTar(entries);
  writeFileSync(path, compress(raw, how));
  return sha256Of(raw);
}

/** mkdir owned by uid/gid (so the test user's userns root can write into it). */
export function mkdirOwned(path: string, uid: number, gid: number): string {
  mkdirSync(path, {recursive: true});
  if (process.getuid!() === 0) chownSync(path, uid, gid);
  return path;
}
