// flock(2) through koffi. flock locks belong to the open file description, so
// closing some other fd on the same file (as Node's fs may do) never drops them,
// and two descriptors in one process exclude each other like two processes do.
// Waiting never blocks the event loop: LOCK_NB attempts with a growing backoff.
import {libc, lastErrno} from './libc';
import {SysError} from './errors';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;
const EWOULDBLOCK = 11;
const EINTR = 4;

export type LockMode = `shared` | `exclusive`;

/** One non-blocking attempt: true when taken, false when someone else holds it. */
export function tryFlock(fd: number, mode: LockMode, path?: string): boolean {
  const {flock} = libc();
  for (;;) {
    if (flock(fd, (mode === `shared` ? LOCK_SH : LOCK_EX) | LOCK_NB) === 0) return true;
    const e = lastErrno();
    if (e === EWOULDBLOCK) return false;
    if (e !== EINTR) throw new SysError(`flock`, e, path, undefined, `lock`);
  }
}

export function unflock(fd: number, path?: string): void {
  if (libc().flock(fd, LOCK_UN) !== 0)
    throw new SysError(`flock`, lastErrno(), path, undefined, `unlock`);
}

export interface FlockWaitOptions {
  /** Give up after this long (ms); undefined waits forever. */
  timeoutMs?: number;
  /** Called once when the first attempt fails, e.g. to say "waiting for lock". */
  onWait?: () => void;
  signal?: AbortSignal;
}

/** Takes the lock, retrying with backoff (1 ms doubling to 100 ms). Resolves false on timeout. */
export async function flockWait(fd: number, mode: LockMode, path: string | undefined, opts: FlockWaitOptions = {}): Promise<boolean> {
  if (tryFlock(fd, mode, path)) return true;
  opts.onWait?.();
  const start = Date.now();
  let delay = 1;
  for (;;) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error(`aborted`);
    if (opts.timeoutMs !== undefined && Date.now() - start >= opts.timeoutMs) return false;
    await new Promise(resolve => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 100);
    if (tryFlock(fd, mode, path)) return true;
  }
}
