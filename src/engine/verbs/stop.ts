// `stop` (StopSignal, then SIGKILL after the timeout), `kill` and `pause`/`unpause`.
// Both stop and kill leave the stop marker first, so the monitor's restart policy
// does not bring the container back (podman's rule).
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {ContainerStore} from '../../storage/ContainerStore';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {eachContainer, targetRefs, withFreshContainer} from '../lifecycle/batch';
import {emitContainer} from '../events/emit';
import {markStopped, mustLookup, nameOf, noSuchContainer, openContainers, readExit, readSpec, refresh, runFiles} from '../lifecycle/containers';
import {isAlive} from '../lifecycle/procStat';
import {parseSignal, signalName} from '../signals';
import {hasMonitor, isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';

export interface StopOptions {
  containers: Array<string>;
  all?: boolean;
  ignore?: boolean;
  timeout?: number | undefined;
}

export interface BatchReport {
  done: Array<{id: string, ref: string}>;
  errors: Array<unknown>;
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function signalCtr(m: LifeMeta, sig: number): void {
  if (typeof m.pid !== `number` || !isAlive(m.pid, m.pidStart)) return;
  try { process.kill(m.pid, sig); } catch {}
}

/** Waits until the monitor recorded an exit (or died); false on timeout. */
async function waitExited(ctx: EngineContext, c: ContainerRecord, ms: number): Promise<boolean> {
  const f = runFiles(ctx.paths.runRoot, c.id);
  const m = c.metadata as LifeMeta;
  const end = Date.now() + ms;
  let delay = 5;
  for (;;) {
    // A foreground container has no monitor: it is gone when its pid is (runc's is recorded, the helper's read from its pid file).
    const gone = hasMonitor(m) ? !isAlive(m.monitorPid, m.monitorStart) : !isAlive(m.pid, m.pidStart);
    if (readExit(f.exit) || gone) return true;
    if (Date.now() >= end) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
}

export function stopSignalOf(cs: ContainerStore, id: string): number {
  try {
    const s = readSpec(cs, id).annotations?.[`org.opencontainers.image.stopSignal`];
    return s ? parseSignal(s) : 15;
  } catch {
    return 15;
  }
}

/** Stops one container; a no-op when it is not running. */
export async function stopOne(ctx: EngineContext, cs: ContainerStore | undefined, ref: string, o: {timeout?: number | undefined} = {}): Promise<string> {
  if (!cs) throw noSuchContainer(ref);
  return withFreshContainer(ctx, cs, ref, async c => {
    const m = c.metadata as LifeMeta;
    if (!isRunning(m)) return c.id;
    markStopped(ctx, c.id);
    const timeout = o.timeout ?? (typeof m.stopTimeout === `number` ? m.stopTimeout : 10);
    if (timeout > 0) {
      const signal = stopSignalOf(cs!, c.id);
      signalCtr(m, signal);
      if (await waitExited(ctx, c, timeout * 1000)) {
        await refresh(ctx, cs!, c);
        return c.id;
      }
      ctx.log.warn(`StopSignal ${signalName(signal)} failed to stop container ${nameOf(c)} in ${timeout} seconds, resorting to SIGKILL`);
    }
    signalCtr(m, 9);
    if (!await waitExited(ctx, c, 10_000) && typeof m.monitorPid === `number` && isAlive(m.monitorPid, m.monitorStart)) {
      try { process.kill(m.monitorPid, `SIGKILL`); } catch {}
    }
    await refresh(ctx, cs!, c);
    return c.id;
  }, id => id);
}

export async function stopContainers(ctx: EngineContext, o: StopOptions): Promise<BatchReport> {
  const cs = openContainers(ctx);
  try {
    const refs = await targetRefs(ctx, cs, o, c => isRunning(c.metadata as LifeMeta));
    return await eachContainer(refs, async ref => {
      await stopOne(ctx, cs, ref, {timeout: o.timeout});
      return {id: ref, ref};
    }, {parallel: true, ignoreMissing: o.ignore === true});
  } finally {
    cs?.close();
  }
}

export async function killContainers(ctx: EngineContext, o: {containers: Array<string>, all?: boolean, signal?: string | undefined}): Promise<BatchReport> {
  const sig = parseSignal(o.signal ?? `KILL`);
  const cs = openContainers(ctx);
  try {
    const refs = await targetRefs(ctx, cs, o, c => isRunning(c.metadata as LifeMeta));
    return await eachContainer(refs, async ref => {
      const c = await refresh(ctx, cs!, await mustLookup(cs, ref));
      const m = c.metadata as LifeMeta;
      if (!isRunning(m))
        throw new TspodError(`CtrStateInvalid`, `can only kill running containers. ${c.id} is in state ${m.state === `stopped` ? `exited` : m.state}: container state improper`);
      markStopped(ctx, c.id);
      signalCtr(m, sig);
      emitContainer(ctx, c, `kill`);
      return {id: c.id, ref};
    });
  } finally {
    cs?.close();
  }
}

export async function pauseContainers(ctx: EngineContext, o: {containers: Array<string>, unpause?: boolean, all?: boolean}): Promise<BatchReport> {
  const cs = openContainers(ctx);
  try {
    // --all: every running container (pause), every paused one (unpause).
    const refs = await targetRefs(ctx, cs, o, c => o.unpause ? (c.metadata as LifeMeta).state === `paused` : isRunning(c.metadata as LifeMeta) && (c.metadata as LifeMeta).state !== `paused`);
    return await eachContainer(refs, async ref => {
      const c = await refresh(ctx, cs!, await mustLookup(cs, ref));
      const st = (c.metadata as LifeMeta).state;
      if (!isRunning(c.metadata as LifeMeta) && !o.unpause)
        throw new TspodError(`CtrStateInvalid`, `"${st === `stopped` ? `exited` : st}" is not running, can't pause: container state improper`);
      // The cgroup v2 freezer (verbs/pause.ts); without a cgroup, podman's own refusal.
      await (await import(`./pause`)).setPaused(ctx, cs!, c, !o.unpause);
      emitContainer(ctx, c, o.unpause ? `unpause` : `pause`);
      return {id: c.id, ref};
    });
  } finally {
    cs?.close();
  }
}
