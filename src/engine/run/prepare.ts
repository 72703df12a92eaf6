// `run` and `create` up to the point where the container could start: every flag is
// parsed and checked first (nothing is created for bad input), then the image is
// found or pulled, the container and its layer created, the init layer written and
// the OCI spec saved as `userdata/config.json`. A failure after creation removes
// what was made.
import type {PullOptions} from '../verbs/pull';
import {applyCgroup} from './cgroup';
import {applySdNotify, parseSdNotify} from '../quadlet/sdnotify';
import {planContainerCgroup} from '../../cgroups';
import type {ContainerCgroup} from '../../cgroups';
import {chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {EngineContext} from '../Engine';
import {isTspodError, TspodError} from '../errors';
import {readSubIds, defaultIdMap} from '../../config/idmap';
import type {IdMapEntry} from '../../config/idmap';
import {passwdHome, uid as hostUid, userName} from '../../config/paths';
import {parseImageConfig} from '../../oci/image';
import type {ImageConfig, ImageRuntimeConfig} from '../../oci/image';
import type {RuntimeSpec} from '../../oci/runtimeSpec';
import {CAPABILITIES} from '../../runtime/capabilities';
import {lookupLocal} from '../../image/lookup';
import type {Store} from '../../storage/Store';
import type {Image} from '../../storage/ImageStore';
import type {ContainerRecord} from '../../storage/ContainerStore';
import type {MountSpec} from '../../storage/drivers/Driver';
import type {RootfsMount} from '../../runtime/specToPlan';
import {mkdirNoFollow} from '../../util/mkdirNoFollow';
import {
  checkContainerName, checkHostname, normalizeCap, parseEnv, parseEnvFile, parseLabels, parseMount, parsePullPolicy,
  parseSecurityOpt, parseTmpfs, parseUlimit, parseUserns, parseVolume,
} from './options';
import type {MountRequest, PullPolicy, UsernsMode} from './options';
import {layeredIsDir, layeredReader, parseGroup, resolveUser} from './users';
import {missingUserEntries} from './userEntries';
import {randomContainerName} from './containerNames';
import {resolveNamespaceJoins} from './namespaceJoins';
import type {ResolvedUser} from './users';
import {buildSpec, entrypointAndCmd, keepIdMap, parseProcLimits} from './spec';
import type {ResolvedMount} from './spec';
import {passwdWith, writeInitLayer} from './initLayer';
import {specSummary} from '../lifecycle/specSummary';
import {seccompChoice} from './seccomp';
import type {SeccompChoice} from './seccomp';
import type {LogDriver} from '../lifecycle/containers';
import {healthMeta} from '../lifecycle/healthConfig';
import {VolumeStore} from './volumes';
import type {VolumeRecord} from './volumes';
import {mountsFrom, parseVolumesFrom} from './volumesFrom';
import {parseSecretFlag, SecretStore} from './secrets';
import {depth, parseImageVolumeMode, uncoveredImageVolumes} from './imageVolumes';
import type {ImageVolumeMode} from './imageVolumes';
import {checkSysctls, parseExtras} from './extras';
import type {ExtraFlags, Extras} from './extras';
import {hostname as osHostname} from 'node:os';
import {defaultHostname, networkFiles, networkSetup, settleNetwork, validateNetwork} from './network';
import type {NetworkRequest} from './network';

export interface CreateOptions extends ExtraFlags {
  image: string;
  /** run: fds 3 to 3 + n - 1 go to the container (engine/run/passedFds.ts). */
  passFds?: number;
  command: Array<string>;
  /** The caller's working directory (relative bind sources) and environment (`-e KEY`). */
  cwd: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
  name?: string | undefined;
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  rm?: boolean;
  env?: Array<string>;
  envFile?: Array<string>;
  volumes?: Array<string>;
  /** --volumes-from CTR[:ro|rw]: that container's volumes and bind mounts. */
  volumesFrom?: Array<string>;
  /** --secret NAME[,type=mount|env][,target=T][,mode=M]. */
  secrets?: Array<string>;
  /** --timeout: seconds the container may run before it is killed (0: no limit). */
  timeout?: string | undefined;
  mounts?: Array<string>;
  tmpfs?: Array<string>;
  workdir?: string | undefined;
  user?: string | undefined;
  userns?: string | undefined;
  hostname?: string | undefined;
  entrypoint?: string | undefined;
  init?: boolean;
  readOnly?: boolean;
  pull?: string | undefined;
  privileged?: boolean;
  ulimits?: Array<string>;
  securityOpt?: Array<string>;
  capAdd?: Array<string>;
  capDrop?: Array<string>;
  /** Resource-limit flags given (`--memory` → `64m`): src/cgroups plans or refuses them. */
  limits?: Record<string, string>;
  /** --cgroups enabled|disabled|no-conmon|split and --cgroup-manager systemd|cgroupfs. */
  cgroups?: string | undefined;
  cgroupManager?: string | undefined;
  /** --sdnotify conmon|container|ignore (engine/quadlet/sdnotify.ts). */
  sdnotify?: string | undefined;
  network?: string | undefined;
  /** -p, -P, --dns, --dns-search, --dns-option, --add-host (engine/run/network.ts). */
  publish?: Array<string>;
  publishAll?: boolean;
  dns?: Array<string>;
  dnsSearch?: Array<string>;
  dnsOption?: Array<string>;
  addHost?: Array<string>;
  quiet?: boolean;
  /**
   * A missing image is pulled as `tspod pull` would: its progress, and the short-name
   * choice on a terminal. A function, called only when a pull is needed: asking
   * whether stdin is a terminal creates the stdin stream, which most runs never read.
   */
  pullUi?: () => Pick<PullOptions, `onProgress` | `choose`>;
  /** Set by run: a --rm container is then swept if its tspod dies. */
  forRun?: boolean;
  /** --restart and --log-opt max-size (kept by the container's monitor; engine/verbs/start.ts). */
  restart?: string | undefined;
  logMax?: number | undefined;
  /** --label KEY=VALUE: with the image's labels, the container's Config.Labels (inspect, ps --filter label=). */
  labels?: Array<string>;
  /** --replace: a container of the same --name is removed first (forcibly). */
  replace?: boolean;
  /** --cidfile: the new container's ID is written there (which must not exist yet). */
  cidfile?: string | undefined;
  /** --no-hosts: the image's own /etc/hosts is left in place. */
  noHosts?: boolean;
  /** -a/--attach: the streams a foreground run connects (default all three; stdin only with -i). */
  attach?: Array<string>;
  /** --init-path: the init run by --init, instead of tspod's own (called as INIT -- COMMAND). */
  initPath?: string | undefined;
  /** --log-driver: k8s-file (the default; json-file is an alias), none, or passthrough (the foreground's stdio given to the container). */
  logDriver?: string | undefined;
  /** --pidfile: where the container's pid is written when it starts (removed with the container). */
  pidfile?: string | undefined;
  /** The command line that made the container (inspect's Config.CreateCommand; generate systemd --new runs it again). */
  createCommand?: Array<string>;
  /** Where the image stands in createCommand: what comes before it are options and their values. */
  createImageAt?: number;
  /** --rmi (run --rm): the image is removed after the container, unless something else uses it. */
  rmi?: boolean;
  /** --image-volume bind|tmpfs|ignore: what the image's VOLUMEs get (engine/run/imageVolumes.ts). */
  imageVolume?: string | undefined;
  /** --pod NAME|ID|new:NAME (engine/pod/join.ts turns it into podId and the namespaces to join). */
  pod?: string | undefined;
  /** --cgroupns host|private; unset: private on cgroup v2, host on v1 (podman's defaults). */
  cgroupns?: string | undefined;
  /** --systemd true|false|always: tspod has no systemd mode; always is refused. */
  systemd?: string | undefined;
  /** --network-alias, --ip, --ip6, --mac-address: bridge networks' (tspod has none). */
  networkAliases?: Array<string>;
  staticIps?: Array<string>;
  macAddress?: string | undefined;
  /** The pod the container belongs to (metadata.pod), resolved from --pod. */
  podId?: string | undefined;
  /** A pod's infra container (engine/pod/): its image's entrypoint is the helper, bound in. */
  infra?: boolean;
  /** When the image is pulled: pull's --tls-verify, --authfile and platform flags. */
  pullOptions?: Pick<PullOptions, `tlsVerify` | `authfile` | `arch` | `os` | `variant` | `platform`>;
}

export interface Validated {
  name?: string | undefined;
  pull: PullPolicy;
  userns: UsernsMode;
  mounts: Array<MountRequest>;
  envFile: Array<[string, string]>;
  env: Array<[string, string]>;
  capAdd: Array<string>;
  capDrop: Array<string>;
  noNewPrivileges: boolean;
  seccomp: SeccompChoice;
  network: NetworkRequest;
  cgroup: ContainerCgroup;
  labels: Record<string, string>;
  extras: Extras;
  imageVolume: ImageVolumeMode;
  logDriver: LogDriver;
  /** --timeout in seconds (0: none). */
  timeout: number;
}

/** Every check that needs no store: run before anything is created. */
/** The log driver of these options; one tspod has not is refused. */
/** --timeout N: whole seconds, 0 for none (podman's uint). */
export function timeoutSeconds(v: string | undefined): number {
  if (v === undefined) return 0;
  if (!/^\d+$/.test(v)) throw new TspodError(`InvalidArgument`, `invalid argument "${v}" for "--timeout" flag: want a whole number of seconds`);
  return Number(v);
}

/**
 * Whether a foreground run's output goes through the helper into the log. Not with --rm:
 * the log goes with the container when it exits, and the relay costs a --rm run ~5 ms
 * (9 ms CPU, measured): there the container writes to tspod's stdio directly.
 */
export function logsForeground(o: Pick<CreateOptions, `logDriver` | `rm`>): boolean {
  return logDriverOf(o) === `k8s-file` && !o.rm;
}

export function logDriverOf(o: Pick<CreateOptions, `logDriver`>): LogDriver {
  const d = o.logDriver ?? `k8s-file`;
  if (d === `k8s-file` || d === `json-file`) return `k8s-file`;
  if (d === `none` || d === `passthrough`) return d;
  throw new TspodError(`Unsupported`, `--log-driver ${d} is not supported by tspod`, {hint: `use k8s-file (the default: tspod logs reads it), none or passthrough`});
}

/**
 * --cgroupns: private (podman's default on cgroup v2, where the container has a cgroup of
 * its own to be the namespace's root) or host (its default on v1). Joining another's is not built.
 */
function privateCgroupns(o: CreateOptions, hostVersion: string): boolean {
  if (o.cgroupns === undefined) return hostVersion === `v2` && o.cgroups !== `disabled`;
  if (o.cgroupns === `host` || o.cgroupns === `private`) return o.cgroupns === `private`;
  if (!/^(container|ns):./.test(o.cgroupns))
    throw new TspodError(`InvalidArgument`, `invalid --cgroupns "${o.cgroupns}"`, {hint: `use host, private, container:NAME or ns:PATH`});
  throw new TspodError(`Unsupported`, `--cgroupns ${o.cgroupns} is not supported by tspod: a container has a cgroup namespace of its own (private) or the caller's (host)`, {hint: `use --cgroupns private or host`});
}

/** Modes tspod does not have, refused as podman refuses them where it lacks them too. */
function checkNamespaceModes(o: CreateOptions): void {
  if (o.systemd !== undefined) {
    const v = o.systemd.toLowerCase();
    if (![`true`, `false`, `always`].includes(v)) throw new TspodError(`InvalidArgument`, `invalid --systemd "${o.systemd}"`, {hint: `use true, false or always`});
    if (v === `always`) throw new TspodError(`Unsupported`, `--systemd always is not supported: tspod has no systemd mode (its tmpfs mounts and stop signal)`, {hint: `run systemd with --tmpfs /run --tmpfs /tmp --stop-signal SIGRTMIN+3, or drop --systemd`});
  }
  // podman's words for these outside a bridge network; tspod has no bridge networks.
  if ((o.networkAliases ?? []).length > 0 || (o.staticIps ?? []).length > 0 || o.macAddress !== undefined)
    throw new TspodError(`InvalidArgument`, `invalid config provided: networks and static ip/mac address can only be used with Bridge mode networking`, {hint: `tspod has no bridge networks: publish ports with -p, or share a network with --network container:NAME`});
}

export function validate(o: CreateOptions): Validated {
  // Limits: enforced in the container's own cgroup, or refused with what is missing (src/cgroups).
  const cgroup = planContainerCgroup(o.limits ?? {}, {cgroups: o.cgroups, manager: o.cgroupManager});
  parseSdNotify(o.sdnotify);
  const network = validateNetwork(o, o.hostEnv.PATH);
  if (o.name !== undefined) checkContainerName(o.name);
  if (o.workdir !== undefined && !o.workdir.startsWith(`/`))
    throw new TspodError(`InvalidArgument`, `invalid working directory "${o.workdir}": must be an absolute path`);
  if (o.hostname !== undefined) checkHostname(o.hostname);
  const userns = parseUserns(o.userns);
  checkNamespaceModes(o);
  if (userns.mode === `auto` || userns.mode === `nomap`)
    throw new TspodError(`Unsupported`, `--userns ${userns.mode} is not supported by rootless tspod`, {hint: `use the default user namespace, or --userns keep-id to keep your uid inside`});
  for (const f of o.volumesFrom ?? []) parseVolumesFrom(f);
  for (const f of o.secrets ?? []) parseSecretFlag(f);
  const timeout = timeoutSeconds(o.timeout);
  const mounts = [
    ...(o.volumes ?? []).map(v => parseVolume(v, o.cwd)),
    ...(o.mounts ?? []).map(m => parseMount(m, o.cwd)),
    ...(o.tmpfs ?? []).map(parseTmpfs),
  ];
  for (const m of mounts) {
    if (m.kind !== `bind`) continue;
    try {
      statSync(m.source);
    } catch (err) {
      throw new TspodError(`InvalidArgument`, `statfs ${m.source}: ${(err as NodeJS.ErrnoException).code === `ENOENT` ? `no such file or directory` : (err as NodeJS.ErrnoException).code}`, {hint: `the bind mount source must exist on the host: create it or fix the path in "${m.spec}"`});
    }
  }
  const envFile = (o.envFile ?? []).flatMap(f => parseEnvFile(f, o.hostEnv));
  const env = (o.env ?? []).flatMap(e => parseEnv(e, o.hostEnv));
  const capAdd = (o.capAdd ?? []).flatMap(c => c.split(`,`)).map(c => normalizeCap(c, CAPABILITIES));
  const capDrop = (o.capDrop ?? []).flatMap(c => c.split(`,`)).map(c => normalizeCap(c, CAPABILITIES));
  let noNewPrivileges = false;
  const seccompValues: Array<string> = [];
  for (const s of o.securityOpt ?? []) {
    const opt = parseSecurityOpt(s);
    noNewPrivileges = opt.noNewPrivileges ?? noNewPrivileges;
    if (opt.seccomp !== undefined) seccompValues.push(opt.seccomp);
  }
  const seccomp = seccompChoice(seccompValues);
  for (const u of o.ulimits ?? []) if (u !== `host`) parseUlimit(u);
  const extras = parseExtras(o, o.hostEnv);
  extras.privateCgroupns = privateCgroupns(o, cgroup.hostVersion);
  if (extras.hostUts && o.hostname !== undefined)
    throw new TspodError(`InvalidArgument`, `cannot set the hostname with --uts host: the container shares the host's`, {hint: `drop --hostname or --uts host`});
  const joined = [[`--pid`, extras.joinPid], [`--ipc`, extras.joinIpc], [`--uts`, extras.joinUts]].find(j => j[1] !== undefined);
  // The backends (pasta, slirp4netns) are started by the keeper, which would be in the other
  // container's user namespace by then: they cannot reach the new network namespace from there.
  if (joined && (network.mode.kind === `pasta` || network.mode.kind === `slirp4netns`))
    throw new TspodError(`Unsupported`, `${joined[0]} container:${joined[1]} with a network of the container's own (${network.mode.kind}) is not supported`, {hint: `share that container's network too (--network container:${joined[1]}), or use --network none or host`});
  if (extras.joinUts !== undefined && o.hostname !== undefined)
    throw new TspodError(`InvalidArgument`, `cannot set the hostname with --uts container:${extras.joinUts}: the container shares that one's`, {hint: `drop --hostname or --uts`});
  // A shared namespace's sysctls are the other container's (or the host's) to set.
  checkSysctls(extras.sysctls, {net: network.mode.kind === `host` || network.mode.kind === `container`, ipc: extras.hostIpc || extras.joinIpc !== undefined, uts: extras.hostUts || extras.joinUts !== undefined});
  if (o.replace && o.name === undefined) throw new TspodError(`InvalidArgument`, `--replace needs --name: it replaces the container of that name`);
  if (o.rmi && !o.rm) throw new TspodError(`InvalidArgument`, `--rmi needs --rm`, {hint: `add --rm, or remove the image later with tspod rmi`});
  if (o.cidfile !== undefined) checkCidfile(o.cidfile);
  for (const a of o.attach ?? []) {
    if (![`stdin`, `stdout`, `stderr`].includes(a.toLowerCase())) throw new TspodError(`InvalidArgument`, `invalid --attach "${a}": want stdin, stdout or stderr`);
  }
  if (o.attach !== undefined && o.attach.length > 0 && o.detach) throw new TspodError(`InvalidArgument`, `--attach and --detach cannot be used together`, {hint: `drop one; tspod attach connects to a detached container later`});
  const driver = logDriverOf(o);
  if (driver === `passthrough` && o.tty)
    throw new TspodError(`InvalidArgument`, `the 'passthrough' log driver cannot be used with -t: a terminal passed down to the container is open to TIOCSTI attacks`, {hint: `drop -t, or use --log-driver k8s-file`});
  if (o.init && o.initPath !== undefined) {
    let ok = false;
    try { ok = statSync(o.initPath).isFile(); } catch {}
    if (!ok) throw new TspodError(`InvalidArgument`, `--init-path ${o.initPath}: no such file`, {hint: `give the path of an init binary such as catatonit or tini`});
  }
  const labels = {...extras.fileLabels, ...parseLabels(o.labels ?? [])};
  const imageVolume = parseImageVolumeMode(o.imageVolume);
  return {name: o.name, pull: parsePullPolicy(o.pull), userns, mounts, envFile, env, capAdd, capDrop, noNewPrivileges, seccomp, network, cgroup, labels, extras, imageVolume, logDriver: driver, timeout};
}

/** podman refuses a --cidfile that exists: another container may own it. */
function checkCidfile(file: string): void {
  let exists = false;
  try {
    lstatSync(file);
    exists = true;
  } catch {}
  if (exists) throw new TspodError(`InvalidArgument`, `container id file ${file} exists`, {hint: `make sure no other container uses it, and delete it`});
}

export interface Prepared {
  record: ContainerRecord;
  spec: RuntimeSpec;
  rootfsMount: RootfsMount;
  /** Anonymous volumes made for this container (removed with it by --rm). */
  anonymousVolumes: Array<string>;
}

function hostDevices(): Array<string> {
  const out: Array<string> = [];
  for (const n of readdirSync(`/dev`)) {
    if (n === `console` || n === `ptmx` || n === `tty`) continue;
    try {
      if (lstatSync(`/dev/${n}`).isCharacterDevice()) out.push(`/dev/${n}`);
    } catch {}
  }
  return out;
}

/** The working directory in the container's own layer, never through a symlink (it could point at the host). */
function mkdirWorkdir(root: string, rel: string): void {
  if (rel.split(`/`).includes(`..`)) throw new TspodError(`InvalidArgument`, `invalid working directory "${rel}"`);
  try {
    mkdirNoFollow(root, rel);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === `ELOOP` || code === `ENOTDIR`)
      throw new TspodError(`InvalidArgument`, `cannot create working directory "${rel}": a part of it is not a directory in the image`);
    throw err;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, `utf8`);
  } catch {
    return undefined;
  }
}

export function idMaps(userns: UsernsMode, paths: {uidFile?: string, gidFile?: string} = {}): {uidMap: Array<IdMapEntry>, gidMap: Array<IdMapEntry>, keepId?: {uid: number, gid: number}} {
  const uid = hostUid();
  const gid = process.getgid ? process.getgid() : 0;
  const user = userName();
  const subU = readSubIds(paths.uidFile ?? `/etc/subuid`, user, uid);
  const subG = readSubIds(paths.gidFile ?? `/etc/subgid`, user, uid);
  if (userns.mode === `keep-id`) {
    if (subU.length === 0 || subG.length === 0)
      throw new TspodError(`Host`, `--userns keep-id needs subordinate ids for ${user} in /etc/subuid and /etc/subgid`, {hint: `usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${user}`});
    const cu = userns.uid ?? uid, cg = userns.gid ?? gid;
    return {uidMap: keepIdMap(uid, cu, subU), gidMap: keepIdMap(gid, cg, subG), keepId: {uid: cu, gid: cg}};
  }
  return {uidMap: defaultIdMap(uid, subU), gidMap: defaultIdMap(gid, subG)};
}

function rootfsMountOf(m: MountSpec): RootfsMount {
  if (m.kind === `mount`) {
    if (m.cwd !== undefined) throw new TspodError(`Unsupported`, `this image has too many layers for one overlay mount`, {hint: `use --storage-driver vfs`});
    return {type: m.type, source: m.source, options: [m.data]};
  }
  if (m.kind === `bind`) return {type: `bind`, source: m.source, options: [`rbind`]};
  return {type: `fuse`, source: m.target, options: [], argv: m.argv};
}

/** A named volume's mount: its directory, or what its --opt says (a tmpfs, a bind of a host directory). */
function volumeMount(volume: VolumeRecord, m: MountRequest): ResolvedMount {
  const o = (volume.Options?.o ?? ``).split(`,`).filter(Boolean);
  if (volume.Options?.type === `tmpfs`)
    return {kind: `tmpfs`, source: ``, destination: m.destination, readonly: m.readonly || o.includes(`ro`), options: [...o.filter(x => x !== `ro` && x !== `rw`), `nosuid`, `nodev`]};
  if (o.includes(`bind`) || o.includes(`rbind`))
    return {kind: `bind`, source: volume.Options.device!, destination: m.destination, readonly: m.readonly || o.includes(`ro`), options: m.options};
  return {kind: `volume`, source: volume.Mountpoint, destination: m.destination, readonly: m.readonly, options: m.options, copyUp: !m.noCopy};
}

/** The stored image `ref` names, and the name it matched (none for an ID). */
export async function findImage(store: Store, ref: string): Promise<{image: Image, name?: string} | undefined> {
  return lookupLocal(await store.images.list(), ref);
}

/** Creates the container in `store` (already opened; the image already local). */
/** `startMeta`: metadata of a run that starts at once, written with the prepared state (one write less). */
export async function prepareContainer(ctx: EngineContext, store: Store, image: Image, ref: string, o: CreateOptions, v: Validated, startMeta?: Record<string, unknown>): Promise<Prepared> {
  const config: ImageConfig = parseImageConfig(await store.blobs.get(image.configDigest));
  const imgCfg = config.config ?? {};
  // /etc/passwd and /etc/group of the image, read from its layers (top first).
  const dirs = store.driver.whiteouts === `vfs` ? (image.topLayer ? [store.driver.diffDir(image.topLayer)] : []) : [...image.layers].reverse().map(l => store.driver.diffDir(l));
  const read = layeredReader(dirs);
  const maps = idMaps(v.userns);
  let user: ResolvedUser;
  let passwd: string | undefined;
  const userSpec = o.user ?? (maps.keepId ? `${maps.keepId.uid}:${maps.keepId.gid}` : imgCfg.User);
  try {
    user = resolveUser(userSpec, read);
  } catch (err) {
    // podman's run fails the start on a user the image lacks: 126, the command cannot be invoked as them.
    if (o.forRun && isTspodError(err, `InvalidArgument`)) throw new TspodError(`CannotInvoke`, err.message, err.hint === undefined ? {} : {hint: err.hint});
    throw err;
  }
  let addedGroup: string | undefined;
  const keepIdUser = maps.keepId !== undefined && o.user === undefined;
  if (keepIdUser) {
    // podman's: the user's own home (the host's passwd, not $HOME) where the container has that
    // directory, in the image or as a mount; else the working directory.
    const own = passwdHome();
    const home = layeredIsDir(dirs, own) || v.mounts.some(m => m.destination === own) ? own : o.workdir || imgCfg.WorkingDir || `/`;
    passwd = passwdWith(read(`/etc/passwd`), {name: userName(), uid: maps.keepId!.uid, gid: maps.keepId!.gid, home, shell: `/bin/sh`});
    if (passwd !== undefined) user = {...user, home, name: userName()};
  } else {
    const added = missingUserEntries(userSpec, user, read, o.workdir || imgCfg.WorkingDir || `/`);
    passwd = added.passwd;
    addedGroup = added.group;
    if (added.home !== undefined) user = {...user, home: added.home};
  }
  const extraGids = v.extras.groupAdd.map(g => groupId(g, read));
  const ulimits = (o.ulimits ?? []).filter(u => u !== `host`).map(parseUlimit);
  const limits = {...parseProcLimits(readText(`/proc/self/limits`) ?? ``), pidMax: Number(readText(`/proc/sys/kernel/pid_max`)?.trim()) || undefined};

  const volumes = new VolumeStore(store.graphRoot);
  const anonymousVolumes: Array<string> = [];
  const namedVolumes: Array<string> = [];
  const resolved: Array<ResolvedMount> = [];
  for (const m of v.mounts) {
    if (m.kind === `volume`) {
      const {volume} = await volumes.create(m.source === `` ? undefined : m.source, {existOk: true});
      (m.source === `` ? anonymousVolumes : namedVolumes).push(volume.Name);
      resolved.push(volumeMount(volume, m));
    } else {
      resolved.push({kind: m.kind, source: m.source, destination: m.destination, readonly: m.readonly, options: m.options});
    }
  }
  if (o.volumesFrom && o.volumesFrom.length > 0) {
    const from = await mountsFrom(store.containers, o.volumesFrom, resolved);
    resolved.push(...from.mounts);
    namedVolumes.push(...from.volumes);
  }
  const imageVolumes = v.imageVolume === `ignore` ? [] : uncoveredImageVolumes(imgCfg.Volumes, resolved);
  for (const destination of imageVolumes) {
    if (v.imageVolume === `tmpfs`) {
      resolved.push({kind: `tmpfs`, source: ``, destination, readonly: false, options: [`rprivate`, `nodev`, `exec`]});
      continue;
    }
    const {volume} = await volumes.create(undefined);
    anonymousVolumes.push(volume.Name);
    resolved.push({kind: `volume`, source: volume.Mountpoint, destination, readonly: false, options: [], copyUp: true});
  }
  // An image volume inside a user's mount (or around one) is mounted in the right order.
  if (imageVolumes.length > 0) resolved.sort((a, b) => depth(a.destination) - depth(b.destination));

  const labels = {...imgCfg.Labels ?? {}, ...v.labels};
  const record = await store.createContainer({
    ...(v.name ? {names: [v.name]} : {generateName: randomContainerName}),
    image: image.id,
    // --rm (podman's volatile containers): gone in seconds, so its records skip the fsync.
    ...(o.rm ? {volatile: true} : {}),
    metadata: {
      state: `configured`, imageName: ref, imageDigest: image.digests[0] ?? image.manifestDigest, autoRemove: Boolean(o.rm), rmPending: Boolean(o.rm && o.forRun), volumes: [...namedVolumes, ...anonymousVolumes],
      anonymousVolumes, createdBy: process.pid, ...(Object.keys(labels).length > 0 ? {labels} : {}),
      ...(v.extras.stopTimeout !== undefined ? {stopTimeout: v.extras.stopTimeout} : {}), ...(o.rmi ? {rmi: true} : {}),
      ...(o.createCommand ? {createCommand: o.createCommand, createImageAt: o.createImageAt} : {}), ...(o.pidfile ? {pidfile: resolve(o.cwd, o.pidfile)} : {}),
      ...(v.logDriver !== `k8s-file` ? {logDriver: v.logDriver} : {}),
      ...(v.timeout ? {timeout: v.timeout} : {}),
      ...(o.podId !== undefined ? {pod: o.podId} : {}), ...(o.infra ? {infra: true} : {}),
      ...healthMeta(o, imgCfg.Healthcheck),
    },
  });
  try {
    const name = record.names[0] ?? record.id.slice(0, 12);
    const net = await settleNetwork(ctx, store, v.network, {...imgCfg.ExposedPorts, ...v.extras.expose}, m => ctx.log.warn(m));
    const network = await networkSetup(ctx, store, net, v.network, join(ctx.installDir, `helpers/tspod-helper`));
    const shared = await resolveNamespaceJoins(ctx, store, v.extras, network.namespace.kind === `join` ? network.namespace.userns : undefined);
    const hostname = o.hostname ?? shared.hostname ?? (v.extras.hostUts ? osHostname() : undefined) ?? defaultHostname(net) ?? record.id.slice(0, 12);
    const userdata = store.containers.userdataDir(record.id);
    const secretEnv = await provideSecrets(store.graphRoot, userdata, o.secrets ?? [], resolved);
    const group = addedGroup ?? (passwd !== undefined && keepIdUser && !parseGroup(read(`/etc/group`)).some(g => g.gid === maps.keepId!.gid)
      ? `${read(`/etc/group`) ?? ``}${userName()}:x:${maps.keepId!.gid}:\n` : undefined);
    const initFiles = await writeInitLayer(userdata, {
      id: record.id, name, hostname, image: ref, imageId: image.id, privileged: Boolean(o.privileged), hostResolvConf: readText(`/etc/resolv.conf`), passwd, group,
      ...networkFiles(net, v.network, {hostname, name}),
      ...(o.noHosts ? {noHosts: true} : {}),
    });
    // podman creates the image's working directory when it is missing (in the container's own
    // layer), but not one given with -w: a typo there fails the start instead (podman #9054).
    // Checked here for run (so runc, which would make it, fails the same); a create fails at its start.
    const onMount = (p: string) => resolved.some(m => p === m.destination || p.startsWith(`${m.destination.replace(/\/$/, ``)}/`));
    if (o.forRun && o.workdir && o.workdir !== `/` && !layeredIsDir(dirs, o.workdir) && !onMount(o.workdir))
      throw new TspodError(`CannotInvoke`, `workdir "${o.workdir}" does not exist on container ${record.id}`, {hint: `create it in the image, mount a volume there, or give an existing directory with -w`});
    const workdir = o.workdir ? undefined : imgCfg.WorkingDir;
    if (workdir && workdir !== `/` && !layeredIsDir(dirs, workdir)) {
      mkdirWorkdir(store.driver.diffDir(record.layer), workdir);
    }
    const mountSpec = await store.mountSpec(record.id);
    const spec = buildSpec({
      id: record.id, image: imgCfg, command: o.command, entrypoint: o.entrypoint, envFile: v.envFile, env: [...v.env, ...secretEnv], user,
      workdir: o.workdir, hostname, tty: Boolean(o.tty), readOnly: Boolean(o.readOnly), privileged: Boolean(o.privileged),
      init: Boolean(o.init), initBinary: o.initPath ?? join(ctx.installDir, `helpers/tspod-helper`), customInit: o.initPath !== undefined, bindHelper: Boolean(o.infra), capAdd: v.capAdd, capDrop: v.capDrop,
      noNewPrivileges: v.noNewPrivileges, seccomp: v.seccomp, ulimits, mounts: resolved, initFiles, rootfs: mountSpec.target,
      uidMap: maps.uidMap, gidMap: maps.gidMap,
      host: {...limits, devices: o.privileged ? hostDevices() : []},
      network, joins: shared.joins,
      extras: v.extras, extraGids,
    });
    applyCgroup(spec, v.cgroup, record.id, join(userdata, `memory.events`));
    applySdNotify(spec, parseSdNotify(o.sdnotify), o.hostEnv.NOTIFY_SOCKET, userdata);
    const rootfsMount = rootfsMountOf(mountSpec);
    // The new container's own directory: written once, nothing reads it yet (update replaces it atomically).
    writeFileSync(join(userdata, `config.json`), `${JSON.stringify(spec, null, 2)}\n`, {flag: `wx`});
    const rec = await store.containers.updateRecord(record.id, c => {
      c.metadata = {...c.metadata, state: `created`, rootfsMount, network: net, ...(Object.keys(shared.targets).length > 0 ? {sharedNamespaces: shared.targets} : {}), commitConfig: commitConfigOf(imgCfg, spec, o), specSummary: specSummary(spec), ...startMeta};
    });
    if (o.cidfile !== undefined) writeCidfile(o.cidfile, rec.id);
    return {record: rec, spec, rootfsMount, anonymousVolumes};
  } catch (err) {
    await removeContainer(store, record.id, anonymousVolumes).catch(() => undefined);
    throw err;
  }
}

/**
 * --secret: each mount-type secret copied into the container's own directory (removing the
 * secret later leaves the container working, as podman's) and bound read-only at its target;
 * the env-type ones returned as variables.
 */
async function provideSecrets(graphRoot: string, userdata: string, flags: ReadonlyArray<string>, mounts: Array<ResolvedMount>): Promise<Array<[string, string]>> {
  if (flags.length === 0) return [];
  const store = new SecretStore(graphRoot);
  const env: Array<[string, string]> = [];
  for (const [i, f] of flags.entries()) {
    const req = parseSecretFlag(f);
    const secret = await store.mustLookup(req.name);
    const data = await store.data(secret);
    if (req.type === `env`) {
      env.push([req.target, data.toString()]);
      continue;
    }
    const dir = join(userdata, `secrets`);
    mkdirSync(dir, {recursive: true, mode: 0o700});
    const file = join(dir, `${i}-${secret.ID}`);
    writeFileSync(file, data, {mode: req.mode});
    chmodSync(file, req.mode); // the umask must not narrow it
    mounts.push({kind: `bind`, source: file, destination: req.target, readonly: true, options: []});
  }
  return env;
}

/** `wx`: a file made meanwhile (another container's) is not overwritten. */
function writeCidfile(file: string, id: string): void {
  try {
    writeFileSync(file, id, {flag: `wx`});
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TspodError(`InvalidArgument`, code === `EEXIST` ? `container id file ${file} exists` : `cannot write the container id file ${file}: ${code ?? (err as Error).message}`, {hint: `give a --cidfile path in a writable directory that does not exist yet`});
  }
}

/** A --group-add entry: a gid, or a group of the image's /etc/group. */
function groupId(g: string, read: (path: string) => string | undefined): number {
  if (/^\d+$/.test(g)) return Number(g);
  const e = parseGroup(read(`/etc/group`)).find(x => x.name === g);
  if (!e) throw new TspodError(`InvalidArgument`, `--group-add ${g}: no such group in the image's /etc/group`, {hint: `give a gid, or a group the image has`});
  return e.gid;
}

/** Removes a container, its layer and its anonymous volumes. */
export async function removeContainer(store: Store, id: string, anonymousVolumes: ReadonlyArray<string>): Promise<void> {
  await store.deleteContainer(id);
  const volumes = new VolumeStore(store.graphRoot);
  for (const n of anonymousVolumes)
    await volumes.remove(n, p => store.removeTree(p)).catch(() => undefined);
}

function alive(pid: unknown): boolean {
  if (typeof pid !== `number` || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === `EPERM`;
  }
}

/**
 * `--rm` containers whose tspod died (kill -9) are removed by the next command:
 * a container marked autoRemove whose runner and helper are both gone.
 */
export async function sweepLeftovers(store: Store): Promise<Array<string>> {
  const removed: Array<string> = [];
  for (const c of await store.containers.list()) {
    const md = c.metadata as {rmPending?: boolean, runnerPid?: number, helperPid?: number, createdBy?: number, anonymousVolumes?: Array<string>};
    if (!md.rmPending) continue;
    if (alive(md.runnerPid) || alive(md.helperPid) || alive(md.createdBy)) continue;
    // The helper's pid is recorded asynchronously; the container's own pid file is the backstop.
    const pidText = readText(join(store.containers.userdataDir(c.id), `pidfile`));
    if (pidText !== undefined && alive(Number(pidText.trim()))) continue;
    await removeContainer(store, c.id, md.anonymousVolumes ?? []).catch(() => undefined);
    removed.push(c.id);
  }
  return removed;
}

/**
 * What `commit` writes into the new image's config (podman: the container's own
 * command, entrypoint, env, user and working directory, not just its image's).
 */
function commitConfigOf(imgCfg: ImageRuntimeConfig, spec: RuntimeSpec, o: {command: Array<string>, entrypoint?: string | undefined, user?: string | undefined, workdir?: string | undefined}): Record<string, unknown> {
  const {entrypoint, cmd} = entrypointAndCmd(imgCfg, o.command, o.entrypoint);
  // tspod's own markers in every container's environment are not the user's settings.
  const env = (spec.process?.env ?? []).filter(e => !/^(container|HOSTNAME|TERM)=/.test(e) || (imgCfg.Env ?? []).includes(e));
  return {Entrypoint: entrypoint, Cmd: cmd, Env: env, User: o.user ?? imgCfg.User ?? ``, WorkingDir: o.workdir || imgCfg.WorkingDir || ``};
}
