// Finding containers and their live state for the lifecycle verbs. Opening only the
// ContainerStore (not the whole Store) keeps `ps`, `exec`, `logs` and `inspect`
// fast; verbs that touch layers or images open the Store themselves.
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {RuntimeSpec} from '../../oci/runtimeSpec';
import {ContainerStore} from '../../storage/ContainerStore';
import {storeNameOf} from '../../storage/drivers/Driver';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {flockWait, unflock} from '../../sys/lock';
import {isAlive} from './procStat';
import {LOST_EXIT_CODE, hasMonitor, isRunning, podmanStatus, reconcile} from './state';
import {containerEvent, emitEvents} from '../events/emit';
import type {ExitRecord, LifeMeta} from './state';
import {isoNow} from '../../util/isoTime';

/** Files of one container under the run root (gone after a reboot). */
export interface RunFiles {
  dir: string;
  plan: string;
  exit: string;
  pidFile: string;
  stopMarker: string;
  socket: string;
  /** Written by the monitor at each (re)start: {"pid":N,"restartCount":K}. */
  state: string;
}

export function runFiles(runRoot: string, id: string): RunFiles {
  const dir = join(runRoot, `containers`, id);
  // Concatenated, not joined: ps builds these for every container, and join normalises each.
  return {
    dir, plan: `${dir}/plan`, exit: `${dir}/exit`, pidFile: `${dir}/pidfile`,
    stopMarker: `${dir}/stopped`, socket: `${dir}/attach.sock`, state: `${dir}/state`,
  };
}

/** --log-driver: k8s-file (the default), none, or passthrough (a foreground run's stdio given to the container). */
export type LogDriver = `k8s-file` | `none` | `passthrough`;

/** The log driver a container was created with (recorded only when not the default). */
export function recordedLogDriver(metadata: Record<string, unknown>): LogDriver {
  return metadata.logDriver === `none` || metadata.logDriver === `passthrough` ? metadata.logDriver : `k8s-file`;
}

/** The k8s-file log lives with the container's userdata (it outlives a reboot). */
export function logPath(containers: ContainerStore, id: string): string {
  return join(containers.userdataDir(id), `ctr.log`);
}

/** The container's OCI spec, written at create. */
export function readSpec(cs: ContainerStore, id: string): RuntimeSpec {
  return JSON.parse(readFileSync(join(cs.userdataDir(id), `config.json`), `utf8`)) as RuntimeSpec;
}

export function noSuchContainer(ref: string): TspodError {
  return new TspodError(`NoSuchContainer`, `no container with name or ID "${ref}" found: no such container`);
}

/** The name of the store's containers directory (`<name>-containers`): fuse-overlayfs shares overlay's. */
function storeDirName(ctx: EngineContext): string | undefined {
  if (ctx.storageDriver) return storeNameOf(ctx.storageDriver);
  try {
    const best = JSON.parse(readFileSync(join(ctx.paths.graphRoot, `.driver-probe.json`), `utf8`)).best;
    if (typeof best === `string`) return storeNameOf(best);
  } catch {}
  try {
    const dirs = readdirSync(ctx.paths.graphRoot).filter(d => d.endsWith(`-containers`));
    if (dirs.length === 1) return dirs[0]!.slice(0, -`-containers`.length);
  } catch {}
  return undefined;
}

/** The ContainerStore alone; undefined when nothing was ever stored. */
export function openContainers(ctx: EngineContext): ContainerStore | undefined {
  const d = storeDirName(ctx);
  if (d === undefined) return undefined;
  if (!existsSync(join(ctx.paths.graphRoot, `${d}-containers`))) return undefined;
  return new ContainerStore(ctx.paths.graphRoot, d);
}

export async function mustLookup(cs: ContainerStore | undefined, ref: string): Promise<ContainerRecord> {
  const c = cs ? await cs.lookup(ref) : undefined;
  if (!c) throw noSuchContainer(ref);
  return c;
}

export function nameOf(c: ContainerRecord): string {
  return c.names[0] ?? c.id.slice(0, 12);
}

export function readExit(path: string): ExitRecord | undefined {
  try {
    const v = JSON.parse(readFileSync(path, `utf8`));
    return typeof v?.exitCode === `number` ? v : undefined;
  } catch {
    return undefined;
  }
}

export function readPidFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, `utf8`).trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Reconciles one record with the run root; persists a change; kills an orphan. */
export async function refresh(ctx: EngineContext, cs: ContainerStore, c: ContainerRecord): Promise<ContainerRecord> {
  const m = c.metadata as LifeMeta;
  const f = runFiles(ctx.paths.runRoot, c.id);
  let live: {pid?: number, restartCount?: number} = {};
  try { live = JSON.parse(readFileSync(f.state, `utf8`)); } catch {}
  const ctrPid = live.pid ?? readPidFile(f.pidFile) ?? m.pid;
  const probe = {
    restartCount: live.restartCount,
    exit: readExit(f.exit),
    monitorAlive: isAlive(m.monitorPid, m.monitorStart),
    ctrPid,
    ctrAlive: ctrPid !== undefined && isAlive(ctrPid, ctrPid === m.pid ? m.pidStart : undefined),
  };
  if (!hasMonitor(m) && m.state === `running`) {
    // A foreground `run` (no monitor): running while its tspod or helper lives.
    if (isAlive(m.runnerPid) || isAlive(m.helperPid)) {
      // Its pid is in the pid file the helper wrote (inspect, top, exec need it).
      const pid = m.pid ?? readPidFile(join(cs.userdataDir(c.id), `pidfile`));
      return m.pid !== undefined || pid === undefined || !isAlive(pid) ? c : {...c, metadata: {...m, pid}};
    }
    const meta = {...m, state: `exited`, exitCode: m.exitCode ?? LOST_EXIT_CODE, finishedAt: m.finishedAt ?? isoNow()};
    return cs.updateRecord(c.id, rec => {
      if ((rec.metadata as LifeMeta).state !== `running` || hasMonitor(rec.metadata as LifeMeta)) return;
      rec.metadata = meta;
      emitDied(ctx, rec);
    }).catch(() => ({...c, metadata: meta}));
  }
  const r = reconcile(m, probe);
  if (!r.changed && r.orphan === undefined) return c;
  try {
    return await cs.updateRecord(c.id, rec => {
      // Re-check under the lock: another tspod may have moved it on (start, rm).
      if ((rec.metadata as LifeMeta).monitorPid !== m.monitorPid || (rec.metadata as LifeMeta).state !== m.state) return;
      // Only now is the orphan killed: from a stale record (its monitor the one before a
      // restart), the pid file already names the new start's process, which must live.
      if (r.orphan !== undefined) {
        try { process.kill(r.orphan, `SIGKILL`); } catch {}
      }
      rec.metadata = r.meta;
      // Only the tspod whose update records the exit tells of it (ps, stop and the monitor's
      // cleanup may race), and while it holds the lock: so before the cleanup's own event.
      if (isRunning(m) && !isRunning(r.meta)) emitDied(ctx, rec);
    });
  } catch {
    return {...c, metadata: r.meta};
  }
}

function emitDied(ctx: EngineContext, c: ContainerRecord): void {
  const code = (c.metadata as LifeMeta).exitCode;
  emitEvents(ctx, [containerEvent(c, `died`, {exitCode: typeof code === `number` ? code : undefined})]);
}

/**
 * A detached `--rm` container left exited with no monitor: the monitor died (kill -9)
 * before its exit command (`container cleanup`) removed it. Foreground `run --rm`
 * leftovers (rmPending) are sweepLeftovers' (run/prepare.ts).
 */
export function isAutoRemoveLeftover(m: LifeMeta): boolean {
  return m.autoRemove === true && m.rmPending !== true && podmanStatus(m) === `exited` && !hasMonitor(m);
}

/** Every record, reconciled; `--rm` leftovers of a dead monitor are removed (as podman does). */
export async function listFresh(ctx: EngineContext, cs: ContainerStore): Promise<Array<ContainerRecord>> {
  const out: Array<ContainerRecord> = [];
  for (const c of await cs.list()) out.push(await refresh(ctx, cs, c));
  const leftovers = out.filter(c => isAutoRemoveLeftover(c.metadata as LifeMeta)).map(c => c.id);
  // Being removed by another tspod (another ps sweeping the same leftover, an rm): its end is waited for.
  const removing = out.filter(c => (c.metadata as LifeMeta).state === `removing`).map(c => c.id);
  if (leftovers.length === 0 && removing.length === 0) return out;
  if (leftovers.length > 0) {
    // rm re-checks each one under its container lock (a concurrent start wins).
    const {removeContainers} = await import(`../verbs/rm`);
    await removeContainers(ctx, {containers: leftovers, ignore: true, volumes: true});
  }
  for (const id of removing) await waitWhileLocked(ctx, id);
  // Gone whoever removed it.
  const still = new Set((await cs.list()).map(c => c.id));
  return out.filter(c => still.has(c.id));
}

/**
 * Waits (up to 10 s) while another tspod holds container `id`'s lock; at once when there is
 * no lock file (no one at work, or the container is gone): made by no one but its users.
 */
async function waitWhileLocked(ctx: EngineContext, id: string): Promise<void> {
  const path = join(ctx.paths.runRoot, `locks`, id);
  let fd: number;
  try {
    fd = openSync(path, `r`);
  } catch {
    return;
  }
  try {
    if (await flockWait(fd, `shared`, path, {timeoutMs: 10_000})) unflock(fd, path);
  } finally {
    closeSync(fd);
  }
}

/** A per-container lock (run root `locks/ID`) held across a lifecycle transition. */
export async function withContainerLock<T>(ctx: EngineContext, id: string, fn: () => Promise<T>): Promise<T> {
  const dir = join(ctx.paths.runRoot, `locks`);
  mkdirSync(dir, {recursive: true, mode: 0o700});
  const path = join(dir, id);
  const fd = openSync(path, `a`, 0o600);
  try {
    if (!await flockWait(fd, `exclusive`, path, {timeoutMs: 60_000}))
      throw new TspodError(`Locked`, `container ${id.slice(0, 12)} is locked by another tspod for more than a minute`, {hint: `check for a hung tspod process`});
    try {
      return await fn();
    } finally {
      try { unflock(fd, path); } catch {}
    }
  } finally {
    closeSync(fd);
  }
}

/** Tells the monitor not to apply the restart policy (stop, kill, rm). */
export function markStopped(ctx: EngineContext, id: string): void {
  const f = runFiles(ctx.paths.runRoot, id);
  try {
    mkdirSync(f.dir, {recursive: true, mode: 0o700});
    writeFileSync(f.stopMarker, ``);
  } catch {}
}

export function removeRunFiles(ctx: EngineContext, id: string): void {
  rmSync(runFiles(ctx.paths.runRoot, id).dir, {recursive: true, force: true});
  try { unlinkSync(join(ctx.paths.runRoot, `locks`, id)); } catch {}
}

export function stateError(c: ContainerRecord, what: string): TspodError {
  const st = (c.metadata as LifeMeta).state ?? `unknown`;
  return new TspodError(`CtrStateInvalid`, `${what}: container ${nameOf(c)} is in state ${st === `stopped` ? `exited` : st}: container state improper`);
}
