// The container state machine, kept pure so it can be tested without processes.
// Stored state (containers.json metadata) is only a claim: it is reconciled with
// what the run root says (the monitor's exit file, the monitor's and container's
// pids checked with their start times) before anyone acts on it. After a reboot the
// run root is gone and a kill -9'd monitor leaves no exit file: both read as exited.
import {isoNow, isoTime} from '../../util/isoTime';

export type Status = `configured` | `created` | `running` | `paused` | `stopped` | `exited` | `removing`;

/** Our fields in ContainerRecord.metadata. */
export interface LifeMeta {
  state?: Status | string;
  monitorPid?: number;
  monitorStart?: string;
  pid?: number;
  pidStart?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  restartCount?: number;
  restartPolicy?: string;
  startError?: string;
  [k: string]: unknown;
}

export interface ExitRecord {
  exitCode: number;
  finishedAt: string;
  restartCount?: number;
}

export interface Probe {
  /** The monitor's exit file (absent while the container runs). */
  exit?: ExitRecord | undefined;
  monitorAlive: boolean;
  /** The container's current pid (the monitor's pid file) and whether it runs. */
  ctrPid?: number | undefined;
  ctrAlive: boolean;
  /** From the monitor's state file while it runs. */
  restartCount?: number | undefined;
}

export interface Reconciled {
  meta: LifeMeta;
  changed: boolean;
  /** A container process left without its monitor: kill it. */
  orphan?: number;
}

/** Exit code recorded when the monitor vanished without writing one (SIGKILL). */
export const LOST_EXIT_CODE = 137;

export function hasMonitor(m: LifeMeta): boolean {
  return typeof m.monitorPid === `number` && m.monitorPid > 0;
}

export function reconcile(m: LifeMeta, p: Probe): Reconciled {
  const active = m.state === `running` || m.state === `stopped` || m.state === `exited` || m.state === `paused`;
  if (!active || !hasMonitor(m)) return {meta: m, changed: false};
  const next: LifeMeta = {...m};
  if (p.exit) {
    next.state = `exited`;
    next.exitCode = p.exit.exitCode;
    next.finishedAt = p.exit.finishedAt;
    if (p.exit.restartCount !== undefined) next.restartCount = p.exit.restartCount;
    if (!p.monitorAlive) forgetMonitor(next);
  } else if (p.monitorAlive) {
    next.state = m.state === `paused` ? `paused` : `running`; // paused: frozen by cgroup.freeze (verbs/pause.ts)
    if (p.restartCount !== undefined) next.restartCount = p.restartCount;
    if (p.ctrPid !== undefined && p.ctrPid !== m.pid) {
      next.pid = p.ctrPid;
      next.pidStart = undefined;
    }
  } else {
    // The monitor died without an exit file (kill -9, reboot): exited, never stuck running.
    next.state = `exited`;
    if (m.state === `running` || next.exitCode === undefined) next.exitCode = LOST_EXIT_CODE;
    next.finishedAt ??= isoNow();
    forgetMonitor(next);
  }
  const changed = JSON.stringify(next) !== JSON.stringify(m);
  const orphan = !p.monitorAlive && p.ctrAlive && p.ctrPid !== undefined ? p.ctrPid : undefined;
  return {meta: next, changed, ...(orphan !== undefined ? {orphan} : {})};
}

function forgetMonitor(m: LifeMeta): void {
  delete m.monitorPid;
  delete m.monitorStart;
}

/** podman's ps/inspect status word. */
export function podmanStatus(m: LifeMeta): string {
  switch (m.state) {
    case `running`: return `running`;
    case `paused`: return `paused`;
    case `exited`: case `stopped`: return `exited`;
    case `removing`: return `removing`;
    case `configured`: case `created`: default: return `created`;
  }
}

export function isRunning(m: LifeMeta): boolean {
  return m.state === `running` || m.state === `paused`;
}

export type RestartPolicy = {name: `no` | `always` | `on-failure` | `unless-stopped`, max: number};

export function parseRestartPolicy(s: string | undefined): RestartPolicy {
  if (s === undefined || s === `` || s === `no`) return {name: `no`, max: 0};
  const [name, count] = s.split(`:`, 2);
  if (name !== `always` && name !== `on-failure` && name !== `unless-stopped`)
    throw new Error(`invalid restart policy "${s}"`);
  if (count !== undefined && name !== `on-failure`)
    throw new Error(`restart policy "${name}" takes no retry count`);
  const max = count === undefined ? 0 : Number(count);
  if (!Number.isInteger(max) || max < 0) throw new Error(`invalid restart count "${count}"`);
  return {name, max};
}

/** Relative "Up 3 minutes" / "Exited (0) 2 seconds ago" like podman's ps. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 1) return `Less than a second`;
  if (s < 60) return `${s} second${s === 1 ? `` : `s`}`;
  const min = Math.floor(s / 60);
  if (min < 60) return min === 1 ? `About a minute` : `${min} minutes`;
  const h = Math.round(min / 60);
  if (h < 48) return h === 1 ? `About an hour` : `${h} hours`;
  const d = Math.floor(h / 24);
  if (d < 14) return `${d} days`;
  return `${Math.floor(d / 7)} weeks`;
}

export function statusLine(m: LifeMeta, now: number): string {
  const st = podmanStatus(m);
  if (st === `running`) return `Up ${humanDuration(now - Date.parse(m.startedAt ?? isoTime(now)))}`;
  if (st === `paused`) return `Paused`;
  if (st === `exited`) return `Exited (${m.exitCode ?? 0}) ${humanDuration(now - Date.parse(m.finishedAt ?? isoTime(now)))} ago`;
  if (st === `removing`) return `Removing`;
  return `Created`;
}
