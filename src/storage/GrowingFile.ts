// A blob that is still being downloaded, read as it grows: a pull applies a layer while
// its blob arrives instead of after. The writer says how much is on disk (`grew`, which
// may go back to 0 when a registry ignores a Range and the download starts over: the
// bytes are the same blob's, so a reader simply waits to be caught up), and how it ended
// (`end`): with the blob verified and moved into the BlobStore, or with the download's
// own error, which the reader then fails with. Nothing read from it may be kept before
// `finished()` resolves: only then are its bytes known to be the blob's.
import {open} from '../util/fsp';
import type {FileHandle} from 'node:fs/promises';
import {Readable} from 'node:stream';

const CHUNK = 1 << 20;

export class GrowingFile {
  private tmpPath: string | undefined;
  private finalPath: string | undefined;
  private size = 0;
  private ended = false;
  private failure: {error: unknown} | undefined;
  private waiters: Array<() => void> = [];

  /** The writer made its temp file at `path`. */
  started(path: string): void {
    this.tmpPath = path;
    this.wake();
  }

  grew(size: number): void {
    this.size = size;
    this.wake();
  }

  /** Done: the verified blob is at `finalPath`, or the download failed with `error`. */
  end(result: {finalPath: string} | {error: unknown}): void {
    this.ended = true;
    if (`error` in result) this.failure = {error: result.error};
    else this.finalPath = result.finalPath;
    this.wake();
  }

  /** The download's error, when it failed. */
  get error(): unknown {
    return this.failure?.error;
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Resolves once the blob is verified and in place; rejects with the download's error. */
  async finished(): Promise<string> {
    while (!this.ended) await this.next();
    if (this.failure) throw this.failure.error;
    return this.finalPath!;
  }

  /** The first `n` bytes (fewer for a shorter blob), once they are on disk. */
  async head(n: number): Promise<Buffer> {
    while (this.size < n && !this.ended) await this.next();
    if (this.failure) throw this.failure.error;
    const fh = await this.openFile();
    try {
      const buf = Buffer.alloc(n);
      const {bytesRead} = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  /** The whole blob as a stream, in chunks as they reach the disk. */
  stream(): Readable {
    let fh: FileHandle | undefined;
    let pos = 0;
    const self = this;
    return new Readable({
      highWaterMark: CHUNK,
      async read() {
        try {
          for (;;) {
            if (self.failure) throw self.failure.error;
            if (pos < self.size || (self.ended && self.finalPath !== undefined)) {
              fh ??= await self.openFile();
              const want = self.ended ? CHUNK : Math.min(CHUNK, self.size - pos);
              const buf = Buffer.allocUnsafe(want);
              const {bytesRead} = await fh.read(buf, 0, want, pos);
              if (bytesRead > 0) {
                pos += bytesRead;
                this.push(buf.subarray(0, bytesRead));
                return;
              }
              if (self.ended) {
                this.push(null);
                return;
              }
            }
            await self.next();
          }
        } catch (err) {
          this.destroy(err as Error);
        }
      },
      destroy(err, cb) {
        const closing = fh?.close();
        fh = undefined;
        (closing ?? Promise.resolve()).then(() => cb(err), () => cb(err));
      },
    });
  }

  /** The temp file while it is being written, the blob once moved into place. */
  private async openFile(): Promise<FileHandle> {
    while (this.tmpPath === undefined && !this.ended) await this.next();
    if (this.failure) throw this.failure.error;
    try {
      return await open(this.finalPath ?? this.tmpPath!, `r`);
    } catch (err) {
      // Moved into the BlobStore between the check and the open.
      if ((err as NodeJS.ErrnoException).code !== `ENOENT`) throw err;
      await this.finished();
      return open(this.finalPath!, `r`);
    }
  }

  private next(): Promise<void> {
    return new Promise(resolve => this.waiters.push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
