// OCI runtime spec → the helper's flat plan. Every decision is made here (flags,
// sysfs vs bind, /dev contents, which namespaces); the helper only executes.
import {statfsSync} from 'node:fs';
import type {LinuxIDMapping, Mount, RuntimeSpec} from '../oci/runtimeSpec';
import {capabilityMask} from './capabilities';
import {compileSeccomp} from './seccomp/bpf';
import type {Directive, Plan} from './plan';
import {MS, RLIM_INFINITY} from './plan';

/**
 * How the root filesystem gets on spec.root.path: a mount (overlay), a bind (vfs), or
 * type `fuse` (fuse-overlayfs): `argv` mounts it, run by the helper in the container's
 * namespaces (`rootfs-fuse`).
 */
export interface RootfsMount {
  type: string;
  source: string;
  options?: Array<string>;
  argv?: Array<string>;
}

export interface SpecToPlanOptions {
  rootfsMount?: RootfsMount;
  /** Id maps; defaults to the spec's linux.uidMappings / gidMappings. */
  uidMap?: Array<LinuxIDMapping>;
  gidMap?: Array<LinuxIDMapping>;
  /** The caller's own ids: a single mapping of these is written without newuidmap. */
  hostUid?: number;
  hostGid?: number;
  statusFd?: number;
  pidFile?: string;
  /** A foreground run's log (k8s-file; rotated past `max` bytes when `max` > 0): the helper relays and records the container's output. */
  log?: {path: string, max: number};
}

/**
 * Spec annotation with the network hooks the keeper starts before the container runs:
 * a JSON array of argv arrays, `@PID@` = the container's pid (src/network, helpers/hooks.c).
 */
export const NETWORK_HOOKS_ANNOTATION = `io.tspod.network.hooks`;

/**
 * Spec annotation with the destinations of the volume mounts that get the image's
 * content there on first use (a JSON array; podman's copy-up, helpers/copyup.c).
 */
export const COPY_UP_ANNOTATION = `io.tspod.volumes.copyup`;

export function copyUpDestinations(spec: RuntimeSpec): Array<string> {
  const text = spec.annotations?.[COPY_UP_ANNOTATION];
  return text ? JSON.parse(text) as Array<string> : [];
}

/** podman's default masked and read-only paths. */
export const DEFAULT_MASKED_PATHS = [
  `/proc/acpi`, `/proc/kcore`, `/proc/keys`, `/proc/latency_stats`, `/proc/timer_list`,
  `/proc/timer_stats`, `/proc/sched_debug`, `/proc/scsi`, `/sys/firmware`, `/sys/fs/selinux`,
  `/sys/dev/block`, `/proc/interrupts`,
];
export const DEFAULT_READONLY_PATHS = [
  `/proc/asound`, `/proc/bus`, `/proc/fs`, `/proc/irq`, `/proc/sys`, `/proc/sysrq-trigger`,
];

/** The mounts rootless podman puts in a spec (proc, /dev, /dev/pts, shm, mqueue, sys). */
export function defaultMounts(): Array<Mount> {
  return [
    {destination: `/proc`, type: `proc`, source: `proc`, options: [`nosuid`, `noexec`, `nodev`]},
    {destination: `/dev`, type: `tmpfs`, source: `tmpfs`, options: [`nosuid`, `strictatime`, `mode=755`, `size=65536k`]},
    {destination: `/sys`, type: `sysfs`, source: `sysfs`, options: [`nosuid`, `noexec`, `nodev`, `ro`]},
    {destination: `/dev/pts`, type: `devpts`, source: `devpts`, options: [`nosuid`, `noexec`, `newinstance`, `ptmxmode=0666`, `mode=0620`, `gid=5`]},
    {destination: `/dev/mqueue`, type: `mqueue`, source: `mqueue`, options: [`nosuid`, `noexec`, `nodev`]},
    {destination: `/dev/shm`, type: `tmpfs`, source: `shm`, options: [`nosuid`, `noexec`, `nodev`, `mode=1777`, `size=64000k`]}, // podman's 65536000 bytes
  ];
}

const FLAG_OPTIONS: Record<string, number> = {
  ro: MS.RDONLY, nosuid: MS.NOSUID, nodev: MS.NODEV, noexec: MS.NOEXEC, sync: MS.SYNCHRONOUS,
  dirsync: MS.DIRSYNC, noatime: MS.NOATIME, nodiratime: MS.NODIRATIME, relatime: MS.RELATIME,
  strictatime: MS.STRICTATIME, bind: MS.BIND, rbind: MS.BIND | MS.REC,
};
const IGNORED_OPTIONS = new Set([`rw`, `suid`, `dev`, `exec`, `atime`, `diratime`, `private`, `rprivate`,
  `shared`, `rshared`, `slave`, `rslave`, `unbindable`, `runbindable`, `z`, `Z`, `U`, `copy`, `nocopy`]);

/** Mount options → MS_* flags and the filesystem's data string. */
export function mountFlags(options: ReadonlyArray<string> | undefined): {flags: number, data: string} {
  let flags = 0;
  const data: Array<string> = [];
  for (const o of options ?? []) {
    if (o in FLAG_OPTIONS) flags |= FLAG_OPTIONS[o];
    else if (!IGNORED_OPTIONS.has(o)) data.push(o);
  }
  return {flags, data: data.join(`,`)};
}

const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

const HOST_DEVICES = [`null`, `zero`, `full`, `random`, `urandom`, `tty`];
// No /dev/core (-> /proc/kcore, masked anyway): podman's rootless containers have none.
const DEV_SYMLINKS: Array<[string, string]> = [
  [`/proc/self/fd`, `/dev/fd`], [`/proc/self/fd/0`, `/dev/stdin`], [`/proc/self/fd/1`, `/dev/stdout`],
  [`/proc/self/fd/2`, `/dev/stderr`], [`pts/ptmx`, `/dev/ptmx`],
];

function isSingle(map: Array<LinuxIDMapping>, hostId: number | undefined): boolean {
  return map.length === 1 && map[0].size === 1 && map[0].containerID === 0 && (hostId === undefined || map[0].hostID === hostId);
}

type JoinableNs = Extract<Directive, {kind: `join-ns`}>[`type`];
const JOINABLE = new Set([`user`, `network`, `pid`, `ipc`, `uts`]);

/** What the helper's parent needs before it clones: the maps, the namespaces, whether there is a terminal. */
export interface PlanFrame {
  uidMappings: Array<LinuxIDMapping>;
  gidMappings: Array<LinuxIDMapping>;
  namespaces: NonNullable<NonNullable<RuntimeSpec[`linux`]>[`namespaces`]>;
  terminal: boolean;
  /** The container's stdout and stderr are pipes the helper relays (to log them; a terminal is logged as it is relayed). */
  logPipes?: boolean;
}

export function frameOf(spec: RuntimeSpec, opts: SpecToPlanOptions = {}): PlanFrame {
  return {
    uidMappings: opts.uidMap ?? spec.linux?.uidMappings ?? [], gidMappings: opts.gidMap ?? spec.linux?.gidMappings ?? [],
    namespaces: spec.linux?.namespaces ?? [], terminal: Boolean(spec.process.terminal),
    logPipes: opts.log !== undefined && !spec.process.terminal,
  };
}

/**
 * The plan's head: the directives the helper's parent reads before its clone. A run may
 * send it first, from a frame predicted from the options, and the body once the container
 * is prepared (`plan-rest`, engine/run/earlyStart.ts).
 */
export function planHead(frame: PlanFrame, opts: Pick<SpecToPlanOptions, `hostUid` | `hostGid` | `statusFd`> = {}): {head: Plan, single: boolean, ns: Set<string>} {
  const head: Plan = [];
  const uidMap = frame.uidMappings, gidMap = frame.gidMappings;
  if (uidMap.length === 0 || gidMap.length === 0)
    throw new Error(`Assertion failed: specToPlan needs uid and gid mappings`);
  const single = isSingle(uidMap, opts.hostUid) && isSingle(gidMap, opts.hostGid);
  if (opts.statusFd !== undefined) head.push({kind: `status-fd`, fd: opts.statusFd});
  if (single) {
    head.push({kind: `single-map`, uid: uidMap[0].hostID, gid: gidMap[0].hostID});
  } else {
    head.push({kind: `uidmap`, triples: uidMap.map(m => [m.containerID, m.hostID, m.size])});
    head.push({kind: `gidmap`, triples: gidMap.map(m => [m.containerID, m.hostID, m.size])});
  }
  // A namespace with a path is joined (--network/--pid/--ipc/--uts container:NAME, with its user namespace), not made.
  const joined = frame.namespaces.filter(n => n.path !== undefined && n.path !== ``);
  for (const n of joined) {
    if (!JOINABLE.has(n.type)) throw new Error(`joining a \`${n.type}\` namespace is not supported`);
    head.push({kind: `join-ns`, type: n.type === `network` ? `net` : n.type as JoinableNs, path: n.path!});
  }
  const ns = new Set(frame.namespaces.filter(n => !joined.includes(n)).map(n => n.type === `network` ? `net` : n.type));
  if (!joined.some(n => n.type === `user`)) ns.add(`user`);
  ns.add(`mount`);
  head.push({kind: `namespaces`, names: [...ns] as Array<any>});
  if (frame.terminal) head.push({kind: `terminal`});
  if (frame.logPipes) head.push({kind: `log-pipes`});
  return {head, single, ns};
}

export function specToPlan(spec: RuntimeSpec, opts: SpecToPlanOptions = {}): Plan {
  const {head, body} = splitPlan(spec, opts);
  return [...head, ...body];
}

export function splitPlan(spec: RuntimeSpec, opts: SpecToPlanOptions = {}): {head: Plan, body: Plan} {
  const {head, single, ns} = planHead(frameOf(spec, opts), opts);
  return {head, body: planBody(spec, opts, single, ns)};
}

/** Everything after the head: the pid file, network hooks, mounts, the process. */
export function planBody(spec: RuntimeSpec, opts: SpecToPlanOptions, single: boolean, ns: ReadonlySet<string>): Plan {
  const plan: Plan = [];
  if (opts.pidFile !== undefined) plan.push({kind: `pid-file`, path: opts.pidFile});
  if (opts.log !== undefined) plan.push({kind: `log`, path: opts.log.path, max: opts.log.max});
  const hooks = spec.annotations?.[NETWORK_HOOKS_ANNOTATION];
  if (hooks) for (const argv of JSON.parse(hooks) as Array<Array<string>>) plan.push({kind: `net-hook`, argv});

  plan.push({kind: `rootfs`, path: spec.root.path});
  if (opts.rootfsMount?.type === `fuse`) {
    plan.push({kind: `rootfs-fuse`, argv: opts.rootfsMount.argv ?? []});
  } else if (opts.rootfsMount) {
    const {flags, data} = mountFlags(opts.rootfsMount.options);
    plan.push({kind: `rootfs-mount`, type: opts.rootfsMount.type, source: opts.rootfsMount.source, flags, data});
  }
  const mounts = spec.mounts ?? [];
  const copyUp = new Set(copyUpDestinations(spec));
  for (const m of mounts) {
    const {flags, data: rawData} = mountFlags(m.options);
    let data = rawData;
    const type = m.type ?? `bind`;
    if (type === `sysfs` && !ns.has(`net`)) {
      // sysfs can only be mounted by the owner of the network namespace: bind the host's.
      plan.push({kind: `mount`, source: `/sys`, dest: m.destination, type: `bind`, flags: MS.BIND | MS.REC | MS.RDONLY | (flags & (MS.NOSUID | MS.NODEV | MS.NOEXEC)), data: ``});
      continue;
    }
    if (type === `mqueue` && !ns.has(`ipc`) && !frameJoins(spec, `ipc`)) continue; // --ipc host: the user's own
    if (type === `cgroup` || type === `cgroup2`) {
      // cgroup2 only, in a cgroup namespace of the container's own: the kernel lets its
      // root mount that (v1 hierarchies cannot be mounted in a user namespace).
      if (ns.has(`cgroup`) && hostHasCgroup2()) plan.push({kind: `mount`, source: `cgroup2`, dest: m.destination, type: `cgroup2`, flags, data: ``});
      continue;
    }
    if (type === `devpts` && single) data = data.split(`,`).filter(o => !o.startsWith(`gid=`)).join(`,`);
    const bind = (flags & MS.BIND) !== 0 || type === `bind`;
    if (bind && copyUp.has(m.destination) && m.source !== undefined) plan.push({kind: `copy-up`, source: m.source, dest: m.destination});
    plan.push({kind: `mount`, source: m.source ?? type, dest: m.destination, type: bind ? `bind` : type, flags: bind ? flags | MS.BIND : flags, data});
    if (m.destination === `/dev` && type === `tmpfs`) {
      for (const d of HOST_DEVICES)
        if (!mounts.some(o => o.destination === `/dev/${d}`))
          plan.push({kind: `mount`, source: `/dev/${d}`, dest: `/dev/${d}`, type: `bind`, flags: MS.BIND | MS.NOSUID | MS.NOEXEC, data: ``});
      for (const [target, dest] of DEV_SYMLINKS) plan.push({kind: `symlink`, target, dest});
    }
  }
  plan.push({kind: `pivot`});
  // Written while /proc/sys is still writable (readonly below makes it read-only).
  for (const [key, value] of Object.entries(spec.linux?.sysctl ?? {})) plan.push({kind: `sysctl`, key, value});
  for (const p of spec.linux?.maskedPaths ?? []) plan.push({kind: `mask`, path: p});
  for (const p of spec.linux?.readonlyPaths ?? []) plan.push({kind: `readonly`, path: p});
  if (spec.root.readonly) plan.push({kind: `root-readonly`});
  if (spec.hostname && ns.has(`uts`)) plan.push({kind: `hostname`, name: spec.hostname});
  if (ns.has(`net`)) plan.push({kind: `lo-up`});

  const proc = spec.process;
  for (const r of proc.rlimits ?? []) {
    const resource = RLIMITS[r.type];
    if (resource === undefined) throw new Error(`unknown rlimit \`${r.type}\``);
    const n = (v: number) => v < 0 || v >= Number.MAX_SAFE_INTEGER ? RLIM_INFINITY : BigInt(v);
    plan.push({kind: `rlimit`, resource, soft: n(r.soft), hard: n(r.hard)});
  }
  if (!single) plan.push({kind: `groups`, gids: proc.user.additionalGids ?? []});
  plan.push({kind: `user`, uid: proc.user.uid, gid: proc.user.gid});
  plan.push({kind: `umask`, mask: proc.user.umask ?? 0o022});
  plan.push({kind: `cwd`, path: proc.cwd || `/`});
  const caps = proc.capabilities ?? {};
  plan.push({
    kind: `caps`,
    bounding: capabilityMask(caps.bounding),
    effective: capabilityMask(caps.effective),
    permitted: capabilityMask(caps.permitted),
    inheritable: capabilityMask(caps.inheritable),
    ambient: capabilityMask(caps.ambient),
  });
  if (proc.noNewPrivileges) plan.push({kind: `no-new-privs`});
  if (spec.linux?.seccomp) plan.push({kind: `seccomp`, program: compileSeccomp(spec.linux.seccomp).toString(`hex`)});
  if (proc.env && proc.env.length > 0) plan.push({kind: `env`, vars: proc.env});
  plan.push({kind: `args`, argv: proc.args});
  return plan as Array<Directive>;
}

/** Whether /sys/fs/cgroup is the unified (v2) hierarchy. */
function hostHasCgroup2(): boolean {
  try {
    return statfsSync(`/sys/fs/cgroup`).type === CGROUP2_SUPER_MAGIC;
  } catch {
    return false;
  }
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** Whether the spec joins an existing namespace of this type (a path is given). */
function frameJoins(spec: RuntimeSpec, type: string): boolean {
  return (spec.linux?.namespaces ?? []).some(n => n.type === type && n.path !== undefined && n.path !== ``);
}
