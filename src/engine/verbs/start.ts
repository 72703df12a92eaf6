// `start`, `run -d` and `restart`: a created or exited container gets a monitor
// (lifecycle/monitor.ts). Per-container lock around the transition; the record says
// `running` with the monitor's and container's pids and start times.
import {writePidfile} from '../run/pidfile';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {ContainerStore} from '../../storage/ContainerStore';
import {eachContainer, targetRefs, withFreshContainer} from '../lifecycle/batch';
import {mustLookup, nameOf, openContainers, readSpec, recordedLogDriver} from '../lifecycle/containers';
import {startMonitor} from '../lifecycle/monitor';
import {emitContainer} from '../events/emit';
import {isRunning, parseRestartPolicy} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {isAlive} from '../lifecycle/procStat';
import type {CreateOptions} from './run';
import type {NotifyRelay} from '../quadlet/sdnotify';
import {recordedRuntime} from '../run/runtime';
import {readHealth, startingState, writeHealth} from '../lifecycle/health';
import type {Healthcheck} from '../lifecycle/healthConfig';
import {isoNow} from '../../util/isoTime';

export interface StartOptions {
  containers: Array<string>;
  all?: boolean;
  /** start -a: attach to the output (the first container only). */
  attach?: boolean;
  interactive?: boolean;
  detachKeys?: string | undefined;
  /** Called with the attach socket path before the container starts (start -a). */
  onSocket?: (path: string) => void;
}

export interface StartReport {
  started: Array<{id: string, name: string, ref: string}>;
  errors: Array<unknown>;
}

/** A tspod command line the monitor runs (this tspod, this store): its exit command, its health checks. */
export function tspodArgv(ctx: EngineContext, ...args: Array<string>): Array<string> {
  return [
    process.execPath, join(ctx.installDir, `dist/tspod.js`), `--root`, ctx.paths.graphRoot, `--runroot`, ctx.paths.runRoot,
    ...(ctx.storageDriver ? [`--storage-driver`, ctx.storageDriver] : []),
    ...(ctx.eventsBackend === `none` ? [`--events-backend`, `none`] : []), ...args,
  ];
}

/** The monitor runs `healthcheck run` every interval (none for --health-interval disable). */
function healthOptions(ctx: EngineContext, id: string, m: LifeMeta): {healthIntervalMs: number, healthCommand: Array<string>} | {} {
  const hc = m.healthcheck as Healthcheck | undefined;
  if (!hc || hc.Interval <= 0) return {};
  return {healthIntervalMs: Math.max(1, Math.round(hc.Interval / 1e6)), healthCommand: tspodArgv(ctx, `healthcheck`, `run`, id)};
}

export async function startOne(ctx: EngineContext, cs: ContainerStore, ref: string, o: {attach?: boolean, interactive?: boolean, onSocket?: (path: string) => void, preserveFds?: number} = {}): Promise<{id: string, name: string}> {
  return withFreshContainer(ctx, cs, ref, async c => {
    const m = c.metadata as LifeMeta;
    if (isRunning(m)) throw new TspodError(`CtrStateInvalid`, `container ${nameOf(c)} is already running: container state improper`, {hint: `stop it first, or use tspod restart`});
    if (m.state === `removing` || m.state === `configured`)
      throw new TspodError(`CtrStateInvalid`, `container ${nameOf(c)} is in state ${m.state} and cannot be started: container state improper`, {hint: `remove it with tspod rm -f ${nameOf(c)}`});
    const oci = recordedRuntime(m);
    if (oci)
      throw new TspodError(`Unsupported`, `container ${nameOf(c)} runs with ${oci.name}, which tspod runs in the foreground only: it cannot be started again (detached containers need tspod's monitor)`, {hint: `remove it and use tspod run --runtime ${oci.name}, or create it without --runtime`});
    // A pod's member joins the namespaces of the infra's current process (started if need be).
    if (typeof m.pod === `string`) await (await import(`../pod/join`)).refreshPodJoins(ctx, cs, c);
    const spec = readSpec(cs, c.id);
    const rootfsMount = m.rootfsMount as {type: string, source: string, options: Array<string>} | undefined;
    try {
      const s = await startMonitor(ctx, cs, c.id, rootfsMount, {
        stdin: Boolean(m.interactive ?? spec.process.terminal) || Boolean(o.interactive),
        restartPolicy: m.restartPolicy,
        log: recordedLogDriver(c.metadata) === `k8s-file`, logMax: typeof m.logMax === `number` ? m.logMax : undefined,
        // Always, as podman's conmon: the cleanup records the exit (the died event) when it happens.
        exitCommand: tspodArgv(ctx, `container`, `cleanup`, c.id),
        timeout: typeof (m as {timeout?: unknown}).timeout === `number` ? (m as {timeout: number}).timeout : undefined,
        ...healthOptions(ctx, c.id, m),
        ...(o.preserveFds ? {preserveFds: o.preserveFds} : {}),
        ...(o.attach ? {waitAttach: true, ...(o.onSocket ? {onSocket: o.onSocket} : {})} : {}),
        onSpawn: async (monitorPid, monitorStart) => {
          await cs.updateRecord(c.id, r => {
            r.metadata = {...r.metadata, state: `running`, monitorPid, monitorStart, helperPid: monitorPid, startedAt: isoNow()};
            // Under the store's lock: the monitor's cleanup records the exit (died) only after
            // this update, so a container that exits at once still tells of its start first.
            emitContainer(ctx, c, `init`, `start`);
          });
        },
      });
      await cs.updateRecord(c.id, r => {
        const md = {...r.metadata} as LifeMeta;
        // A container that exited at once may be recorded already by its monitor's cleanup
        // (which ran before the status pipe closed): keep that exit, or it would be told twice.
        if (md.monitorPid === s.monitorPid && md.state !== `running`) {
          r.metadata = {...md, pid: s.pid, pidStart: s.pidStart};
          return;
        }
        for (const k of [`exitCode`, `finishedAt`, `startError`] as const) delete md[k];
        r.metadata = {
          ...md, state: `running`, monitorPid: s.monitorPid, monitorStart: s.monitorStart, pid: s.pid, pidStart: s.pidStart,
          helperPid: s.monitorPid, startedAt: isoNow(), restartCount: 0,
        };
      });
      if (typeof m.pidfile === `string` && s.pid !== undefined) writePidfile(m.pidfile, s.pid);
      if (m.healthcheck) await writeHealth(cs.userdataDir(c.id), startingState(readHealth(cs.userdataDir(c.id)))); // under the lock (withFreshContainer)
    } catch (err) {
      const exitCode = (err as {exitCode?: number}).exitCode;
      await cs.updateRecord(c.id, r => {
        const md = {...r.metadata} as LifeMeta;
        for (const k of [`monitorPid`, `monitorStart`, `helperPid`, `pid`, `pidStart`] as const) delete md[k];
        r.metadata = {...md, state: `created`, startError: err instanceof Error ? err.message : String(err), ...(exitCode !== undefined ? {exitCode} : {})};
      }).catch(() => undefined);
      throw err;
    }
    return {id: c.id, name: nameOf(c)};
  });
}

export async function startContainers(ctx: EngineContext, o: StartOptions): Promise<StartReport> {
  const cs = openContainers(ctx);
  const refs = await targetRefs(ctx, cs, o, c => !isRunning(c.metadata as LifeMeta));
  const report: StartReport = {started: [], errors: []};
  try {
    const r = await eachContainer(refs, async ref => ({...await startOne(ctx, cs!, ref, {attach: o.attach, interactive: o.interactive, onSocket: o.onSocket}), ref}), {throwSingle: true});
    report.started = r.done;
    report.errors = r.errors;
  } finally {
    cs?.close();
  }
  return report;
}

/** Stores the lifecycle options create knows nothing about (restart policy, log size). */
export async function applyCreateExtras(cs: ContainerStore, id: string, o: CreateOptions & {restart?: string | undefined, logMax?: number | undefined}): Promise<void> {
  if (o.restart === undefined && o.logMax === undefined && !o.interactive) return;
  await cs.updateRecord(id, r => {
    r.metadata = {...r.metadata, ...(o.restart !== undefined ? {restartPolicy: o.restart} : {}), ...(o.logMax ? {logMax: o.logMax} : {}), interactive: Boolean(o.interactive)};
  });
}

export function checkRestartFlags(o: {restart?: string | undefined, rm?: boolean}): void {
  let p;
  try {
    p = parseRestartPolicy(o.restart);
  } catch (err) {
    throw new TspodError(`InvalidArgument`, `${(err as Error).message}`, {hint: `use no, on-failure[:max-retries], always or unless-stopped`});
  }
  if (p.name !== `no` && o.rm)
    throw new TspodError(`InvalidArgument`, `the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"`);
}

/** `run -d`: create, then start under a monitor; prints the full id. */
export async function runDetached(ctx: EngineContext, o: CreateOptions & {restart?: string | undefined, logMax?: number | undefined}): Promise<{id: string, exitCode: number}> {
  checkRestartFlags(o);
  const {createContainer} = await import(`./run`);
  const {id} = await createContainer(ctx, {...o, forRun: false});
  const cs = openContainers(ctx);
  if (!cs) throw new Error(`Assertion failed: no container store after create`);
  // Under a Type=notify unit (quadlet/sdnotify.ts): the monitor becomes the main process.
  const notifySocket = o.hostEnv.NOTIFY_SOCKET;
  const sd = notifySocket ? await import(`../quadlet/sdnotify`) : undefined;
  const sdMode = sd?.parseSdNotify(o.sdnotify);
  const warnNotify = (err: unknown) => ctx.log.warn(`sd_notify: ${err instanceof Error ? err.message : String(err)}`);
  let relay: NotifyRelay | undefined;
  try {
    await applyCreateExtras(cs, id, o);
    if (sd && notifySocket && sdMode === `container`) relay = await sd.openRelay(notifySocket, cs.userdataDir(id), warnNotify);
    await startOne(ctx, cs, id, o.passFds ? {preserveFds: o.passFds} : {});
    if (sd && notifySocket && sdMode) {
      const m = (await cs.get(id))?.metadata as LifeMeta | undefined;
      const alive = () => {
        try {
          return m?.pid !== undefined && process.kill(m.pid, 0);
        } catch {
          return false;
        }
      };
      if (m?.monitorPid !== undefined) await sd.notifyDetached(notifySocket, sdMode, m.monitorPid, relay, alive).catch(warnNotify);
    }
  } catch (err) {
    if (o.rm) {
      const {removeContainers} = await import(`./rm`);
      await removeContainers(ctx, {containers: [id], force: true, volumes: true, timeout: 0}).catch(() => undefined);
    }
    throw err;
  } finally {
    relay?.close();
    cs.close();
  }
  return {id, exitCode: 0};
}

/**
 * stop returns once the exit is recorded; the old monitor may still be finishing (its
 * clients, its exit command) and the container's namespaces going away. A restart starts
 * the new monitor only after the old one is gone (10 s at most), so the two never overlap.
 */
async function monitorGone(cs: ContainerStore, ref: string): Promise<void> {
  const m = (await mustLookup(cs, ref)).metadata as LifeMeta;
  const end = Date.now() + 10_000;
  while (typeof m.monitorPid === `number` && isAlive(m.monitorPid, m.monitorStart) && Date.now() < end)
    await new Promise(r => setTimeout(r, 10));
}

export async function restartContainers(ctx: EngineContext, o: {containers: Array<string>, all?: boolean, running?: boolean, timeout?: number | undefined}): Promise<StartReport> {
  const {stopOne} = await import(`./stop`);
  const cs = openContainers(ctx);
  const report: StartReport = {started: [], errors: []};
  try {
    const refs = await targetRefs(ctx, cs, {all: o.all || o.running, containers: o.containers}, c => !o.running || isRunning(c.metadata as LifeMeta));
    const r = await eachContainer(refs, async ref => {
      await stopOne(ctx, cs, ref, {timeout: o.timeout});
      await monitorGone(cs!, ref);
      emitContainer(ctx, await mustLookup(cs, ref), `restart`);
      return {...await startOne(ctx, cs!, ref), ref};
    }, {throwSingle: true});
    report.started = r.done;
    report.errors = r.errors;
  } finally {
    cs?.close();
  }
  return report;
}
