// File descriptors a `run` hands to the container beyond 0-2, as podman's: `--preserve-fds N`
// (the container gets tspod's fds 3..N+2 as its own 3..N+2), and systemd's socket activation
// (LISTEN_FDS in tspod's environment, for tspod's own pid: those fds, with LISTEN_FDS and
// LISTEN_FDNAMES passed in and LISTEN_PID=1, the container's first process).
import {fstatSync, readdirSync, readlinkSync} from 'node:fs';
import {TspodError} from '../errors';

export interface PassedFds {
  /** How many: fds 3 to 3 + count - 1. */
  count: number;
  /** LISTEN_* for the container's environment (before the user's -e, which wins). */
  env: Array<string>;
}

const MAX = 1000;

export function passedFds(preserveFds: string | undefined, hostEnv: Readonly<Record<string, string | undefined>>, pid: number = process.pid): PassedFds {
  let count = 0;
  if (preserveFds !== undefined) {
    if (!/^\d+$/.test(preserveFds) || Number(preserveFds) > MAX)
      throw new TspodError(`InvalidArgument`, `invalid --preserve-fds "${preserveFds}": want a number of file descriptors (0 to ${MAX})`);
    count = Number(preserveFds);
  }
  const env: Array<string> = [];
  const listen = hostEnv.LISTEN_FDS;
  // systemd sets LISTEN_PID to the process it started: another's variables are not for us.
  const forUs = hostEnv.LISTEN_PID === undefined || hostEnv.LISTEN_PID === String(pid);
  if (listen !== undefined && /^\d+$/.test(listen) && Number(listen) > 0 && Number(listen) <= MAX && forUs) {
    count = Math.max(count, Number(listen));
    env.push(`LISTEN_FDS=${listen}`, `LISTEN_PID=1`);
    if (hostEnv.LISTEN_FDNAMES !== undefined) env.push(`LISTEN_FDNAMES=${hostEnv.LISTEN_FDNAMES}`);
  }
  if (count === 0) return {count, env};
  const firstOwn = firstOwnFd();
  for (let fd = 3; fd < 3 + count; fd++) {
    if (fd >= firstOwn || !isOpen(fd)) {
      throw new TspodError(`InvalidArgument`, `file descriptor ${fd} was not passed to tspod: ${count} would go to the container (fds 3 to ${2 + count})`,
        {hint: listen !== undefined && forUs ? `LISTEN_FDS=${listen} says the socket unit passed them: start tspod from the unit itself` : `open them in the shell (e.g. 3<file) or pass a smaller --preserve-fds`});
    }
  }
  return {count, env};
}

/**
 * The first descriptor Node opened itself: its event loop's epoll, made at start-up at the
 * lowest free number, before anything else of its own. What lies below was there before
 * Node (a shell's `3<file`, systemd's sockets); `--preserve-fds 1` with nothing on fd 3
 * would otherwise hand Node's epoll descriptor to the container. (Node marks every fd
 * above 2 close-on-exec at start-up, so that flag tells nothing.)
 */
function firstOwnFd(): number {
  let first = Number.MAX_SAFE_INTEGER;
  for (const name of readdirSync(`/proc/self/fd`)) {
    const fd = Number(name);
    if (fd < 3 || fd >= first) continue;
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === `anon_inode:[eventpoll]`) first = fd;
    } catch {} // the directory's own fd, closed by now
  }
  return first;
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
