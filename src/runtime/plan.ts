// The flat plan tspod-helper `run` executes (helpers/README.md): each directive is
// its keyword, the decimal count of its arguments, then the arguments, every token
// NUL-terminated. Typed here; encoded once, never parsed by Node.

export type Directive =
  | {kind: `uidmap` | `gidmap`, triples: Array<[number, number, number]>}
  | {kind: `single-map`, uid: number, gid: number}
  | {kind: `namespaces`, names: Array<`user` | `mount` | `pid` | `uts` | `ipc` | `net` | `cgroup`>}
  | {kind: `rootfs`, path: string}
  | {kind: `rootfs-mount`, type: string, source: string, flags: number, data: string}
  // P runs ARGV (fuse-overlayfs) in C's namespaces to mount the root (helpers/fuse.c).
  | {kind: `rootfs-fuse`, argv: Array<string>}
  | {kind: `mount`, source: string, dest: string, type: string, flags: number, data: string}
  | {kind: `symlink`, target: string, dest: string}
  // Before a volume's bind mount: fill the (empty) volume from the image's DEST.
  | {kind: `copy-up`, source: string, dest: string}
  | {kind: `pivot`}
  | {kind: `mask`, path: string}
  | {kind: `readonly`, path: string}
  | {kind: `root-readonly`}
  | {kind: `hostname`, name: string}
  | {kind: `sysctl`, key: string, value: string}
  | {kind: `lo-up`}
  | {kind: `rlimit`, resource: number, soft: bigint | number, hard: bigint | number}
  | {kind: `user`, uid: number, gid: number}
  | {kind: `groups`, gids: Array<number>}
  | {kind: `umask`, mask: number}
  | {kind: `cwd`, path: string}
  | {kind: `caps`, bounding: string, effective: string, permitted: string, inheritable: string, ambient: string}
  | {kind: `no-new-privs`}
  // The seccomp filter (classic BPF, hex), installed as the last step before the command (helpers/caps.c).
  | {kind: `seccomp`, program: string}
  // --preserve-fds: the helper's fds BASE.. become the command's 3.. (helpers/exec.c).
  | {kind: `preserve-fds`, base: number, count: number}
  | {kind: `env`, vars: Array<string>}
  | {kind: `args`, argv: Array<string>}
  | {kind: `terminal`}
  // A foreground run's output: the container writes to pipes P relays (head: P makes them
  // before the clone) and records in a k8s-file log (body; a terminal is recorded as relayed).
  | {kind: `log-pipes`}
  | {kind: `log`, path: string, max: number}
  | {kind: `status-fd`, fd: number}
  | {kind: `pid-file`, path: string}
  // The rest of the plan comes on this fd once P has mapped the ids (an early start).
  | {kind: `plan-rest`, fd: number}
  // Network directives (helpers/hooks.c): P joins namespaces by path before the clone,
  // starts each hook (`@PID@` = the container's pid) and waits for a byte on its fd 3,
  // then writes the pid to NOTIFY and waits for '0' on GO.
  | {kind: `join-ns`, type: `user` | `net` | `pid` | `ipc` | `uts`, path: string}
  | {kind: `net-hook`, argv: Array<string>}
  | {kind: `sync-fds`, notify: number, go: number};

export type Plan = Array<Directive>;

/** MS_* flags (linux/mount.h). */
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32, MANDLOCK: 64,
  DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048, BIND: 4096, MOVE: 8192,
  REC: 16384, SILENT: 32768, PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20,
  RELATIME: 1 << 21, STRICTATIME: 1 << 24,
} as const;

export const RLIM_INFINITY = 0xffffffffffffffffn;

function args(d: Directive): Array<string> {
  switch (d.kind) {
    case `uidmap`: case `gidmap`: return d.triples.flat().map(String);
    case `single-map`: return [String(d.uid), String(d.gid)];
    case `namespaces`: return d.names;
    case `rootfs`: return [d.path];
    case `rootfs-mount`: return [d.type, d.source, String(d.flags), d.data];
    case `rootfs-fuse`: return d.argv;
    case `mount`: return [d.source, d.dest, d.type, String(d.flags), d.data];
    case `symlink`: return [d.target, d.dest];
    case `copy-up`: return [d.source, d.dest];
    case `pivot`: case `root-readonly`: case `lo-up`: case `no-new-privs`: case `terminal`: case `log-pipes`: return [];
    case `mask`: case `readonly`: return [d.path];
    case `hostname`: return [d.name];
    case `sysctl`: return [d.key, d.value];
    case `rlimit`: return [String(d.resource), String(d.soft), String(d.hard)];
    case `user`: return [String(d.uid), String(d.gid)];
    case `groups`: return d.gids.map(String);
    case `umask`: return [String(d.mask)];
    case `cwd`: return [d.path];
    case `caps`: return [d.bounding, d.effective, d.permitted, d.inheritable, d.ambient];
    case `seccomp`: return [d.program];
    case `preserve-fds`: return [String(d.base), String(d.count)];
    case `env`: return d.vars;
    case `args`: return d.argv;
    case `status-fd`: return [String(d.fd)];
    case `pid-file`: return [d.path];
    case `log`: return [d.path, String(d.max)];
    case `plan-rest`: return [String(d.fd)];
    case `join-ns`: return [d.type, d.path];
    case `net-hook`: return d.argv;
    case `sync-fds`: return [String(d.notify), String(d.go)];
  }
}

export function encodePlan(plan: Plan): Buffer {
  const parts: Array<string> = [];
  for (const d of plan) {
    const a = args(d);
    for (const s of a)
      if (s.includes(`\0`)) throw new Error(`Assertion failed: NUL in plan argument of \`${d.kind}\``);
    parts.push(d.kind, String(a.length), ...a);
  }
  return Buffer.from(parts.map(s => `${s}\0`).join(``));
}
