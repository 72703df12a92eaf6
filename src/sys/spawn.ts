// Starts a program with posix_spawn(3) through libc, not node:child_process. Node's
// spawn forks the whole process and waits for the child's exec: ~10 ms here, on top
// of ~7 ms to load child_process and node:net. posix_spawn shares the address space
// until the exec (vfork semantics): ~1.5 ms. The exit comes from SIGCHLD + waitpid.
import {closeSync, openSync} from 'node:fs';
import {lastErrno, libc} from './libc';

const O_CLOEXEC = 0o2000000;
const O_NONBLOCK = 0o4000;
const F_DUPFD_CLOEXEC = 1030;
const WNOHANG = 1;
const POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;
/** sizeof(posix_spawn_file_actions_t) is 80 and sizeof(posix_spawnattr_t) 336 on glibc x86-64/arm64: room to spare. */
const OPAQUE = 1024;
const SIGSET_BYTES = 128;
/** Child fds below this may be targets of the dup2s: sources there are moved up first. */
const LOW_FDS = 16;

export interface Exit {
  /** The exit status, or undefined when a signal killed it. */
  code: number | undefined;
  signal: number | undefined;
}

export interface SpawnedProgram {
  pid: number;
  exited: Promise<Exit>;
}

/** A pipe, both ends close-on-exec; nonBlocking applies to both ends. */
export function makePipe(o: {nonBlocking?: boolean} = {}): {read: number, write: number} {
  const fds = [0, 0];
  if (libc().pipe2(fds, O_CLOEXEC | (o.nonBlocking ? O_NONBLOCK : 0)) < 0)
    throw Object.assign(new Error(`pipe2 failed: errno ${lastErrno()}`), {errno: lastErrno()});
  return {read: fds[0]!, write: fds[1]!};
}

const waiting = new Map<number, (e: Exit) => void>();
let keepAlive: NodeJS.Timeout | undefined;

function decode(status: number): Exit {
  const sig = status & 0x7f;
  return sig === 0 ? {code: (status >> 8) & 0xff, signal: undefined} : {code: undefined, signal: sig};
}

function reap(): void {
  const st = [0];
  for (const [pid, done] of waiting) {
    if (libc().waitpid(pid, st, WNOHANG) !== pid) continue;
    waiting.delete(pid);
    done(decode(st[0]!));
  }
  if (waiting.size === 0) {
    process.removeListener(`SIGCHLD`, reap);
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
}

/**
 * Runs PATH with ARGV; child fd i is `fds[i]` of this process (`inherit`: its own fd i,
 * `ignore`: /dev/null). Every other fd of Node's is close-on-exec and goes away.
 * Signals the child gets start at their defaults, unblocked (Node ignores SIGPIPE).
 * Throws an Error with `code` (ENOENT, EACCES, …) when the program cannot start.
 */
export function spawnProgram(path: string, argv: ReadonlyArray<string>, fds: ReadonlyArray<number | `inherit` | `ignore`>, env: NodeJS.ProcessEnv = process.env): SpawnedProgram {
  const c = libc();
  const fa = Buffer.alloc(OPAQUE), attr = Buffer.alloc(OPAQUE);
  const opened: Array<number> = [];
  c.posix_spawn_file_actions_init(fa);
  c.posix_spawnattr_init(attr);
  try {
    c.posix_spawnattr_setsigmask(attr, Buffer.alloc(SIGSET_BYTES));
    c.posix_spawnattr_setsigdefault(attr, Buffer.alloc(SIGSET_BYTES, 0xff));
    c.posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    fds.forEach((f, target) => {
      // Node marks its own 0-2 close-on-exec; a dup2 onto itself clears that (glibc ≥ 2.29).
      let source = f === `inherit` ? target : f === `ignore` ? openSync(`/dev/null`, `r+`) : f;
      if (f === `ignore`) opened.push(source);
      if (source < LOW_FDS && source !== target) {
        source = c.fcntl(source, F_DUPFD_CLOEXEC, `int`, LOW_FDS); // a later dup2 could overwrite it
        opened.push(source);
      }
      c.posix_spawn_file_actions_adddup2(fa, source, target);
    });
    const pid = [0];
    const envp = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    // Reaping starts before the child exists: it may exit before posix_spawn returns.
    if (waiting.size === 0) {
      process.on(`SIGCHLD`, reap);
      keepAlive = setInterval(() => {}, 1 << 30); // a signal listener alone does not keep Node alive
    }
    const err = c.posix_spawn(pid, path, fa, attr, [...argv, null], [...envp, null]);
    if (err !== 0) {
      if (waiting.size === 0) reap();
      throw Object.assign(new Error(`spawn ${path}: ${errnoName(err)}`), {code: errnoName(err), errno: err});
    }
    const exited = new Promise<Exit>(resolve => waiting.set(pid[0]!, resolve));
    reap(); // an exit before the listener saw it
    return {pid: pid[0]!, exited};
  } finally {
    c.posix_spawn_file_actions_destroy(fa);
    c.posix_spawnattr_destroy(attr);
    for (const fd of opened) closeSync(fd);
  }
}

function errnoName(n: number): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const {errno} = (require(`node:os`) as typeof import('node:os')).constants;
  return Object.entries(errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`;
}
