// `container inspect`: podman's field names and shapes, from the record, its OCI
// spec and the reconciled state.
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import type {ContainerRecord, ContainerStore} from '../../storage/ContainerStore';
import {logPath, mustLookup, nameOf, openContainers, readSpec, recordedLogDriver, refresh, runFiles} from '../lifecycle/containers';
import {isRunning, parseRestartPolicy, podmanStatus} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {stopSignalOf} from './stop';
import {readHealth} from '../lifecycle/health';
import type {HealthState} from '../lifecycle/health';
import {inspectCgroup} from '../run/cgroup';
import {recordedRuntime} from '../run/runtime';
import {containerSize, imageSizes} from '../lifecycle/containerSize';
import {portBindings} from '../../network/ports';
import type {NetworkConfig, NetworkMode} from '../../network/Network';
import type {RuntimeSpec} from '../../oci/runtimeSpec';

const ZERO = `0001-01-01T00:00:00Z`;

/** State.Health: a container with a check that never ran is `starting`. */
function healthOf(userdata: string): HealthState {
  const h = readHealth(userdata);
  return {...h, Status: h.Status || `starting`};
}

/** A mount of one of the container's volumes (its source is `volumes/NAME/_data`) shows as podman's: Type volume, its Name. */
function volumeOf(source: string | undefined, volumes: ReadonlyArray<string> | undefined): {Type: string, Name?: string, Driver: string} {
  const name = /\/volumes\/([^/]+)\/_data$/.exec(source ?? ``)?.[1];
  return name !== undefined && volumes?.includes(name) ? {Type: `volume`, Name: name, Driver: `local`} : {Type: `bind`, Driver: ``};
}

export function inspectRecord(ctx: EngineContext, cs: ContainerStore, c: ContainerRecord): Record<string, unknown> {
  const m = c.metadata as LifeMeta;
  let spec: ReturnType<typeof readSpec> | undefined;
  try { spec = readSpec(cs, c.id); } catch {}
  const proc = spec?.process;
  const env = proc?.env ?? [];
  const status = podmanStatus(m);
  const running = isRunning(m);
  const userdata = cs.userdataDir(c.id);
  const f = runFiles(ctx.paths.runRoot, c.id);
  const driver = cs.dir.split(`/`).pop()!.replace(/-containers$/, ``);
  const policy = (() => { try { return parseRestartPolicy(m.restartPolicy); } catch { return {name: `no`, max: 0}; } })();
  const mounts = (spec?.mounts ?? []).filter(x => (x.type === `bind` || x.options?.includes(`bind`) || x.options?.includes(`rbind`)) && !/^\/(etc\/(hosts|hostname|resolv\.conf|passwd|group)|run\/\.containerenv|dev\/)/.test(x.destination));
  const annotations = spec?.annotations ?? {};
  const cg = inspectCgroup(spec, userdata); // cgroups work: OOMKilled and the limits
  const net = (m as {network?: NetworkConfig}).network;
  const bindings = portBindings(net?.ports ?? []);
  // The container's own command, entrypoint and user (prepare.ts commitConfigOf).
  const cc = (m as {commitConfig?: {Entrypoint?: unknown, Cmd?: unknown, User?: unknown}}).commitConfig;
  return {
    Id: c.id,
    Created: c.created,
    Path: proc?.args?.[0] ?? ``,
    Args: proc?.args?.slice(1) ?? [],
    State: {
      OciVersion: spec?.ociVersion ?? `1.0.2`,
      Status: status,
      Running: running,
      Paused: m.state === `paused`,
      Restarting: false,
      OOMKilled: !running && cg.oomKilled,
      Dead: false,
      Pid: running ? (m.pid ?? 0) : 0,
      ConmonPid: running ? (m.monitorPid ?? 0) : 0,
      ExitCode: m.exitCode ?? 0,
      Error: m.startError ?? ``,
      StartedAt: m.startedAt ?? ZERO,
      FinishedAt: m.finishedAt ?? ZERO,
      Health: m.healthcheck ? healthOf(userdata) : {Status: ``, FailingStreak: 0, Log: null},
      CheckpointedAt: ZERO,
      RestoredAt: ZERO,
    },
    Image: c.image,
    ImageDigest: typeof m.imageDigest === `string` ? m.imageDigest : ``,
    ImageName: m.imageName ?? ``,
    Rootfs: ``,
    Pod: typeof m.pod === `string` ? m.pod : ``,
    ResolvConfPath: join(userdata, `resolv.conf`),
    HostnamePath: join(userdata, `hostname`),
    HostsPath: join(userdata, `hosts`),
    StaticDir: userdata,
    OCIConfigPath: join(userdata, `config.json`),
    OCIRuntime: (m.runtime as {name?: string} | undefined)?.name ?? `tspod-helper`,
    ConmonPidFile: ``,
    PidFile: typeof m.pidfile === `string` ? m.pidfile : f.pidFile,
    Name: nameOf(c),
    RestartCount: m.restartCount ?? 0,
    Driver: driver,
    MountLabel: ``,
    ProcessLabel: ``,
    AppArmorProfile: ``,
    EffectiveCaps: proc?.capabilities?.effective ?? [],
    BoundingCaps: proc?.capabilities?.bounding ?? [],
    ExecIDs: [],
    GraphDriver: {Name: driver, Data: null},
    Mounts: mounts.map(x => ({
      ...volumeOf(x.source, (m as {volumes?: Array<string>}).volumes),
      Source: x.source ?? ``, Destination: x.destination, Mode: ``,
      Options: (x.options ?? []).filter(o => o !== `ro` && o !== `rw`), RW: !(x.options ?? []).includes(`ro`), Propagation: `rprivate`,
    })),
    Dependencies: [],
    NetworkSettings: {
      EndpointID: ``, Gateway: ``, IPAddress: ``, IPPrefixLen: 0, IPv6Gateway: ``, GlobalIPv6Address: ``,
      GlobalIPv6PrefixLen: 0, MacAddress: ``, Bridge: ``, SandboxID: ``, HairpinMode: false,
      LinkLocalIPv6Address: ``, LinkLocalIPv6PrefixLen: 0, Ports: bindings, SandboxKey: ``,
    },
    Namespace: ``,
    IsInfra: (m as {infra?: unknown}).infra === true,
    IsService: false,
    Config: {
      Hostname: spec?.hostname ?? c.id.slice(0, 12),
      Domainname: ``,
      // As given (-u, else the image's USER), as podman keeps it; numbers for a record without it.
      User: typeof cc?.User === `string` ? cc.User : proc ? `${proc.user.uid === 0 && proc.user.gid === 0 ? `` : `${proc.user.uid}:${proc.user.gid}`}` : ``,
      AttachStdin: false, AttachStdout: false, AttachStderr: false,
      Tty: Boolean(proc?.terminal),
      OpenStdin: Boolean(m.interactive),
      StdinOnce: false,
      Env: env,
      Cmd: Array.isArray(cc?.Cmd) ? cc.Cmd : proc?.args ?? [],
      Image: m.imageName ?? ``,
      Volumes: null,
      WorkingDir: proc?.cwd ?? `/`,
      // podman 4: the entrypoint's words joined into one string.
      Entrypoint: Array.isArray(cc?.Entrypoint) ? cc.Entrypoint.join(` `) : ``,
      OnBuild: null,
      Labels: (m.labels as Record<string, string> | undefined) ?? null,
      Annotations: annotations,
      StopSignal: stopSignalOf(cs, c.id),
      Umask: `00${(proc?.user.umask ?? 0o22).toString(8)}`.slice(-4),
      Timeout: 0,
      StopTimeout: typeof m.stopTimeout === `number` ? m.stopTimeout : 10,
      CreateCommand: Array.isArray(m.createCommand) ? m.createCommand : null,
      ...(m.healthcheck ? {Healthcheck: m.healthcheck, HealthcheckOnFailureAction: m.healthOnFailure ?? `none`} : {}),
    },
    HostConfig: {
      // podman names a volume by its name here, a bind by its host path.
      Binds: mounts.map(x => `${volumeOf(x.source, (m as {volumes?: Array<string>}).volumes).Name ?? x.source}:${x.destination}`),
      ...cg.hostConfig,
      // podman 4's CgroupMode is the --cgroupns mode (runc's containers keep the host's: runtime/ociSpec.ts).
      CgroupMode: recordedRuntime(m) ? `host` : nsMode(spec, `cgroup`, undefined),
      ContainerIDFile: ``,
      LogConfig: {Type: recordedLogDriver(c.metadata), Config: null, Path: recordedLogDriver(c.metadata) === `k8s-file` ? logPath(cs, c.id) : ``, Tag: ``, Size: typeof m.logMax === `number` ? `${m.logMax}B` : `0B`},
      NetworkMode: networkModeName(net?.mode),
      PortBindings: bindings,
      RestartPolicy: {Name: policy.name === `no` ? `` : policy.name, MaximumRetryCount: policy.max},
      AutoRemove: Boolean(m.autoRemove),
      VolumeDriver: ``,
      VolumesFrom: null,
      CapAdd: [],
      CapDrop: [],
      Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: [], GroupAdd: [],
      IpcMode: nsMode(spec, `ipc`, m.sharedNamespaces),
      PidMode: nsMode(spec, `pid`, m.sharedNamespaces),
      UTSMode: nsMode(spec, `uts`, m.sharedNamespaces),
      UsernsMode: ``,
      Privileged: Boolean(annotations[`io.podman.annotations.privileged`] === `TRUE`),
      ReadonlyRootfs: Boolean(spec?.root?.readonly),
      SecurityOpt: annotations[`io.podman.annotations.seccomp`] ? [`seccomp=${annotations[`io.podman.annotations.seccomp`]}`] : [],
      Tmpfs: userTmpfs(spec),
      ShmSize: shmSize(spec),
      Ulimits: (proc?.rlimits ?? []).map(r => ({Name: r.type, Soft: r.soft, Hard: r.hard})),
      Devices: [], Links: null, PublishAllPorts: false, ConsoleSize: [0, 0], Isolation: ``, Cgroup: ``, CgroupParent: ``,
      OomKillDisable: false, MemorySwappiness: 0, KernelMemory: 0, DiskQuota: 0,
      Runtime: `oci`,
      Memory: 0, NanoCpus: 0, CpuShares: 0, PidsLimit: 0,
      ...cg.hostConfig, // the container's limits (cgroups work: engine/run/cgroup.ts)
    },
  };
}

/** `host` when the container shares the host's namespace of this type (no entry in the spec). */
function nsMode(spec: RuntimeSpec | undefined, type: string, shared: unknown): string {
  const target = (shared as Record<string, string> | undefined)?.[type];
  if (target !== undefined) return `container:${target}`;
  return spec?.linux?.namespaces?.some(n => n.type === type) === false ? `host` : `private`;
}

/** /dev/shm's size (--shm-size; podman's default 64m). */
function shmSize(spec: RuntimeSpec | undefined): number {
  const size = spec?.mounts?.find(m => m.destination === `/dev/shm`)?.options?.find(o => o.startsWith(`size=`))?.slice(5);
  const n = size === undefined ? NaN : Number.parseInt(size, 10) * ({k: 1024, m: 1 << 20, g: 1 << 30}[size.slice(-1).toLowerCase()] ?? 1);
  return Number.isFinite(n) ? n : 65536000;
}

/** --tmpfs and --mount type=tmpfs mounts, as podman lists them: destination → options. */
function userTmpfs(spec: RuntimeSpec | undefined): Record<string, string> {
  const standard = new Set([`/dev`, `/dev/shm`, `/dev/mqueue`, `/proc`, `/sys`, `/dev/pts`, `/sys/fs/cgroup`]);
  return Object.fromEntries((spec?.mounts ?? []).filter(m => m.type === `tmpfs` && !standard.has(m.destination)).map(m => [m.destination, (m.options ?? []).join(`,`)]));
}

export async function inspectContainers(ctx: EngineContext, o: {containers: Array<string>, size?: boolean}): Promise<{found: Array<Record<string, unknown>>, errors: Array<unknown>}> {
  const cs = openContainers(ctx);
  const imageSize = o.size && cs ? imageSizes(cs.dir) : undefined;
  const found: Array<Record<string, unknown>> = [], errors: Array<unknown> = [];
  try {
    for (const ref of o.containers) {
      try {
        const c = await refresh(ctx, cs!, await mustLookup(cs, ref));
        const doc = inspectRecord(ctx, cs!, c);
        if (imageSize) {
          const s = containerSize(ctx.paths.graphRoot, c.layer, imageSize.get(c.image) ?? 0);
          Object.assign(doc, {SizeRw: s.rwSize, SizeRootFs: s.rootFsSize});
        }
        found.push(doc);
      } catch (err) {
        errors.push(err);
      }
    }
  } finally {
    cs?.close();
  }
  return {found, errors};
}

/** podman's HostConfig.NetworkMode words. */
function networkModeName(mode: NetworkMode | undefined): string {
  if (!mode) return `none`;
  return mode.kind === `container` ? `container:${mode.target}` : mode.kind;
}
