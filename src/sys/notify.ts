// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or an
// abstract name written with a leading `@`), and the receiving end tspod binds for a
// container's own notifications (--sdnotify container). Node has no AF_UNIX datagram
// sockets, hence koffi. The sender must stay alive until systemd has read the message
// (systemd looks its cgroup up by pid), which is why tspod itself sends it and not systemd-notify.
import {chmodSync, closeSync, openSync, rmSync} from 'node:fs';
import {basename, dirname} from 'node:path';
import {libc} from './libc';
import {SysError} from './errors';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const EAGAIN = 11;
const EINTR = 4;

interface NotifyFns {
  socket(domain: number, type: number, proto: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number;
  bind(fd: number, addr: Buffer, addrlen: number): number;
  recv(fd: number, buf: Buffer, len: number, flags: number): number;
  close(fd: number): number;
}

let fns: NotifyFns | undefined;

function bind(): NotifyFns {
  if (fns) return fns;
  const {koffi} = libc();
  const lib = koffi.load(`libc.so.6`);
  fns = {
    socket: lib.func(`int socket(int domain, int type, int protocol)`),
    sendto: lib.func(`intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)`),
    close: lib.func(`int close(int fd)`),
    bind: lib.func(`int bind(int fd, const void *addr, uint32_t addrlen)`),
    recv: lib.func(`intptr_t recv(int fd, _Out_ void *buf, size_t len, int flags)`),
  };
  return fns;
}

/** sockaddr_un of a path or of an abstract name (`@name`), and its length. */
function sockaddr(socketPath: string, call: string): {addr: Buffer, len: number} {
  const abstract = socketPath.startsWith(`@`);
  const name = Buffer.from(abstract ? `\0${socketPath.slice(1)}` : socketPath);
  if (name.length > 107) throw new SysError(call, 36, socketPath, undefined, `notify`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  return {addr, len: 2 + name.length + (abstract ? 0 : 1)};
}

export function sdNotify(socketPath: string, message: string): void {
  const f = bind();
  const {addr, len} = sockaddr(socketPath, `sendto`);
  const fd = f.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new SysError(`socket`, libc().koffi.errno());
  try {
    const buf = Buffer.from(message);
    if (f.sendto(fd, buf, buf.length, 0, addr, len) < 0)
      throw new SysError(`sendto`, libc().koffi.errno(), socketPath, undefined, `notify`);
  } finally {
    f.close(fd);
  }
}

export interface NotifyReceiver {
  /** Every datagram queued so far (never blocks). */
  drain(): Array<string>;
  close(): void;
}

/**
 * A datagram socket bound at `socketPath` (a stale file there is replaced), writable by
 * everyone: a container's user may be any of the subordinate ids.
 */
export function listenNotify(socketPath: string): NotifyReceiver {
  const f = bind();
  rmSync(socketPath, {force: true});
  // sun_path holds 107 bytes: a longer path (a store deep in a home folder) is bound
  // through /proc/self/fd/N of its folder, as conmon does.
  const dirFd = Buffer.byteLength(socketPath) > 107 ? openSync(dirname(socketPath), `r`) : undefined;
  const {addr, len} = sockaddr(dirFd === undefined ? socketPath : `/proc/self/fd/${dirFd}/${basename(socketPath)}`, `bind`);
  const fd = f.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    if (dirFd !== undefined) closeSync(dirFd);
    throw new SysError(`socket`, libc().koffi.errno());
  }
  const bound = f.bind(fd, addr, len);
  const errno = libc().koffi.errno();
  if (dirFd !== undefined) closeSync(dirFd);
  if (bound < 0) {
    f.close(fd);
    throw new SysError(`bind`, errno, socketPath, undefined, `notify`);
  }
  chmodSync(socketPath, 0o777);
  let open = true;
  const buf = Buffer.alloc(4096);
  return {
    drain() {
      const out: Array<string> = [];
      while (open) {
        const n = f.recv(fd, buf, buf.length, 0);
        if (n >= 0) {
          out.push(buf.toString(`utf8`, 0, n));
          continue;
        }
        const errno = libc().koffi.errno();
        if (errno === EINTR) continue;
        if (errno !== EAGAIN) throw new SysError(`recv`, errno, socketPath, undefined, `notify`);
        break;
      }
      return out;
    },
    close() {
      if (!open) return;
      open = false;
      f.close(fd);
      rmSync(socketPath, {force: true});
    },
  };
}
