// A JSON array of records guarded by a sibling lock file (c/storage's layers.json
// + layers.lock pattern). The parsed array is cached and re-read only when the
// lock file's last-writer token changed. Updates run under the exclusive lock:
// re-read, mutate, write atomically, record the write; reads take no lock.
// With `volatile`, the records it picks (a `run --rm` container and its layer, as
// c/storage's volatile containers) live in a second file written without fsync, and
// an update rewrites only the files whose records changed: a container that lives
// for a second costs no fsync, and the durable file is not rewritten for it. A power
// cut may lose that file (it then reads as empty); a crashed process loses nothing.
import {mkdirSync, readFileSync} from 'node:fs';
import {LockFile} from './lockfile';
import type {LockFileOptions} from './lockfile';
import {writeFileAtomic} from '../util/atomicWrite';
import {TspodError} from '../engine/errors';

export interface VolatilePart<T> {
  file: string;
  is(record: T): boolean;
}

export interface JsonIndexOptions<T> extends LockFileOptions {
  volatile?: VolatilePart<T>;
}

export class JsonIndex<T> {
  readonly file: string;
  readonly lock: LockFile;
  private readonly volatile: VolatilePart<T> | undefined;
  private cache: Array<T> | undefined;
  /** The text each file had when the cache was loaded or written: unchanged parts are not rewritten. */
  private texts: [string | undefined, string | undefined] = [undefined, undefined];
  private token: string | undefined;

  constructor(file: string, lockPath: string, opts: JsonIndexOptions<T> = {}) {
    this.file = file;
    this.volatile = opts.volatile;
    if (!opts.readOnly) mkdirSync(lockPath.slice(0, lockPath.lastIndexOf(`/`)), {recursive: true, mode: 0o700});
    this.lock = new LockFile(lockPath, opts);
  }

  /** Under the write lock, or lock-free (see read). */
  private async load(): Promise<Array<T>> {
    if (this.cache !== undefined && !this.lock.modifiedSince(this.token)) return this.cache;
    const token = this.lock.currentToken();
    const durable = readRecords<T>(this.file, true);
    const vol = this.volatile ? readRecords<T>(this.volatile.file, false) : {records: [], text: undefined};
    this.cache = [...durable.records, ...vol.records];
    this.texts = [durable.text, vol.text];
    this.token = token;
    return this.cache;
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
      const v = this.volatile;
      const parts = v ? [records.filter(r => !v.is(r)), records.filter(r => v.is(r))] : [records];
      const texts = parts.map(jsonText) as [string, string?];
      // The durable file is always written once (a fresh store gets its file); then only on change.
      if (texts[0] !== this.texts[0] || this.texts[0] === undefined) await writeFileAtomic(this.file, texts[0], {mode: 0o600});
      if (v && texts[1] !== this.texts[1] && !(texts[1] === EMPTY && this.texts[1] === undefined))
        await writeFileAtomic(v.file, texts[1]!, {mode: 0o600, fsync: false});
      this.texts = [texts[0], texts[1]];
      this.token = this.lock.recordWrite();
      this.cache = records;
      return result;
    });
  }

  close(): void {
    this.lock.close();
  }
}

const jsonText = (records: ReadonlyArray<unknown>): string => `${JSON.stringify(records, null, 2)}\n`;
const EMPTY = jsonText([]);

/**
 * A file's records and text (undefined when it does not exist). A durable file that
 * does not parse is an error with the way out; a volatile one reads as empty (a power
 * cut may have left it so: its records were `--rm` containers).
 */
function readRecords<T>(file: string, durable: boolean): {records: Array<T>, text: string | undefined} {
  let text: string;
  try {
    text = readFileSync(file, `utf8`); // small: a thread-pool round trip costs more
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === `ENOENT`) return {records: [], text: undefined};
    throw new TspodError(`Storage`, `cannot read \`${file}\`: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`not an array`);
    return {records: parsed as Array<T>, text};
  } catch (err) {
    if (!durable) return {records: [], text};
    throw new TspodError(`Storage`, `cannot read \`${file}\`: ${(err as Error).message}`, {hint: `run \`tspod system check --repair\`, or move the file away to start that index afresh`});
  }
}
