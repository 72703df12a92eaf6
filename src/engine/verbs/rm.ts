// `rm` (-f stops first, as stop does; -v takes anonymous volumes), `container prune` and
// `container cleanup` (the monitor's exit command: records the exit, removes --rm containers).
// rm -f always works: whatever state a killed tspod left (removing, configured,
// a dead monitor), the record, layer and run files go.
import {removePidfile} from '../run/pidfile';
import {stopOne} from './stop';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {isAlive} from '../lifecycle/procStat';
import {isRunning} from '../lifecycle/state';
import {emitContainer} from '../events/emit';
import type {LifeMeta} from '../lifecycle/state';
import {eachContainer, withFreshContainer} from '../lifecycle/batch';
import {markStopped, listFresh, nameOf, openContainers, readExit, refresh, removeRunFiles, runFiles} from '../lifecycle/containers';
import type {ContainerRecord, ContainerStore} from '../../storage/ContainerStore';
import {parsePruneFilters, pruneMatches} from './pruneFilters';

export interface RemoveOptions {
  containers: Array<string>;
  all?: boolean;
  force?: boolean;
  volumes?: boolean;
  ignore?: boolean;
  timeout?: number | undefined;
  /** Removing a pod: its infra container may go too. */
  withPod?: boolean;
}

export interface RemoveReport {
  removed: Array<{id: string, ref: string}>;
  errors: Array<unknown>;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function killAndWait(ctx: EngineContext, id: string, m: LifeMeta): Promise<void> {
  markStopped(ctx, id);
  if (typeof m.pid === `number` && isAlive(m.pid, m.pidStart)) {
    try { process.kill(m.pid, `SIGKILL`); } catch {}
  }
  const end = Date.now() + 10_000;
  while (isAlive(m.monitorPid, m.monitorStart) && !readExit(runFiles(ctx.paths.runRoot, id).exit) && Date.now() < end) await sleep(10);
}

/** podman: an infra container goes with its pod only (one whose pod is gone can go alone). */
async function refuseInfra(ctx: EngineContext, c: ContainerRecord): Promise<void> {
  const {isInfra, podIdOf} = await import(`../pod/podState`);
  const podId = podIdOf(c);
  if (!isInfra(c) || podId === undefined) return;
  const {PodStore} = await import(`../../storage/PodStore`);
  const pods = new PodStore(ctx.paths.graphRoot);
  try {
    if (!(await pods.lookup(podId))) return;
  } finally {
    pods.close();
  }
  throw new TspodError(`InvalidArgument`, `container ${c.id} is the infra container of pod ${podId} and cannot be removed without removing the pod`, {hint: `remove the pod with tspod pod rm`});
}

async function removeOne(ctx: EngineContext, cs: ContainerStore, ref: string, o: RemoveOptions, store: () => Promise<import('../../storage/Store').Store>): Promise<string> {
  return withFreshContainer(ctx, cs, ref, async c => {
    const m = c.metadata as LifeMeta;
    if (!o.withPod) await refuseInfra(ctx, c);
    if (isRunning(m)) {
      if (!o.force)
        throw new TspodError(`CtrStateInvalid`, `cannot remove container ${c.id} as it is ${m.state} - running or paused containers cannot be removed without force: container state improper`, {hint: `stop it first, or use tspod rm -f ${nameOf(c)}`});
      // Still running after the stop phase (removeContainers): restarted meanwhile, or it ignored the kill.
      await killAndWait(ctx, c.id, m);
      await refresh(ctx, cs, c); // records the exit (the died event) before the record goes
    }
    await cs.updateRecord(c.id, r => { r.metadata = {...r.metadata, state: `removing`}; }).catch(() => undefined);
    const {removeContainer} = await import(`../run/prepare`);
    const anon = o.volumes || m.autoRemove ? ((m.anonymousVolumes as Array<string> | undefined) ?? []) : [];
    await removeContainer(await store(), c.id, anon);
    removeRunFiles(ctx, c.id);
    removePidfile(m.pidfile);
    emitContainer(ctx, c, `remove`);
    return c.id;
  });
}

export async function removeContainers(ctx: EngineContext, o: RemoveOptions): Promise<RemoveReport> {
  const cs = openContainers(ctx);
  const report: RemoveReport = {removed: [], errors: []};
  let opened: import('./store').OpenedStore | undefined;
  const store = async () => (opened ??= await (await import(`./store`)).openStore(ctx)).store;
  try {
    // podman's rm --all takes pods too: their infra containers last, then the pods they held.
    const isInfra = (c: {metadata: Record<string, unknown>}) => c.metadata.infra === true;
    const listed = o.all && cs ? await cs.list() : [];
    const refs = o.all ? [...listed.filter(c => !isInfra(c)), ...listed.filter(isInfra)].map(c => c.id) : o.containers;
    // podman's rm -f stops a running container as stop does (its stop signal, then SIGKILL after
    // -t seconds, by default its --stop-timeout): all at once, each under its own lock.
    // A pod's infra container is not stopped by a removal that refuses it (refuseInfra).
    const stopped = new Map<string, string>();
    if (o.force && cs) await eachContainer(refs, async ref => {
      if (!(o.withPod || o.all) && (await cs.lookup(ref))?.metadata.infra === true) return;
      stopped.set(ref, await stopOne(ctx, cs, ref, {timeout: o.timeout}));
    }, {parallel: true});
    const r = await eachContainer(refs, async ref => {
      try {
        return {id: await removeOne(ctx, cs!, ref, {...o, withPod: o.withPod || o.all}, store), ref};
      } catch (err) {
        // A --rm container's own cleanup removed it once it stopped: it is removed all the same.
        if (err instanceof TspodError && err.code === `NoSuchContainer` && stopped.has(ref)) return {id: stopped.get(ref)!, ref};
        throw err;
      }
    }, {ignoreMissing: o.ignore === true});
    report.removed = r.done;
    report.errors = r.errors;
    const podsLeft = listed.filter(c => isInfra(c) && r.done.some(d => d.id === c.id)).map(c => c.metadata.pod as string);
    if (podsLeft.length > 0) await deletePods(ctx, podsLeft);
  } finally {
    cs?.close();
    await opened?.close();
  }
  return report;
}

async function deletePods(ctx: EngineContext, ids: Array<string>): Promise<void> {
  const {PodStore} = await import(`../../storage/PodStore`);
  const pods = new PodStore(ctx.paths.graphRoot);
  try {
    for (const id of ids) await pods.delete(id);
  } finally {
    pods.close();
  }
}

export async function pruneContainers(ctx: EngineContext, opts: {filters?: Array<string>} = {}): Promise<RemoveReport> {
  const f = parsePruneFilters(opts.filters ?? []);
  const cs = openContainers(ctx);
  if (!cs) return {removed: [], errors: []};
  let ids: Array<string>;
  try {
    ids = (await listFresh(ctx, cs)).filter(c => {
      const st = (c.metadata as LifeMeta).state;
      if ((c.metadata as {infra?: boolean}).infra === true) return false; // pod prune's
      return (st === `exited` || st === `stopped` || st === `created` || st === `configured`) && pruneMatches(f, c.created, (c.metadata as {labels?: Record<string, string>}).labels);
    }).map(c => c.id);
  } finally {
    cs.close();
  }
  return removeContainers(ctx, {containers: ids, ignore: true});
}

/**
 * The monitor's exit command: record the exit (refresh tells of it, the died event), then
 * the cleanup event; remove an --rm container. Quiet.
 */
const START_RECORD_WAIT_MS = 5_000;

/** Created and no failed start recorded: a start is under way (or its tspod was killed). */
function notStartedYet(m: LifeMeta): boolean {
  return (m.state === `created` || m.state === `configured`) && m.startError === undefined;
}

export async function cleanupContainer(ctx: EngineContext, o: {container: string}): Promise<void> {
  const cs = openContainers(ctx);
  let rmiImage: string | undefined;
  try {
    let c = cs ? await cs.lookup(o.container) : undefined;
    if (!c || !cs) return;
    // The monitor runs this as soon as the container exits, which can be before the tspod
    // that started it has recorded the start (a loaded machine, a busy store lock): the
    // record still says created, the exit looks like nothing to record, and its died event
    // would be lost. That start is recorded within moments (or fails): wait for it.
    for (let waited = 0; c && notStartedYet(c.metadata as LifeMeta) && waited < START_RECORD_WAIT_MS; waited += 20) {
      await new Promise(res => setTimeout(res, 20));
      c = await cs.lookup(o.container);
    }
    if (!c) return;
    const fresh = await refresh(ctx, cs, c);
    if (isRunning(fresh.metadata as LifeMeta)) return;
    emitContainer(ctx, fresh, `cleanup`);
    if (!(fresh.metadata as LifeMeta).autoRemove) return;
    if ((fresh.metadata as {rmi?: boolean}).rmi) rmiImage = fresh.image;
  } finally {
    cs?.close();
  }
  await removeContainers(ctx, {containers: [o.container], ignore: true, volumes: true});
  if (rmiImage) await (await import(`./run`)).removeImageQuietly(ctx, rmiImage);
}
