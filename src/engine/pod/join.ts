// Containers in a pod: `run/create --pod` joins the namespaces the pod shares, which its
// infra container holds, and a later start of a member points those joins at the infra's
// current process (the spec names them by /proc/PID/ns/..., and the infra's pid changes
// each time the pod restarts).
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {CreateOptions} from '../run/prepare';
import type {ContainerRecord, ContainerStore} from '../../storage/ContainerStore';
import {PodStore} from '../../storage/PodStore';
import type {PodRecord} from '../../storage/PodStore';
import {writeJsonAtomic} from '../../util/atomicWrite';
import {openContainers, readSpec, refresh} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {infraOf, noSuchPod, podIdOf, sharedKinds} from './podState';

export async function mustFindPod(ctx: EngineContext, ref: string): Promise<PodRecord> {
  const pods = new PodStore(ctx.paths.graphRoot);
  try {
    const p = await pods.lookup(ref);
    if (!p) throw noSuchPod(ref);
    return p;
  } finally {
    pods.close();
  }
}

/**
 * The pod's infra container, running: started if it is not, made again if a killed
 * `pod create` never made it (the pod keeps the options to make it with).
 */
export async function runningInfra(ctx: EngineContext, pod: PodRecord): Promise<ContainerRecord> {
  let cs = openContainers(ctx);
  let infra = cs ? infraOf(await cs.list(), pod.id) : undefined;
  try {
    const {abandoned, createInfra} = await import(`../verbs/pod`);
    if (pod.creating && !abandoned(pod))
      throw new TspodError(`CtrStateInvalid`, `pod ${pod.name} is still being created`, {hint: `wait for its tspod pod create to finish, then retry`});
    if (infra && (infra.metadata as LifeMeta).state === `configured`) {
      // Its creator died half-way: it cannot start, and nothing else uses it.
      const {removeContainers} = await import(`../verbs/rm`);
      await removeContainers(ctx, {containers: [infra.id], force: true, ignore: true, withPod: true});
      infra = undefined;
    }
    if (!infra) {
      if (!pod.infra) throw new Error(`Assertion failed: runningInfra of a pod without an infra container`);
      await createInfra(ctx, pod);
      cs?.close();
      cs = openContainers(ctx);
      infra = cs ? infraOf(await cs.list(), pod.id) : undefined;
      if (!infra || !cs) throw new Error(`Assertion failed: infra container of pod ${pod.id} not found after its creation`);
    }
    infra = await refresh(ctx, cs!, infra);
    if (!isRunning(infra.metadata as LifeMeta)) {
      const {startOne} = await import(`../verbs/start`);
      const id = infra.id;
      // Another tspod may start it meanwhile (two `run --pod` at once): running is all we need.
      const raced = await startOne(ctx, cs!, id).then(() => undefined, (err: unknown) => err);
      infra = await refresh(ctx, cs!, (await cs!.get(id)) ?? infra);
      if (raced !== undefined && !isRunning(infra.metadata as LifeMeta)) throw raced;
    }
    return infra;
  } finally {
    cs?.close();
  }
}

/**
 * --pod on run/create: the pod's id recorded, and --network/--ipc/--uts/--pid set to join
 * its infra for each namespace it shares. `new:NAME` makes the pod first, as podman does.
 */
export async function joinPod(ctx: EngineContext, o: CreateOptions): Promise<CreateOptions> {
  if (o.pod === undefined || o.podId !== undefined) return o;
  if ((o.publish ?? []).length > 0 || o.publishAll)
    throw new TspodError(`InvalidArgument`, `invalid config provided: published or exposed ports must be defined when the pod is created: network cannot be configured when it is shared with a pod`, {hint: `publish the ports with tspod pod create -p`});
  let pod: PodRecord;
  if (o.pod.startsWith(`new:`)) {
    const {createPod} = await import(`../verbs/pod`);
    pod = await createPod(ctx, {name: o.pod.slice(4), cwd: o.cwd, hostEnv: o.hostEnv});
  } else {
    pod = await mustFindPod(ctx, o.pod);
  }
  const kinds = sharedKinds(pod);
  if (kinds.length === 0) return {...o, podId: pod.id};
  for (const [kind, flag, value] of [[`net`, `--network`, o.network], [`ipc`, `--ipc`, o.ipc], [`uts`, `--uts`, o.uts], [`pid`, `--pid`, o.pid]] as const) {
    if (kinds.includes(kind) && value !== undefined)
      throw new TspodError(`InvalidArgument`, `invalid config provided: ${flag} cannot be set: the container shares the ${kind} namespace of pod ${pod.name}`, {hint: `drop ${flag}, or create the pod with another --share`});
  }
  if (kinds.includes(`uts`) && o.hostname !== undefined)
    throw new TspodError(`InvalidArgument`, `invalid config provided: --hostname cannot be set: the container shares the uts namespace of pod ${pod.name}`, {hint: `give the pod its hostname with tspod pod create --hostname`});
  const infra = await runningInfra(ctx, pod);
  const target = `container:${infra.id}`;
  // The pod's --dns* and --add-host are its members' too (their /etc/hosts and resolv.conf are their own files).
  const net = (pod.infra ?? {}) as {dns?: Array<string>, dnsSearch?: Array<string>, dnsOption?: Array<string>, addHost?: Array<string>};
  const shared = kinds.includes(`net`) ? {
    dns: [...net.dns ?? [], ...o.dns ?? []], dnsSearch: [...net.dnsSearch ?? [], ...o.dnsSearch ?? []],
    dnsOption: [...net.dnsOption ?? [], ...o.dnsOption ?? []], addHost: [...net.addHost ?? [], ...o.addHost ?? []],
  } : {};
  return {
    ...o, ...shared, podId: pod.id,
    ...(kinds.includes(`net`) ? {network: target} : {}),
    ...(kinds.includes(`ipc`) ? {ipc: target} : {}),
    ...(kinds.includes(`uts`) ? {uts: target} : {}),
    ...(kinds.includes(`pid`) ? {pid: target} : {}),
  };
}

/**
 * Before a pod member starts: its infra runs, and the namespaces its spec joins are the
 * infra's current ones. Every join of a member is the infra's (a container joins one user
 * namespace, the infra's), so each /proc/PID/ns path gets the infra's pid.
 */
export async function refreshPodJoins(ctx: EngineContext, cs: ContainerStore, c: ContainerRecord): Promise<void> {
  const podId = podIdOf(c);
  if (podId === undefined || (c.metadata as {infra?: boolean}).infra) return;
  const spec = readSpec(cs, c.id);
  const namespaces = spec.linux?.namespaces ?? [];
  if (!namespaces.some(n => n.path !== undefined)) return;
  const pod = await mustFindPod(ctx, podId);
  const pid = (await runningInfra(ctx, pod)).metadata.pid as number;
  let changed = false;
  for (const n of namespaces) {
    if (n.path === undefined) continue;
    const next = n.path.replace(/^\/proc\/\d+\/ns\//, `/proc/${pid}/ns/`);
    if (next !== n.path) { n.path = next; changed = true; }
  }
  if (changed) await writeJsonAtomic(join(cs.userdataDir(c.id), `config.json`), spec);
}
