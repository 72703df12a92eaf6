// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET (a path, or an
// abstract name written with a leading `@`). Node has no AF_UNIX datagram sockets,
// hence koffi. The sender must stay alive until systemd has read the message (systemd
// looks its cgroup up by pid), which is why tspod itself sends it and not systemd-notify.
import {libc} from './libc';
import {SysError} from './errors';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;

interface NotifyFns {
  socket(domain: number, type: number, proto: number): number;
  sendto(fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrlen: number): number;
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
  };
  return fns;
}

export function sdNotify(socketPath: string, message: string): void {
  const f = bind();
  const abstract = socketPath.startsWith(`@`);
  const name = Buffer.from(abstract ? `\0${socketPath.slice(1)}` : socketPath);
  if (name.length > 107) throw new SysError(`sendto`, 36, socketPath, undefined, `notify`);
  const addr = Buffer.alloc(110);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, 2);
  const len = 2 + name.length + (abstract ? 0 : 1);
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
