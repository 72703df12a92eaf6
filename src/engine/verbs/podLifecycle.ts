// `tspod pod start|stop|restart|kill|pause|unpause`: the verb applied to each container of
// the pod. The infra starts first and stops last: the others live in its namespaces.
import {emitEvents, podEvent} from '../events/emit';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {openContainers} from '../lifecycle/containers';
import {isInfra} from '../pod/podState';
import {runningInfra} from '../pod/join';
import {podViews} from './pod';
import type {PodView} from './pod';

export interface PodBatchReport {
  done: Array<string>;
  errors: Array<unknown>;
}

async function eachPod(ctx: EngineContext, refs: Array<string>, all: boolean | undefined, fn: (v: PodView) => Promise<void>, ignore?: boolean): Promise<PodBatchReport> {
  const {views, errors} = await podViews(ctx, all ? undefined : refs, {ignore: Boolean(ignore)});
  const report: PodBatchReport = {done: [], errors};
  for (const v of views) {
    try {
      await fn(v);
      report.done.push(v.pod.id);
    } catch (err) {
      report.errors.push(err);
    }
  }
  return report;
}

/** The pod's containers but its infra; the first error is the pod's. */
async function eachMember(v: PodView, fn: (id: string) => Promise<unknown>): Promise<void> {
  const errors: Array<unknown> = [];
  for (const c of v.members.filter(c => !isInfra(c))) await fn(c.id).catch(err => errors.push(err));
  if (errors.length > 0) throw errors[0];
}

async function startPod(ctx: EngineContext, v: PodView): Promise<void> {
  if (v.pod.infra) await runningInfra(ctx, v.pod);
  const cs = openContainers(ctx);
  if (!cs) return;
  try {
    const {startOne} = await import(`./start`);
    await eachMember(v, async id => {
      const c = await cs.get(id);
      if (c && !isRunning(c.metadata as LifeMeta)) await startOne(ctx, cs, id);
    });
  } finally {
    cs.close();
  }
}

async function stopPod(ctx: EngineContext, v: PodView, timeout: number | undefined): Promise<void> {
  const cs = openContainers(ctx);
  if (!cs) return;
  try {
    const {stopOne} = await import(`./stop`);
    // The members at once (each may wait out its timeout), then the infra.
    const errors: Array<unknown> = [];
    await Promise.all(v.members.filter(c => !isInfra(c)).map(c => stopOne(ctx, cs, c.id, {timeout}).catch(err => errors.push(err))));
    for (const c of v.members.filter(isInfra)) await stopOne(ctx, cs, c.id, {timeout}).catch(err => errors.push(err));
    if (errors.length > 0) throw errors[0];
  } finally {
    cs.close();
  }
}

export function startPods(ctx: EngineContext, o: {pods: Array<string>, all?: boolean}): Promise<PodBatchReport> {
  return eachPod(ctx, o.pods, o.all, async v => {
    await startPod(ctx, v);
    emitEvents(ctx, [podEvent(`start`, v.pod)]);
  });
}

export function stopPods(ctx: EngineContext, o: {pods: Array<string>, all?: boolean, timeout?: number | undefined, ignore?: boolean}): Promise<PodBatchReport> {
  return eachPod(ctx, o.pods, o.all, async v => {
    await stopPod(ctx, v, o.timeout);
    emitEvents(ctx, [podEvent(`stop`, v.pod)]);
  }, o.ignore);
}

export function restartPods(ctx: EngineContext, o: {pods: Array<string>, all?: boolean, timeout?: number | undefined}): Promise<PodBatchReport> {
  return eachPod(ctx, o.pods, o.all, async v => {
    await stopPod(ctx, v, o.timeout);
    // The old infra's monitor may still be finishing: its namespaces must be gone first.
    await monitorsGone(v);
    await startPod(ctx, (await podViews(ctx, [v.pod.id])).views[0] ?? v);
    emitEvents(ctx, [podEvent(`stop`, v.pod), podEvent(`start`, v.pod)]);
  });
}

async function monitorsGone(v: PodView): Promise<void> {
  const {isAlive} = await import(`../lifecycle/procStat`);
  const end = Date.now() + 10_000;
  for (const c of v.members) {
    const m = c.metadata as LifeMeta;
    while (typeof m.monitorPid === `number` && isAlive(m.monitorPid, m.monitorStart) && Date.now() < end) await new Promise(r => setTimeout(r, 10));
  }
}

/** Sends the signal to every running container of the pod (podman: an error when none runs). */
export function killPods(ctx: EngineContext, o: {pods: Array<string>, all?: boolean, signal?: string | undefined}): Promise<PodBatchReport> {
  return eachPod(ctx, o.pods, o.all, async v => {
    const running = v.members.filter(c => isRunning(c.metadata as LifeMeta));
    if (running.length === 0) throw new TspodError(`CtrStateInvalid`, `pod ${v.pod.id} has no running containers: container state improper`, {hint: `start it first with tspod pod start ${v.pod.name}`});
    const {killContainers} = await import(`./stop`);
    const r = await killContainers(ctx, {containers: [...running.filter(c => !isInfra(c)), ...running.filter(isInfra)].map(c => c.id), signal: o.signal});
    if (r.errors.length > 0) throw r.errors[0];
    emitEvents(ctx, [podEvent(`kill`, v.pod)]);
  });
}

export function pausePods(ctx: EngineContext, o: {pods: Array<string>, all?: boolean, unpause?: boolean}): Promise<PodBatchReport> {
  return eachPod(ctx, o.pods, o.all, async v => {
    const want = v.members.filter(c => o.unpause ? (c.metadata as LifeMeta).state === `paused` : (c.metadata as LifeMeta).state === `running`);
    if (want.length === 0) return;
    const {pauseContainers} = await import(`./stop`);
    const r = await pauseContainers(ctx, {containers: want.map(c => c.id), ...(o.unpause ? {unpause: true} : {})});
    if (r.errors.length > 0) throw r.errors[0];
    emitEvents(ctx, [podEvent(o.unpause ? `unpause` : `pause`, v.pod)]);
  });
}
