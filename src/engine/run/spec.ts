// Image config + resolved run options → OCI runtime spec (config.json), podman's
// rules (pkg/specgen/generate): entrypoint/cmd merge, env precedence, default
// mounts, masked and read-only paths, namespaces, id maps, rlimits, capabilities.
// Pure: every host fact (limits, id ranges, paths) comes in through the input.
import type {ImageRuntimeConfig} from '../../oci/image';
import type {LinuxIDMapping, Mount, RuntimeSpec} from '../../oci/runtimeSpec';
import {CAPABILITIES, DEFAULT_CAPABILITIES} from '../../runtime/capabilities';
import type {IdMapEntry} from '../../config/idmap';
import {TspodError} from '../errors';
import {envPairs, mergeEnv} from './options';
import type {MountRequest, Rlimit} from './options';
import type {ResolvedUser} from './users';
import type {NamespaceChoice} from '../../network/index';
import {COPY_UP_ANNOTATION, NETWORK_HOOKS_ANNOTATION} from '../../runtime/specToPlan';
import type {Extras} from './extras';
import {specSeccomp} from './seccomp';
import type {SeccompChoice} from './seccomp';

export type {RuntimeSpec};
type SpecMount = Mount;
type SpecIdMapping = LinuxIDMapping;

export const DEFAULT_PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;

const DEFAULT_CAPS = DEFAULT_CAPABILITIES;
const ALL_CAPS = CAPABILITIES;

export const MASKED_PATHS = [
  `/proc/acpi`, `/proc/kcore`, `/proc/keys`, `/proc/latency_stats`, `/proc/timer_list`, `/proc/timer_stats`,
  `/proc/sched_debug`, `/proc/scsi`, `/sys/firmware`, `/sys/dev/block`, `/sys/fs/selinux`, `/sys/devices/virtual/powercap`,
];

export const READONLY_PATHS = [`/proc/asound`, `/proc/bus`, `/proc/fs`, `/proc/irq`, `/proc/sys`, `/proc/sysrq-trigger`];

export const INIT_PATH = `/run/tspod-init`;

/** A mount request with its host side resolved (bind source or volume `_data` dir). */
export interface ResolvedMount {
  kind: MountRequest[`kind`];
  source: string;
  destination: string;
  readonly: boolean;
  options: Array<string>;
  /** A volume that gets the image's content at its destination while it is empty (podman's copy-up). */
  copyUp?: boolean;
}

export interface SpecInput {
  id: string;
  image: ImageRuntimeConfig;
  /** CMD... after the image (empty: the image's Cmd). */
  command: Array<string>;
  /** --entrypoint: undefined = the image's; a JSON array or one string. */
  entrypoint?: string | undefined;
  /** env-file entries then --env entries, in order. */
  envFile: Array<[string, string]>;
  env: Array<[string, string]>;
  user: ResolvedUser;
  workdir?: string | undefined;
  hostname?: string | undefined;
  tty: boolean;
  readOnly: boolean;
  privileged: boolean;
  init: boolean;
  /** Host path of the helper binary, bound at /run/tspod-init with --init. */
  initBinary: string;
  /** --init-path: that init is called as `INIT -- COMMAND` (tini's and catatonit's way), not the helper's `init` mode. */
  customInit?: boolean;
  /** A pod's infra container: the helper is bound at /run/tspod-init, its image's entrypoint runs it (`pause`). */
  bindHelper?: boolean;
  capAdd: Array<string>;
  capDrop: Array<string>;
  noNewPrivileges: boolean;
  /** Absent: tspod's default filter. */
  seccomp?: SeccompChoice;
  ulimits: Array<Rlimit>;
  mounts: Array<ResolvedMount>;
  /** Generated init-layer files: destination → host path. */
  initFiles: Record<string, string>;
  rootfs: string;
  uidMap: Array<IdMapEntry>;
  gidMap: Array<IdMapEntry>;
  host: HostFacts;
  /** The network namespace (src/network): new (default), the host's, or joined; and the keeper's hooks. */
  network?: {namespace: NamespaceChoice, hooks: Array<Array<string>>} | undefined;
  /** --pid/--ipc/--uts container:NAME: the namespaces joined. */
  joins?: NamespaceJoins | undefined;
  /** engine/run/extras.ts: stop signal, umask, shm size, time zone, host uts/ipc, annotations, host env. */
  extras?: Extras;
  /** --group-add, resolved to gids. */
  extraGids?: Array<number>;
}

export interface HostFacts {
  /** Hard limits of this process (from /proc/self/limits); undefined = unlimited. */
  nofileHard: number;
  nprocHard: number;
  /** /proc/sys/kernel/pid_max: podman's default process limit where the hard limit allows it. */
  pidMax?: number;
  /** Host /dev character devices (paths), bound with --privileged. */
  devices: Array<string>;
}

const RLIMIT_NOFILE_MAX = 1048576;
const RLIMIT_NPROC_MAX = 4194304;

function parseEntrypoint(v: string): Array<string> {
  if (v === ``) return [];
  if (v.startsWith(`[`)) {
    try {
      const a = JSON.parse(v) as unknown;
      if (Array.isArray(a) && a.every(x => typeof x === `string`)) return a as Array<string>;
    } catch {}
  }
  return [v];
}

/** podman: --entrypoint replaces the image's and resets its Cmd; CMD... replaces Cmd. */
export function entrypointAndCmd(image: ImageRuntimeConfig, command: Array<string>, entrypoint: string | undefined): {entrypoint: Array<string>, cmd: Array<string>} {
  const ep = entrypoint !== undefined ? parseEntrypoint(entrypoint) : (image.Entrypoint ?? []);
  const cmd = command.length > 0 ? command : (entrypoint !== undefined ? [] : (image.Cmd ?? []));
  return {entrypoint: ep, cmd};
}

export function processArgs(image: ImageRuntimeConfig, command: Array<string>, entrypoint: string | undefined): Array<string> {
  const {entrypoint: ep, cmd} = entrypointAndCmd(image, command, entrypoint);
  const args = [...ep, ...cmd];
  if (args.length === 0) throw new TspodError(`InvalidArgument`, `no command or entrypoint provided, and no CMD or ENTRYPOINT from image`, {hint: `give a command after the image name`});
  return args;
}

export function buildEnv(input: Pick<SpecInput, `image` | `envFile` | `env` | `tty` | `user` | `extras`>, hostname: string): Array<string> {
  // podman's defaults (containers.conf's env): TERM=xterm with or without -t.
  const base: Array<[string, string]> = [[`PATH`, DEFAULT_PATH], [`TERM`, `xterm`], [`container`, `podman`]];
  // podman's order: its defaults, the host's (--env-host, or the proxy variables), the
  // image's, then --env-file and --env; --unsetenv[-all] drops defaults, never the user's own.
  const x = input.extras;
  const unset = new Set(x?.unsetEnv ?? []);
  const defaults = x?.unsetEnvAll ? [] : envPairs(mergeEnv(base, x?.hostEnv ?? [], envPairs(input.image.Env))).filter(([k]) => !unset.has(k));
  // --env-merge: a default rewritten with ${VAR} of the defaults (PATH=${PATH}:/opt/bin).
  if (x && x.envMerge.length > 0) {
    const d = new Map(defaults);
    for (const [k, v] of x.envMerge) d.set(k, v.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => d.get(name) ?? ``));
    defaults.splice(0, defaults.length, ...d);
  }
  const merged = new Map(envPairs(mergeEnv(defaults, input.envFile, input.env)));
  if (x?.unsetEnvAll) return [...merged].map(([k, v]) => `${k}=${v}`);
  if (!merged.has(`HOME`)) merged.set(`HOME`, input.user.home);
  if (!merged.has(`HOSTNAME`)) merged.set(`HOSTNAME`, hostname);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

function capabilities(input: SpecInput): NonNullable<RuntimeSpec[`process`][`capabilities`]> {
  let caps: Array<string>;
  if (input.privileged) {
    caps = [...ALL_CAPS];
  } else {
    const set = new Set(input.capAdd.includes(`ALL`) ? ALL_CAPS : DEFAULT_CAPS);
    for (const c of input.capAdd) if (c !== `ALL`) set.add(c);
    if (input.capDrop.includes(`ALL`)) set.clear();
    for (const c of input.capDrop) set.delete(c);
    // An explicit --cap-add wins over --cap-drop all (podman's order: drop all, then add).
    if (input.capDrop.includes(`ALL`)) for (const c of input.capAdd.includes(`ALL`) ? ALL_CAPS : input.capAdd) set.add(c);
    caps = ALL_CAPS.filter(c => set.has(c));
  }
  if (input.user.uid === 0) return {bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: []};
  // A non-root user keeps the bounding set; only explicitly added caps become effective (podman 4).
  const added = input.privileged ? [] : caps.filter(c => input.capAdd.includes(c) || input.capAdd.includes(`ALL`));
  return {bounding: caps, effective: added, permitted: added, inheritable: added, ambient: added};
}

function rlimits(input: SpecInput): Array<{type: string, hard: number, soft: number}> {
  const out = new Map<string, {type: string, hard: number, soft: number}>();
  const nofile = Math.min(RLIMIT_NOFILE_MAX, input.host.nofileHard);
  out.set(`RLIMIT_NOFILE`, {type: `RLIMIT_NOFILE`, hard: nofile, soft: nofile});
  const nproc = defaultNproc(input.host);
  out.set(`RLIMIT_NPROC`, {type: `RLIMIT_NPROC`, hard: nproc, soft: nproc});
  for (const u of input.ulimits) {
    out.set(u.type, {type: u.type, hard: u.hard, soft: u.soft});
  }
  return [...out.values()];
}

/**
 * podman's default process limit (containers.conf's default ulimits): pid_max, else 2^20,
 * each only where the caller may set it (not above its hard limit); else the hard limit.
 */
function defaultNproc(host: HostFacts): number {
  for (const v of [host.pidMax, RLIMIT_NPROC_PODMAN]) if (v !== undefined && v > 0 && v <= host.nprocHard) return v;
  return Math.min(RLIMIT_NPROC_MAX, host.nprocHard);
}

const RLIMIT_NPROC_PODMAN = 1048576;

export function mapping(map: Array<IdMapEntry>): Array<SpecIdMapping> {
  return map.map(e => ({containerID: e.containerId, hostID: e.hostId, size: e.size}));
}

function isMapped(map: Array<IdMapEntry>, id: number): boolean {
  return map.some(e => id >= e.containerId && id < e.containerId + e.size);
}

function defaultMounts(input: SpecInput): Array<SpecMount> {
  const devpts = [`nosuid`, `noexec`, `newinstance`, `ptmxmode=0666`, `mode=0620`];
  if (isMapped(input.gidMap, 5)) devpts.push(`gid=5`);
  // --pid host: a new proc needs a pid namespace of our own; the user's /proc is bound instead (as podman's rootless spec).
  const proc: SpecMount = input.extras?.hostPid
    ? {destination: `/proc`, type: `bind`, source: `/proc`, options: [`rbind`, `nosuid`, `noexec`, `nodev`]}
    : {destination: `/proc`, type: `proc`, source: `proc`, options: [`nosuid`, `noexec`, `nodev`]};
  return [
    proc,
    {destination: `/dev`, type: `tmpfs`, source: `tmpfs`, options: [`nosuid`, `strictatime`, `mode=755`, `size=65536k`]},
    {destination: `/dev/pts`, type: `devpts`, source: `devpts`, options: devpts},
    {destination: `/dev/mqueue`, type: `mqueue`, source: `mqueue`, options: [`nosuid`, `noexec`, `nodev`]},
    {destination: `/sys`, type: `sysfs`, source: `sysfs`, options: [`nosuid`, `noexec`, `nodev`, `ro`]},
    // Its own cgroup namespace's view, read-only (as podman's): a program finds its limits there.
    ...(input.extras?.privateCgroupns ? [{destination: `/sys/fs/cgroup`, type: `cgroup`, source: `cgroup`, options: [`rprivate`, `nosuid`, `noexec`, `nodev`, `relatime`, `ro`]}] : []),
    {destination: `/dev/shm`, type: `tmpfs`, source: `shm`, options: [`nosuid`, `noexec`, `nodev`, `mode=1777`, `size=64000k`]}, // podman's 65536000 bytes
  ];
}

function userMount(m: ResolvedMount): SpecMount {
  // A new devpts instance (distrobox's --mount type=devpts,destination=/dev/pts): the default's options, the user's after.
  if (m.kind === `devpts`)
    return {destination: m.destination, type: `devpts`, source: `devpts`, options: [...(m.readonly ? [`ro`] : []), `nosuid`, `noexec`, `newinstance`, `ptmxmode=0666`, ...(m.options.some(o => o.startsWith(`mode=`)) ? [] : [`mode=0620`]), ...m.options]};
  if (m.kind === `tmpfs`) {
    // No size unless asked: the kernel's default (half the RAM), as podman.
    const opts = [m.readonly ? `ro` : `rw`, ...m.options];
    return {destination: m.destination, type: `tmpfs`, source: `tmpfs`, options: opts};
  }
  const opts = m.options.filter(o => o !== `bind` && o !== `rbind`);
  const rec = m.options.includes(`bind`) ? `bind` : `rbind`;
  return {destination: m.destination, type: `bind`, source: m.source, options: [rec, ...(m.readonly ? [`ro`] : [`rw`]), ...opts]};
}

type SpecNamespace = NonNullable<NonNullable<RuntimeSpec[`linux`]>[`namespaces`]>[number];

/** Namespaces of a running container to join (--pid/--ipc/--uts container:NAME): /proc/PID/ns/TYPE paths. */
export interface NamespaceJoins {
  pid?: string;
  ipc?: string;
  uts?: string;
  /** The user namespace those belong to (joined with them). */
  user?: string;
}

/** --network host: no network namespace; container:NAME: its network and user namespaces joined. */
export function namespaces(net: NamespaceChoice | undefined, host: {uts?: boolean, ipc?: boolean, pid?: boolean, ownCgroup?: boolean} = {}, joins: NamespaceJoins = {}): Array<SpecNamespace> {
  const kind = net?.kind ?? `new`;
  // --pid host: the user's pid namespace (its /proc is bound in: a new proc needs a pid namespace of ours).
  const own = (type: `pid` | `ipc` | `uts`, keepHost: boolean | undefined): Array<SpecNamespace> =>
    joins[type] !== undefined ? [{type, path: joins[type]}] : keepHost ? [] : [{type}];
  const out: Array<SpecNamespace> = own(`pid`, host.pid);
  if (net?.kind === `join`) out.push({type: `network`, path: net.netns});
  else if (kind === `new`) out.push({type: `network`});
  // --ipc host / --uts host: the host's (the user's) namespace is kept, no new one made.
  out.push(...own(`ipc`, host.ipc), ...own(`uts`, host.uts));
  if (host.ownCgroup) out.push({type: `cgroup`});
  out.push({type: `mount`});
  const userns = net?.kind === `join` ? net.userns : joins.user;
  out.push(userns !== undefined ? {type: `user`, path: userns} : {type: `user`});
  return out;
}

export function buildSpec(input: SpecInput): RuntimeSpec {
  const hostname = input.hostname ?? input.id.slice(0, 12);
  const args = processArgs(input.image, input.command, input.entrypoint);
  const finalArgs = input.init ? [INIT_PATH, ...(input.customInit ? [] : [`init`]), `--`, ...args] : args;
  const user = input.user;

  const x = input.extras;
  const mounts = defaultMounts(input).map(m => m.destination === `/dev/shm` && x?.shmSize ? {...m, options: [...m.options!.filter(o => !o.startsWith(`size=`)), x.shmSize]} : m);
  const userMounts = input.mounts.map(userMount);
  // A user mount at a default destination (e.g. --tmpfs /dev/shm) replaces the default.
  const finalMounts = mounts.filter(m => !userMounts.some(u => u.destination === m.destination));
  const dup = userMounts.map(m => m.destination).find((d, i, a) => a.indexOf(d) !== i);
  if (dup) throw new TspodError(`InvalidArgument`, `duplicate mount destination ${dup}`, {hint: `each -v, --mount and --tmpfs needs its own destination`});
  for (const [dest, src] of Object.entries(input.initFiles)) {
    if (userMounts.some(u => u.destination === dest)) continue;
    finalMounts.push({destination: dest, type: `bind`, source: src, options: [`bind`, `rprivate`, ...(dest === `/run/.containerenv` ? [`ro`] : [])]});
  }
  if (input.init || input.bindHelper) finalMounts.push({destination: INIT_PATH, type: `bind`, source: input.initBinary, options: [`bind`, `ro`, `nosuid`, `nodev`]});
  // podman: --read-only leaves /tmp, /var/tmp and /run writable (tmpfs) unless --read-only-tmpfs=false.
  if (input.readOnly && x?.readOnlyTmpfs !== false)
    for (const d of [`/tmp`, `/var/tmp`, `/run`])
      if (!userMounts.some(u => u.destination === d)) finalMounts.push({destination: d, type: `tmpfs`, source: `tmpfs`, options: [`rw`, `rprivate`, `nosuid`, `nodev`]});
  if (x?.localtime && !userMounts.some(u => u.destination === `/etc/localtime`))
    finalMounts.push({destination: `/etc/localtime`, type: `bind`, source: x.localtime, options: [`bind`, `ro`, `rprivate`]});
  finalMounts.push(...userMounts);

  // --privileged: the host's devices, bound (a rootless user cannot mknod); --device's too.
  if (input.privileged)
    for (const d of input.host.devices)
      if (!finalMounts.some(m => m.destination === d)) finalMounts.push({destination: d, type: `bind`, source: d, options: [`bind`, `nosuid`, `noexec`]});
  for (const d of x?.devices ?? [])
    if (!finalMounts.some(m => m.destination === d.destination)) finalMounts.push({destination: d.destination, type: `bind`, source: d.source, options: [`bind`, `nosuid`, `noexec`]});

  const caps = capabilities(input);
  const seccomp = specSeccomp(input.seccomp ?? {kind: `default`}, caps.bounding ?? [], input.privileged);
  return {
    ociVersion: `1.0.2-dev`,
    process: {
      terminal: input.tty,
      user: {uid: user.uid, gid: user.gid, umask: x?.umask ?? 0o022, ...additionalGids(user.gid, user.additionalGids, input.extraGids)},
      args: finalArgs,
      env: buildEnv(input, hostname),
      cwd: input.workdir || input.image.WorkingDir || `/`,
      capabilities: caps,
      rlimits: rlimits(input),
      noNewPrivileges: input.noNewPrivileges,
    },
    root: {path: input.rootfs, readonly: input.readOnly},
    hostname,
    mounts: finalMounts,
    annotations: {
      ...x?.annotations,
      'io.container.manager': `tspod`, 'org.opencontainers.image.stopSignal': x?.stopSignal ?? input.image.StopSignal ?? `SIGTERM`,
      ...(input.network && input.network.hooks.length > 0 ? {[NETWORK_HOOKS_ANNOTATION]: JSON.stringify(input.network.hooks)} : {}),
      ...copyUpAnnotation(input.mounts),
      // podman's: inspect shows it in HostConfig.SecurityOpt.
      ...(input.seccomp?.kind === `unconfined` ? {'io.podman.annotations.seccomp': `unconfined`} : input.seccomp?.kind === `file` ? {'io.podman.annotations.seccomp': input.seccomp.path} : {}),
    },
    linux: {
      uidMappings: mapping(input.uidMap),
      gidMappings: mapping(input.gidMap),
      namespaces: namespaces(input.network?.namespace, {uts: x?.hostUts, ipc: x?.hostIpc, pid: x?.hostPid, ownCgroup: x?.privateCgroupns}, input.joins),
      ...sysctls(input),
      maskedPaths: input.privileged ? [] : [...MASKED_PATHS],
      readonlyPaths: input.privileged ? [] : [...READONLY_PATHS],
      ...(seccomp ? {seccomp} : {}),
    },
  };
}

function copyUpAnnotation(mounts: ReadonlyArray<ResolvedMount>): Record<string, string> {
  const dests = mounts.filter(m => m.kind === `volume` && m.copyUp).map(m => m.destination);
  return dests.length > 0 ? {[COPY_UP_ANNOTATION]: JSON.stringify(dests)} : {};
}

/**
 * podman's default: root in a container with its own network may ping (ICMP echo
 * sockets, no CAP_NET_RAW); then --sysctl's.
 */
function sysctls(input: SpecInput): {sysctl?: Record<string, string>} {
  const own = (input.network?.namespace.kind ?? `new`) === `new`;
  const all = {...(own ? {'net.ipv4.ping_group_range': `0 0`} : {}), ...input.extras?.sysctls};
  return Object.keys(all).length > 0 ? {sysctl: all} : {};
}

/** The user's primary group (podman lists it among the supplementary ones too), its other groups and --group-add's, once each. */
function additionalGids(gid: number, user: Array<number>, extra: Array<number> = []): {additionalGids?: Array<number>} {
  const all = [...new Set([gid, ...user, ...extra])];
  return all.length > 0 ? {additionalGids: all} : {};
}

/** `/proc/self/limits` → hard limits of this process (what rootless may raise to). */
export function parseProcLimits(text: string): {nofileHard: number, nprocHard: number} {
  const hard = (label: string, dflt: number) => {
    const line = text.split(`\n`).find(l => l.startsWith(label));
    const v = line?.slice(26).trim().split(/\s+/)[1];
    if (v === undefined) return dflt;
    return v === `unlimited` ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  return {nofileHard: hard(`Max open files`, 1024), nprocHard: hard(`Max processes`, 4096)};
}

/** keep-id: the user's own uid inside is their host uid; the rest come from the subordinate ranges. */
export function keepIdMap(hostId: number, containerId: number, ranges: ReadonlyArray<{start: number, count: number}>): Array<IdMapEntry> {
  const total = ranges.reduce((n, r) => n + r.count, 0);
  if (total < containerId)
    throw new TspodError(`Host`, `--userns keep-id needs at least ${containerId} subordinate ids, you have ${total}`, {hint: `give your user a larger range in /etc/subuid and /etc/subgid`});
  // Host ids of the subordinate ranges, one segment at a time, laid out from container id 0 skipping containerId.
  const out: Array<IdMapEntry> = [];
  let next = 0;
  for (const r of ranges) {
    let start = r.start, count = r.count;
    while (count > 0) {
      if (next === containerId) next++;
      const size = next < containerId ? Math.min(count, containerId - next) : count;
      out.push({containerId: next, hostId: start, size});
      next += size;
      start += size;
      count -= size;
    }
  }
  if (next <= containerId) next = containerId;
  out.push({containerId, hostId, size: 1});
  return out.sort((a, b) => a.containerId - b.containerId);
}
