// A lock file in the manner of containers/storage (pkg/lockfile): a sibling
// `<name>.lock` guards a JSON index; readers share it, writers hold it exclusively.
// The file's content is a last-writer token: a writer records a fresh token after
// changing the index, and a reader that cached the index re-reads it only when the
// token differs from the one it saw (cheap cross-process cache invalidation).
import {closeSync, constants, openSync, readSync, writeSync, mkdirSync} from 'node:fs';
import {randomBytes} from '../util/randomBytes';
import {dirname} from 'node:path';
import {flockWait, unflock} from '../sys/lock';
import type {LockMode} from '../sys/lock';
import {TspodError} from '../engine/errors';

const TOKEN_LEN = 64;

export interface LockFileOptions {
  /** Open read-only (a store on a read-only medium): only shared locks. */
  readOnly?: boolean;
  /** Fail with `Locked` after this long (default 5 minutes). */
  timeoutMs?: number;
  /** Called once when a lock attempt has to wait. */
  onWait?: (path: string) => void;
}

export class LockFile {
  readonly path: string;
  private readonly opts: LockFileOptions;
  private fd: number | undefined;
  private held: LockMode | undefined;
  /** In-process queue: flock cannot tell two async callers sharing one fd apart. */
  private queue: Promise<void> = Promise.resolve();

  constructor(path: string, opts: LockFileOptions = {}) {
    this.path = path;
    this.opts = opts;
  }

  private open(): number {
    if (this.fd === undefined) {
      if (this.opts.readOnly) {
        this.fd = openSync(this.path, constants.O_RDONLY);
      } else {
        mkdirSync(dirname(this.path), {recursive: true, mode: 0o700});
        this.fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT, 0o644);
      }
    }
    return this.fd;
  }

  get mode(): LockMode | undefined {
    return this.held;
  }

  private async acquire(mode: LockMode): Promise<void> {
    if (mode === `exclusive` && this.opts.readOnly)
      throw new Error(`Assertion failed: write lock on read-only lock file ${this.path}`);
    const fd = this.open();
    const ok = await flockWait(fd, mode, this.path, {
      timeoutMs: this.opts.timeoutMs ?? 5 * 60_000,
      onWait: () => this.opts.onWait?.(this.path),
    });
    if (!ok)
      throw new TspodError(`Locked`, `timed out waiting for lock \`${this.path}\``, {hint: `another tspod process holds it; wait for it to finish or find it with \`fuser ${this.path}\``});
    this.held = mode;
  }

  private release(): void {
    if (this.fd !== undefined && this.held !== undefined) {
      unflock(this.fd, this.path);
      this.held = undefined;
    }
  }

  private async run<T>(mode: LockMode, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.queue;
    let done!: () => void;
    this.queue = new Promise(resolve => (done = resolve));
    await prev;
    try {
      await this.acquire(mode);
      try {
        return await fn();
      } finally {
        this.release();
      }
    } finally {
      done();
    }
  }

  /** Runs fn under a shared lock. Not re-entrant: do not nest on the same LockFile. */
  withRead<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.run(`shared`, fn);
  }

  /** Runs fn under the exclusive lock. Not re-entrant. */
  withWrite<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.run(`exclusive`, fn);
  }

  /** The current last-writer token (read under any lock). Empty string when never written. */
  currentToken(): string {
    const fd = this.open();
    const buf = Buffer.alloc(TOKEN_LEN);
    const n = readSync(fd, buf, 0, TOKEN_LEN, 0);
    return buf.subarray(0, n).toString(`latin1`);
  }

  /** Records that this process changed the guarded data; call with the write lock held. Returns the new token. */
  recordWrite(): string {
    if (this.held !== `exclusive`)
      throw new Error(`Assertion failed: recordWrite without the write lock on ${this.path}`);
    const token = randomBytes(TOKEN_LEN / 2).toString(`hex`);
    // No fsync (c/storage does none either): the token only tells live processes that
    // their cached copy is stale, and after a crash no process has a cache.
    writeSync(this.fd!, token, 0, `latin1`);
    return token;
  }

  /** True when someone recorded a write since `token` was read. */
  modifiedSince(token: string | undefined): boolean {
    return token === undefined || this.currentToken() !== token;
  }

  close(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
      this.held = undefined;
    }
  }
}
