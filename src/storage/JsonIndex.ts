// A JSON array of records guarded by a sibling lock file (c/storage's layers.json
// + layers.lock pattern). The parsed array is cached and re-read only when the
// lock file's last-writer token changed. Updates run under the exclusive lock:
// re-read, mutate, write atomically, record the write; reads take no lock.
import {mkdirSync, readFileSync} from 'node:fs';
import {LockFile} from './lockfile';
import type {LockFileOptions} from './lockfile';
import {writeJsonAtomic} from '../util/atomicWrite';
import {TspodError} from '../engine/errors';

export class JsonIndex<T> {
  readonly file: string;
  readonly lock: LockFile;
  private cache: Array<T> | undefined;
  private token: string | undefined;

  constructor(file: string, lockPath: string, opts: LockFileOptions = {}) {
    this.file = file;
    if (!opts.readOnly) mkdirSync(lockPath.slice(0, lockPath.lastIndexOf(`/`)), {recursive: true, mode: 0o700});
    this.lock = new LockFile(lockPath, opts);
  }

  /** Under the write lock, or lock-free (see read). */
  private async load(): Promise<Array<T>> {
    if (this.cache !== undefined && !this.lock.modifiedSince(this.token)) return this.cache;
    const token = this.lock.currentToken();
    let records: Array<T>;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, `utf8`)); // small: a thread-pool round trip costs more
      if (!Array.isArray(parsed)) throw new Error(`not an array`);
      records = parsed as Array<T>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === `ENOENT`) {
        records = [];
      } else {
        throw new TspodError(`Storage`, `cannot read \`${this.file}\`: ${(err as Error).message}`, {hint: `run \`tspod system check --repair\`, or move the file away to start that index afresh`});
      }
    }
    this.cache = records;
    this.token = token;
    return records;
  }

  /**
   * A snapshot of the records (do not mutate), read without the lock: the index is only
   * ever replaced whole (writeJsonAtomic renames), so any read sees one complete version,
   * as it would under the shared lock, which it would release at once anyway. That spares
   * a one-shot ps, images or logs loading koffi for flock (5 ms). load() reads the token
   * before the file: a write landing between the two makes the cache look stale, never
   * fresh.
   */
  read(): Promise<ReadonlyArray<T>> {
    return this.load();
  }

  /** Reads then mutates under the write lock; the array fn mutates in place is persisted if fn returns without throwing. */
  update<R>(fn: (records: Array<T>) => Promise<R> | R): Promise<R> {
    return this.lock.withWrite(async () => {
      const records = structuredClone(await this.load());
      const result = await fn(records);
      await writeJsonAtomic(this.file, records);
      this.token = this.lock.recordWrite();
      this.cache = records;
      return result;
    });
  }

  close(): void {
    this.lock.close();
  }
}
