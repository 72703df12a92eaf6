// `tspod pod create|ps|inspect|exists|rm|prune`: a pod is a record in the PodStore plus
// its containers (each container names its pod), the first of them its infra container,
// which holds the namespaces the pod shares. Order keeps the store consistent whatever
// moment a tspod is killed at: create writes the pod before its infra (a pod left without
// one is made whole by its next start, or removed by pod rm/prune), rm removes the
// containers before the pod.
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {PodStore} from '../../storage/PodStore';
import type {PodRecord} from '../../storage/PodStore';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {checkHostname, parseLabels} from '../run/options';
import {randomContainerName} from '../run/containerNames';
import {emitEvents, podEvent} from '../events/emit';
import {validateNetwork} from '../run/network';
import {listFresh, openContainers} from '../lifecycle/containers';
import {isRunning, podmanStatus} from '../lifecycle/state';
import {isAlive, startTimeOf} from '../lifecycle/procStat';
import type {LifeMeta} from '../lifecycle/state';
import {infraOf, noSuchPod, podMembers, podStatus} from '../pod/podState';
import type {PodStatus} from '../pod/podState';

export interface PodCreateOptions {
  name?: string | undefined;
  labels?: Array<string>;
  /** --infra (default true). */
  infra?: boolean;
  infraName?: string | undefined;
  /** --share: a comma list of net, ipc, uts, pid (default net,ipc,uts). */
  share?: string | undefined;
  hostname?: string | undefined;
  network?: string | undefined;
  publish?: Array<string>;
  dns?: Array<string>;
  dnsSearch?: Array<string>;
  dnsOption?: Array<string>;
  addHost?: Array<string>;
  createCommand?: Array<string>;
  cwd: string;
  hostEnv: Readonly<Record<string, string | undefined>>;
}

const SHAREABLE = [`net`, `ipc`, `uts`, `pid`];

function parseShare(v: string | undefined): Array<string> {
  const kinds = (v ?? `net,ipc,uts`).split(`,`).map(s => s.trim()).filter(s => s !== ``);
  for (const k of kinds) {
    if (k === `cgroup`) continue; // podman's default list has it; tspod makes no pod cgroup
    if (!SHAREABLE.includes(k)) throw new TspodError(`InvalidArgument`, `invalid kernel namespace to share: ${k}`, {hint: `use a comma list of net, ipc, uts and pid`});
  }
  if (kinds.includes(`pid`) && !kinds.includes(`net`))
    throw new TspodError(`Unsupported`, `--share pid without net is not supported by tspod`, {hint: `share net too (--share net,pid,...)`});
  return kinds.filter(k => k !== `cgroup`).sort();
}

function withPods<T>(ctx: EngineContext, fn: (pods: PodStore) => Promise<T>): Promise<T> {
  const pods = new PodStore(ctx.paths.graphRoot);
  return fn(pods).finally(() => pods.close());
}

/** Makes the pod's infra container (pod create; again by a start when a killed create never did). */
export async function createInfra(ctx: EngineContext, pod: PodRecord): Promise<string> {
  const i = pod.infra as Omit<PodCreateOptions, `cwd` | `hostEnv`> | undefined;
  if (!i) throw new Error(`Assertion failed: createInfra of a pod without infra`);
  const {ensureInfraImage} = await import(`../pod/infraImage`);
  const image = await ensureInfraImage(ctx);
  const {createContainer} = await import(`./run`);
  const {id} = await createContainer(ctx, {
    image, command: [], name: i.infraName ?? `${pod.id.slice(0, 12)}-infra`, pull: `never`, cwd: `/`, hostEnv: {PATH: ctx.env.PATH},
    network: i.network, publish: i.publish ?? [], dns: i.dns ?? [], dnsSearch: i.dnsSearch ?? [], dnsOption: i.dnsOption ?? [], addHost: i.addHost ?? [],
    ...(pod.share.includes(`uts`) ? {hostname: pod.hostname ?? pod.name} : {}),
    podId: pod.id, infra: true,
  });
  return id;
}

export async function createPod(ctx: EngineContext, o: PodCreateOptions): Promise<PodRecord> {
  const share = parseShare(o.share);
  const infra = o.infra !== false;
  const labels = parseLabels(o.labels ?? []);
  if (o.name !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(o.name))
    throw new TspodError(`InvalidArgument`, `invalid pod name "${o.name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  if (o.hostname !== undefined) checkHostname(o.hostname);
  const networkFlags = (o.network ?? ``) !== `` || (o.publish ?? []).length > 0 || (o.dns ?? []).length > 0 || (o.addHost ?? []).length > 0 || (o.dnsSearch ?? []).length > 0 || (o.dnsOption ?? []).length > 0;
  if (!infra && (networkFlags || o.infraName !== undefined))
    throw new TspodError(`InvalidArgument`, `you must have an infra container to publish ports, set the network or name the infra`, {hint: `drop --infra=false`});
  if (!infra) share.splice(0, share.length); // nothing holds a namespace to share
  if (infra) {
    validateNetwork(o, o.hostEnv.PATH); // bad flags fail before anything is made
    if (o.network?.startsWith(`container:`)) throw new TspodError(`Unsupported`, `--network container:NAME is not supported for a pod`, {hint: `use none, host, pasta or slirp4netns`});
  }
  const pod = await withPods(ctx, pods => pods.create({
    name: o.name, labels, share, ...(o.hostname !== undefined ? {hostname: o.hostname} : {}),
    ...(o.createCommand ? {createCommand: o.createCommand} : {}),
    ...(infra ? {infra: {
      ...(o.infraName !== undefined ? {infraName: o.infraName} : {}), network: o.network, publish: o.publish ?? [], dns: o.dns ?? [], dnsSearch: o.dnsSearch ?? [], dnsOption: o.dnsOption ?? [], addHost: o.addHost ?? [],
    }, creating: {pid: process.pid, ...withStart(startTimeOf(process.pid))}} : {}),
  }, randomContainerName));
  if (!infra) {
    emitEvents(ctx, [podEvent(`create`, pod)]);
    return pod;
  }
  try {
    await createInfra(ctx, pod);
  } catch (err) {
    await withPods(ctx, pods => pods.delete(pod.id)).catch(() => undefined);
    throw err;
  }
  const made = await withPods(ctx, pods => pods.update(pod.id, p => { delete p.creating; }));
  emitEvents(ctx, [podEvent(`create`, made)]);
  return made;
}

function withStart(start: string | undefined): {start?: string} {
  return start === undefined ? {} : {start};
}

export interface PodView {
  pod: PodRecord;
  members: Array<ContainerRecord>;
  status: PodStatus;
}

/** A pod whose `pod create` died before it finished (its pid and start time: a reused pid is another process). */
export function abandoned(p: PodRecord): boolean {
  return p.creating !== undefined && !isAlive(p.creating.pid, p.creating.start);
}

/** Every pod (or those named) with its containers' reconciled states. */
export async function podViews(ctx: EngineContext, refs?: ReadonlyArray<string>, o: {ignore?: boolean} = {}): Promise<{views: Array<PodView>, errors: Array<unknown>}> {
  const cs = openContainers(ctx);
  try {
    const containers = cs ? await listFresh(ctx, cs) : [];
    return await withPods(ctx, async pods => {
      const errors: Array<unknown> = [];
      let list: Array<PodRecord>;
      if (refs === undefined) {
        list = [...await pods.list()];
      } else {
        list = [];
        for (const r of refs) {
          let p: PodRecord | undefined;
          try {
            p = await pods.lookup(r);
          } catch (err) { // an ambiguous id prefix
            errors.push(err);
            continue;
          }
          if (p && !list.includes(p)) list.push(p);
          else if (!p && !o.ignore) errors.push(noSuchPod(r));
        }
      }
      const views = list.map(pod => {
        const members = podMembers(containers, pod.id);
        return {pod, members, status: podStatus(members)};
      });
      return {views, errors};
    });
  } finally {
    cs?.close();
  }
}

export async function mustPod(ctx: EngineContext, ref: string): Promise<PodView> {
  const {views, errors} = await podViews(ctx, [ref]);
  if (errors.length > 0) throw errors[0];
  return views[0]!;
}

export async function podExists(ctx: EngineContext, ref: string): Promise<boolean> {
  return withPods(ctx, async pods => (await pods.lookup(ref)) !== undefined);
}

/** podman's `pod inspect` document. */
export function inspectPodView(v: PodView): Record<string, unknown> {
  const infra = infraOf(v.members, v.pod.id);
  const i = v.pod.infra as {network?: string, publish?: Array<string>, dns?: Array<string>, addHost?: Array<string>} | undefined;
  return {
    Id: v.pod.id,
    Name: v.pod.name,
    Created: v.pod.created,
    CreateCommand: v.pod.createCommand ?? [],
    ExitPolicy: `continue`,
    State: v.status,
    Hostname: v.pod.hostname ?? ``,
    Labels: v.pod.labels,
    CreateCgroup: false,
    CreateInfra: v.pod.infra !== undefined,
    ...(infra ? {InfraContainerID: infra.id} : {}),
    ...(i ? {InfraConfig: {
      PortBindings: portBindings(infra),
      HostNetwork: i.network === `host`,
      DNSServer: i.dns?.length ? i.dns : null,
      HostAdd: i.addHost?.length ? i.addHost : null,
      Networks: i.network ? [i.network] : null,
    }} : {}),
    SharedNamespaces: v.pod.share,
    NumContainers: v.members.length,
    Containers: v.members.map(c => ({Id: c.id, Name: c.names[0] ?? c.id.slice(0, 12), State: podmanStatus(c.metadata as LifeMeta)})),
  };
}

function portBindings(infra: ContainerRecord | undefined): Record<string, Array<{HostIp: string, HostPort: string}>> {
  const out: Record<string, Array<{HostIp: string, HostPort: string}>> = {};
  const ports = (infra?.metadata as {network?: {ports?: Array<{hostIp: string, hostPort: number, containerPort: number, protocol: string, range: number}>}} | undefined)?.network?.ports ?? [];
  for (const p of ports) {
    for (let k = 0; k < Math.max(1, p.range); k++)
      (out[`${p.containerPort + k}/${p.protocol}`] ??= []).push({HostIp: p.hostIp, HostPort: String(p.hostPort + k)});
  }
  return out;
}

export interface PodRemoveReport {
  removed: Array<string>;
  errors: Array<unknown>;
}

/** Removes the pod's containers (the infra last), then the pod; a running one only with force. */
async function removeOne(ctx: EngineContext, v: PodView, force: boolean, timeout?: number): Promise<void> {
  if (!force) {
    const running = v.members.filter(c => isRunning(c.metadata as LifeMeta));
    if (running.length > 0)
      throw new TspodError(`CtrStateInvalid`, `pod ${v.pod.name} has ${running.length} running container${running.length > 1 ? `s` : ``}: running or paused containers cannot be removed without force: container state improper`, {hint: `stop the pod first (tspod pod stop ${v.pod.name}), or use tspod pod rm -f`});
  }
  const order = [...v.members.filter(c => !(c.metadata as {infra?: boolean}).infra), ...v.members.filter(c => (c.metadata as {infra?: boolean}).infra)];
  if (order.length > 0) {
    const {removeContainers} = await import(`./rm`);
    const r = await removeContainers(ctx, {containers: order.map(c => c.id), force: true, ignore: true, withPod: true, volumes: false, timeout});
    if (r.errors.length > 0) throw r.errors[0];
  }
  await withPods(ctx, pods => pods.delete(v.pod.id));
  emitEvents(ctx, [podEvent(`remove`, v.pod)]);
}

export async function removePods(ctx: EngineContext, o: {pods: Array<string>, all?: boolean, force?: boolean, ignore?: boolean, timeout?: number | undefined}): Promise<PodRemoveReport> {
  // podman: with -f a pod that does not exist is no error either.
  const {views, errors} = await podViews(ctx, o.all ? undefined : o.pods, {ignore: o.ignore || o.force});
  const report: PodRemoveReport = {removed: [], errors};
  for (const v of views) {
    try {
      await removeOne(ctx, v, Boolean(o.force), o.timeout);
      report.removed.push(v.pod.id);
    } catch (err) {
      report.errors.push(err);
    }
  }
  return report;
}

/** Stopped and exited pods go, and pods a killed `pod create` left. */
export async function prunePods(ctx: EngineContext): Promise<PodRemoveReport> {
  const {views} = await podViews(ctx);
  const report: PodRemoveReport = {removed: [], errors: []};
  for (const v of views) {
    if (!(v.status === `Exited` || v.status === `Stopped` || abandoned(v.pod))) continue;
    try {
      await removeOne(ctx, v, true);
      report.removed.push(v.pod.id);
    } catch (err) {
      report.errors.push(err);
    }
  }
  return report;
}

/** `pod top`: the processes of each running container of the pod under one header (the infra's last, as podman lists them). */
export async function topPod(ctx: EngineContext, o: {pod: string, descriptors: Array<string>}): Promise<Array<Array<string>>> {
  const v = await mustPod(ctx, o.pod);
  const running = v.members.filter(c => isRunning(c.metadata as LifeMeta));
  if (running.length === 0)
    throw new TspodError(`CtrStateInvalid`, `pod ${v.pod.name} has no running containers: pod top needs one`, {hint: `start it first with tspod pod start ${v.pod.name}`});
  const {topContainer} = await import(`./top`);
  const out: Array<Array<string>> = [];
  for (const c of [...running.filter(c => !(c.metadata as {infra?: boolean}).infra), ...running.filter(c => (c.metadata as {infra?: boolean}).infra)]) {
    const r = await topContainer(ctx, {container: c.id, descriptors: o.descriptors});
    if (!(`table` in r)) throw new Error(`Assertion failed: pod top ran ps`);
    const [header, ...rows] = r.table;
    if (out.length === 0) out.push(header!);
    out.push(...rows);
  }
  return out;
}
