// Content-addressed blobs at `<graphRoot>/blobs/sha256/<hex>` (an OCI layout's
// blob directory). Every blob is hashed while it is written into a temp file in
// the same directory, verified, then renamed into place: a reader never sees a
// partial blob, and a digest that does not match leaves nothing behind. Two
// writers of the same blob both succeed; the second rename replaces identical bytes.
import {createReadStream, createWriteStream, readdirSync, readFileSync, statSync} from 'node:fs';
import type {ReadStream} from 'node:fs';
import {mkdir, readdir, rename, stat, unlink} from '../util/fsp';
import {randomBytes} from '../util/randomBytes';
import {join} from 'node:path';
import type {Transform} from 'node:stream';
import {Digester, digestAlgorithm, digestHex, isDigest} from '../oci/digest';
import type {Digest} from '../oci/digest';
import {TspodError} from '../engine/errors';
import {isTempName} from '../util/atomicWrite';
import {stream, streamPromises} from '../util/lazyBuiltins';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

export type BlobSource = Buffer | Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export class BlobStore {
  /** `<graphRoot>/blobs` */
  readonly root: string;

  constructor(blobsRoot: string) {
    this.root = blobsRoot;
  }

  private dir(alg: `sha256` | `sha512` = `sha256`): string {
    return join(this.root, alg);
  }

  /** Where the blob lives (whether or not it exists). */
  path(digest: Digest): string {
    return join(this.dir(digestAlgorithm(digest)), digestHex(digest));
  }

  async has(digest: Digest): Promise<boolean> {
    try {
      return statSync(this.path(digest)).isFile();
    } catch {
      return false;
    }
  }

  async size(digest: Digest): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      return undefined;
    }
  }

  /** The whole blob (manifests, configs). Throws NoSuchImage-free `Storage` when absent. */
  async get(digest: Digest): Promise<Buffer> {
    try {
      return readFileSync(this.path(digest));
    } catch (err) {
      throw missing(digest, err);
    }
  }

  open(digest: Digest): ReadStream {
    return createReadStream(this.path(digest));
  }

  /** A fresh temp path in the blob directory, for a downloader that writes then calls commitFile. */
  async tempPath(alg: `sha256` | `sha512` = `sha256`): Promise<string> {
    await mkdir(this.dir(alg), {recursive: true, mode: 0o755});
    return join(this.dir(alg), `.tmp-${process.pid}-${randomBytes(8).toString(`hex`)}`);
  }

  /**
   * Stores a blob, hashing it while streaming. With `expected`, a mismatch throws
   * `DigestMismatch` and nothing is stored.
   */
  async put(source: BlobSource, expected?: Digest): Promise<BlobInfo> {
    const alg = expected ? digestAlgorithm(expected) : `sha256`;
    const tmp = await this.tempPath(alg);
    const hasher = new Digester(alg);
    try {
      const input = Buffer.isBuffer(source) || source instanceof Uint8Array ? stream().Readable.from([source]) : source;
      await streamPromises().pipeline(input as NodeJS.ReadableStream, hashing(hasher), createWriteStream(tmp, {flags: `wx`, mode: 0o644, flush: true}));
      return await this.place(tmp, hasher.digest(), hasher.size, expected);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** Moves a finished temp file (from tempPath) into place after re-hashing it. */
  async commitFile(tmp: string, expected: Digest): Promise<BlobInfo> {
    const hasher = new Digester(digestAlgorithm(expected));
    try {
      await streamPromises().pipeline(createReadStream(tmp), hashing(hasher), async function* (src) {
        for await (const _ of src) { /* drain */ }
      });
      return await this.place(tmp, hasher.digest(), hasher.size, expected);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Moves a finished temp file (from tempPath) into place without reading it again:
   * for a writer that hashed every byte as it wrote it and checked the digest (a
   * verified download, registry fetchBlob), and fsynced the file.
   */
  async commitHashed(tmp: string, digest: Digest): Promise<BlobInfo> {
    try {
      const size = (await stat(tmp)).size;
      return await this.place(tmp, digest, size, digest);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  private async place(tmp: string, actual: Digest, size: number, expected: Digest | undefined): Promise<BlobInfo> {
    if (expected !== undefined && actual !== expected)
      throw new TspodError(`DigestMismatch`, `blob digest mismatch: expected ${expected}, got ${actual}`, {hint: `the registry or the download corrupted the data; pull again`});
    // Someone else already stored it: same bytes by construction, keep theirs.
    if (await this.has(actual)) {
      await unlink(tmp).catch(() => undefined);
      return {digest: actual, size};
    }
    await rename(tmp, this.path(actual));
    return {digest: actual, size};
  }

  async delete(digest: Digest): Promise<boolean> {
    try {
      await unlink(this.path(digest));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === `ENOENT`) return false;
      throw err;
    }
  }

  async list(): Promise<Array<Digest>> {
    const out: Array<Digest> = [];
    for (const alg of [`sha256`, `sha512`] as const) {
      let names: Array<string>;
      try {
        names = await readdir(this.dir(alg));
      } catch {
        continue;
      }
      for (const n of names) {
        const d = `${alg}:${n}`;
        if (!isTempName(n) && isDigest(d)) out.push(d);
      }
    }
    return out;
  }

  /** Re-hashes a stored blob; false when it is missing or corrupt. */
  async verify(digest: Digest): Promise<boolean> {
    const hasher = new Digester(digestAlgorithm(digest));
    try {
      for await (const chunk of createReadStream(this.path(digest))) hasher.update(chunk as Buffer);
    } catch {
      return false;
    }
    return hasher.digest() === digest;
  }

  /**
   * Temp files left by killed writers, older than `olderThanMs` (so live writers are
   * spared). Synchronous: every command that opens the store asks, and a readdir is one
   * syscall, cheaper than a thread-pool round trip.
   */
  async staleTemps(olderThanMs = 60 * 60_000): Promise<Array<string>> {
    const out: Array<string> = [];
    for (const alg of [`sha256`, `sha512`] as const) {
      let names: Array<string>;
      try {
        names = readdirSync(this.dir(alg));
      } catch {
        continue;
      }
      for (const n of names.filter(isTempName)) {
        const p = join(this.dir(alg), n);
        const pid = Number(/^\.tmp-(\d+)-/.exec(n)?.[1]);
        let mtimeMs: number | undefined;
        try { mtimeMs = statSync(p).mtimeMs; } catch {}
        if (mtimeMs !== undefined && (Date.now() - mtimeMs > olderThanMs || !pidAlive(pid))) out.push(p);
      }
    }
    return out;
  }
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === `EPERM`;
  }
}

function hashing(hasher: Digester): Transform {
  const {Transform} = stream();
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hasher.update(chunk);
      cb(null, chunk);
    },
  });
}

function missing(digest: Digest, cause: unknown): Error {
  if ((cause as NodeJS.ErrnoException).code === `ENOENT`)
    return new TspodError(`Storage`, `blob ${digest} is missing from the store`, {hint: `run \`tspod system check --repair\` and pull the image again`, cause});
  return cause as Error;
}
