// `ps`: every container with its reconciled state, podman's JSON fields.
import {readlinkSync} from 'node:fs';
import {containerSize, imageSizes} from '../lifecycle/containerSize';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {listFresh, openContainers, readSpec} from '../lifecycle/containers';
import {specSummary} from '../lifecycle/specSummary';
import type {SpecSummary} from '../lifecycle/specSummary';
import {isRunning, podmanStatus, statusLine} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import type {NetworkConfig} from '../../network/Network';
import {healthStatusOf} from '../lifecycle/health';
import {untilTime} from './pruneFilters';

export interface PsOptions {
  all?: boolean;
  filters?: Array<string>;
  size?: boolean;
  last?: number | undefined;
  /** --ns: each running container's namespaces (their inode numbers), as podman's Namespaces. */
  namespaces?: boolean;
}

const NS_FILES: Array<[string, string]> = [[`Mnt`, `mnt`], [`Cgroup`, `cgroup`], [`Ipc`, `ipc`], [`Net`, `net`], [`Pidns`, `pid`], [`Uts`, `uts`], [`User`, `user`]];

/** `/proc/PID/ns/*` as podman reports them: the inode number of each (none for a gone process). */
function namespacesOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (pid <= 0) return out;
  for (const [key, file] of NS_FILES) {
    try {
      out[key] = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/${file}`))?.[1] ?? ``;
    } catch {}
  }
  return out;
}

/** podman's `ps --format json` entry. */
export interface PsEntry {
  AutoRemove: boolean;
  Command: Array<string>;
  CreatedAt: string;
  Exited: boolean;
  ExitedAt: number;
  ExitCode: number;
  Id: string;
  Image: string;
  ImageID: string;
  IsInfra: boolean;
  Labels: Record<string, string> | null;
  Mounts: Array<string>;
  Names: Array<string>;
  Namespaces: Record<string, string>;
  Networks: Array<string>;
  Pid: number;
  Pod: string;
  PodName: string;
  /** podman's: one per -p mapping, null when none. */
  Ports: Array<{host_ip: string, container_port: number, host_port: number, range: number, protocol: string}> | null;
  Size: {rootFsSize: number, rwSize: number} | null;
  StartedAt: number;
  State: string;
  Status: string;
  Created: number;
}

const ZERO_UNIX = -62135596800;
const unix = (s: unknown) => typeof s === `string` ? Math.floor(Date.parse(s) / 1000) : ZERO_UNIX;

/** The creation time (ms) of the container a before=/since= filter names, among those listed. */
function createdOf(list: ReadonlyArray<ContainerRecord>, ref: string): number {
  const c = list.find(x => x.names.includes(ref)) ?? list.find(x => x.id.startsWith(ref));
  if (!c) throw new TspodError(`NoSuchContainer`, `no container with name or ID "${ref}" found: no such container`);
  return Date.parse(c.created);
}

function matches(c: ContainerRecord, e: PsEntry, filters: Array<[string, string]>, health: string | undefined, list: ReadonlyArray<ContainerRecord>): boolean {
  const by = new Map<string, Array<string>>();
  for (const [k, v] of filters) by.set(k, [...(by.get(k) ?? []), v]);
  for (const [k, vs] of by) {
    const ok = vs.some(v => {
      switch (k) {
        case `name`: return c.names.some(n => new RegExp(v).test(n));
        case `id`: return c.id.startsWith(v);
        case `status`: return e.State === v || (v === `stopped` && e.State === `exited`);
        case `ancestor`: return e.Image === v || e.Image.startsWith(`${v}:`) || e.Image.split(`/`).pop() === v || e.Image.split(`/`).pop()?.split(`:`)[0] === v || e.ImageID.startsWith(v);
        case `label`: {
          const i = v.indexOf(`=`); // label=KEY or label=KEY=VALUE (the value may hold `=`)
          const labels = e.Labels ?? {};
          const lk = i < 0 ? v : v.slice(0, i);
          return Object.hasOwn(labels, lk) && (i < 0 || labels[lk] === v.slice(i + 1));
        }
        case `exited`: return e.Exited && e.ExitCode === Number(v);
        case `health`: return (health ?? ``) === (v === `none` ? `` : v);
        case `restart-policy`: return String((c.metadata as {restartPolicy?: unknown}).restartPolicy ?? `no`).split(`:`)[0] === v; // tspod-restart.service
        case `before`: return Date.parse(c.created) < createdOf(list, v);
        case `since`: return Date.parse(c.created) > createdOf(list, v);
        case `until`: return Date.parse(c.created) <= untilTime(v);
        case `volume`: return ((c.metadata as {volumes?: Array<string>}).volumes ?? []).includes(v) || e.Mounts.includes(v);
        case `network`: return networkModeOf(c) === v;
        case `pod`: return e.Pod !== `` && (e.PodName === v || e.Pod.startsWith(v));
        default: throw new TspodError(`InvalidArgument`, `invalid filter "${k}"`, {hint: `use name, id, status, ancestor, label, exited, health, before, since, until, volume, network or restart-policy`});
      }
    });
    if (!ok) return false;
  }
  return true;
}

/** The network mode's name as podman's network= filter takes it (none, host, pasta, slirp4netns, container:ID). */
function networkModeOf(c: ContainerRecord): string {
  const mode = (c.metadata as {network?: NetworkConfig}).network?.mode as {kind?: string} | undefined;
  return mode?.kind ?? ``;
}

/** A container created before records kept the summary: read its spec. */
function summaryFromSpec(c: ContainerRecord, cs: {userdataDir(id: string): string}): SpecSummary {
  try {
    return specSummary(readSpec(cs as never, c.id));
  } catch {
    return specSummary(undefined);
  }
}

export function psEntry(ctx: EngineContext, c: ContainerRecord, cs: {userdataDir(id: string): string}, withSize: boolean): PsEntry {
  const m = c.metadata as LifeMeta;
  const summary = (m.specSummary as SpecSummary | undefined) ?? summaryFromSpec(c, cs);
  const st = podmanStatus(m);
  const labels = (m.labels as Record<string, string> | undefined) ?? null;
  return {
    AutoRemove: Boolean(m.autoRemove),
    Command: summary.command,
    CreatedAt: ``,
    Exited: st === `exited`,
    ExitedAt: unix(m.finishedAt),
    ExitCode: m.exitCode ?? 0,
    Id: c.id,
    Image: typeof m.imageName === `string` ? m.imageName : c.image,
    ImageID: c.image,
    IsInfra: (m as {infra?: unknown}).infra === true,
    Labels: labels,
    Mounts: summary.mounts,
    Names: c.names.length ? [...c.names] : [c.id.slice(0, 12)],
    Namespaces: {},
    Networks: [],
    Pid: isRunning(m) ? (m.pid ?? 0) : 0,
    Pod: typeof m.pod === `string` ? m.pod : ``,
    PodName: ``,
    Ports: portsOf((m as {network?: NetworkConfig}).network),
    Size: withSize ? {rootFsSize: 0, rwSize: 0} : null,
    StartedAt: unix(m.startedAt),
    State: st,
    Status: withHealth(statusLine(m, Date.now()), m.state === `running` ? healthStatusOf(cs.userdataDir(c.id), m.healthcheck) : ``),
    Created: unix(c.created),
  };
  void ctx;
}

/** podman's `Up 5 seconds (healthy)`. */
function withHealth(status: string, health: string): string {
  return health ? `${status} (${health})` : status;
}

const FILTER_KEYS = new Set([`name`, `id`, `status`, `ancestor`, `label`, `exited`, `health`, `restart-policy`, `before`, `since`, `until`, `volume`, `network`, `pod`]);

export async function listContainers(ctx: EngineContext, o: PsOptions): Promise<Array<PsEntry>> {
  // Refused before anything is read, as podman's: even with no container to test it on.
  const filters = (o.filters ?? []).map(f => {
    const i = f.indexOf(`=`);
    if (i < 0) throw new TspodError(`InvalidArgument`, `invalid filter "${f}": want KEY=VALUE`);
    const k = f.slice(0, i);
    if (!FILTER_KEYS.has(k)) throw new TspodError(`InvalidArgument`, `${k} is an invalid filter`, {hint: `use ${[...FILTER_KEYS].join(`, `)}`});
    return [k, f.slice(i + 1)] as [string, string];
  });
  const cs = openContainers(ctx);
  if (!cs) return [];
  try {
    let list = await listFresh(ctx, cs);
    list.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    if (o.last !== undefined && o.last >= 0) list = list.slice(0, o.last);
    const out: Array<PsEntry> = [];
    const podNames = await podNamesOf(ctx, list);
    const imageSize = o.size ? imageSizes(cs.dir) : new Map<string, number>();
    const health = (c: ContainerRecord) => isRunning(c.metadata as LifeMeta) ? healthStatusOf(cs.userdataDir(c.id), (c.metadata as LifeMeta).healthcheck) : ``;
    for (const c of list) {
      const e = psEntry(ctx, c, cs, Boolean(o.size));
      if (e.Pod !== ``) e.PodName = podNames.get(e.Pod) ?? ``;
      if (!o.all && o.last === undefined && e.State !== `running` && e.State !== `paused`) continue;
      if (!matches(c, e, filters, health(c), list)) continue;
      if (o.size && e.Size) e.Size = containerSize(ctx.paths.graphRoot, c.layer, imageSize.get(c.image) ?? 0);
      if (o.namespaces) e.Namespaces = namespacesOf(e.Pid);
      out.push(e);
    }
    return out;
  } finally {
    cs.close();
  }
}

/** Pod id → name, read only when a container is in a pod (ps stays one index read otherwise). */
async function podNamesOf(ctx: EngineContext, list: ReadonlyArray<ContainerRecord>): Promise<Map<string, string>> {
  if (!list.some(c => typeof c.metadata.pod === `string`)) return new Map();
  const {PodStore} = await import(`../../storage/PodStore`);
  const pods = new PodStore(ctx.paths.graphRoot, {readOnly: true});
  try {
    return new Map((await pods.list()).map(p => [p.id, p.name]));
  } finally {
    pods.close();
  }
}

function portsOf(net: NetworkConfig | undefined): PsEntry[`Ports`] {
  const ports = net?.ports ?? [];
  if (ports.length === 0) return null;
  return ports.map(p => ({host_ip: p.hostIp, container_port: p.containerPort, host_port: p.hostPort, range: p.range, protocol: p.protocol}));
}

