// execve(2) from node: tspod hands a command over to another program in its own place
// (`exec`: the helper), which then is the process the user's shell waits for. That
// saves forking a large process, an event loop that only waits, and node's teardown.
import {closeSync, openSync} from 'node:fs';
import {writeAll} from './fs';
import {libc, lastErrno} from './libc';
import {SysError} from './errors';

const F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4;
const O_NONBLOCK = 0o4000;

/** False where koffi (or libc) cannot be loaded: callers keep their spawn path. */
export function canExecve(): boolean {
  try {
    libc();
    return true;
  } catch {
    return false;
  }
}

/**
 * An anonymous file holding `data`, on an fd that survives execve: the program reads it as
 * `/proc/self/fd/N` (N returned). Unlike a pipe it has no capacity to fill before a reader runs.
 */
export function inheritableMemfd(name: string, data: Buffer): number {
  const fd = libc().memfd_create(name, 0);
  if (fd < 0) throw new SysError(`memfd_create`, lastErrno(), name);
  writeAll(fd, data);
  return fd;
}

/** Clears close-on-exec on `fd` (node opens every file with it): the program execve runs gets it. */
export function keepAcrossExec(fd: number): void {
  if (libc().fcntl(fd, F_SETFD, `int`, 0) < 0) throw new SysError(`fcntl`, lastErrno(), String(fd));
}

/**
 * Becomes `path` with `argv` and `env`; returns only by throwing (SysError). fds 0-2 go
 * to the program as they are (with `stdinNull`, stdin is /dev/null), after what libuv
 * does for a spawned child: clear close-on-exec (node sets it on them) and O_NONBLOCK
 * (set on process.stdout when it is a pipe or socket: the program would get EAGAIN).
 * Every other fd node holds is close-on-exec.
 */
export function execve(path: string, argv: Array<string>, env: Readonly<Record<string, string | undefined>>, opts: {stdinNull?: boolean} = {}): never {
  const f = libc();
  if (opts.stdinNull) {
    const nul = openSync(`/dev/null`, `r`);
    const e = f.dup2(nul, 0) < 0 ? lastErrno() : 0;
    closeSync(nul);
    if (e !== 0) throw new SysError(`dup2`, e, `/dev/null`, `0`, `dup2`, `to`);
  }
  for (const fd of [0, 1, 2]) {
    if (f.fcntl(fd, F_GETFD) < 0) continue; // closed: the program finds it closed as well
    f.fcntl(fd, F_SETFD, `int`, 0);
    const fl = f.fcntl(fd, F_GETFL);
    if (fl >= 0 && (fl & O_NONBLOCK) !== 0) f.fcntl(fd, F_SETFL, `int`, fl & ~O_NONBLOCK);
  }
  const envp = Object.entries(env).flatMap(([k, v]) => v === undefined ? [] : [`${k}=${v}`]);
  // The last moment this process is Node: the launcher saves a code cache here (no exit event comes).
  (process as NodeJS.EventEmitter).emit(`tspod-before-execve`);
  f.execve(path, [...argv, null], [...envp, null]);
  throw new SysError(`execve`, lastErrno(), path, undefined, `exec`);
}
