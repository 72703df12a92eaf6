// A container's health state, podman's `healthcheck.log` (State.Health in inspect):
// JSON in the container's userdata, replaced atomically and written only under the
// container's lock (containers.ts withContainerLock), by start (starting) and by each
// `healthcheck run`. The fold of one result into the state is pure.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {writeFileAtomic} from '../../util/atomicWrite';
import type {Healthcheck} from './healthConfig';

export type HealthStatus = `starting` | `healthy` | `unhealthy`;

export interface HealthLogEntry {
  Start: string;
  End: string;
  /** podman's: 0 healthy, 1 failed, -1 timed out, 125 could not run. */
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus | ``;
  FailingStreak: number;
  Log: Array<HealthLogEntry> | null;
}

/** podman 4 keeps the last five results, each output cut at 500 bytes. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT = 500;

export function healthPath(userdata: string): string {
  return join(userdata, `healthcheck.log`);
}

export function readHealth(userdata: string): HealthState {
  try {
    const v = JSON.parse(readFileSync(healthPath(userdata), `utf8`)) as HealthState;
    if (v && typeof v === `object`) return {Status: v.Status ?? ``, FailingStreak: v.FailingStreak ?? 0, Log: Array.isArray(v.Log) ? v.Log : null};
  } catch {}
  return {Status: ``, FailingStreak: 0, Log: null};
}

/** Caller holds the container's lock. */
export async function writeHealth(userdata: string, h: HealthState): Promise<void> {
  await writeFileAtomic(healthPath(userdata), `${JSON.stringify(h)}\n`, {mode: 0o600, fsync: false});
}

/** At each start: `starting` again, no failures counted; the last results stay (podman). */
export function startingState(prev: HealthState): HealthState {
  return {Status: `starting`, FailingStreak: 0, Log: prev.Log};
}

/** One result folded in (podman's updateHealthCheckLog): failures in the start period do not count. */
export function foldResult(prev: HealthState, e: HealthLogEntry, hc: Healthcheck, inStartPeriod: boolean): HealthState {
  const next: HealthState = {Status: prev.Status || `starting`, FailingStreak: prev.FailingStreak, Log: [...prev.Log ?? [], e].slice(-MAX_LOG_ENTRIES)};
  if (e.ExitCode === 0) {
    next.Status = `healthy`;
    next.FailingStreak = 0;
  } else if (!inStartPeriod) {
    next.FailingStreak++;
    if (next.FailingStreak >= hc.Retries) next.Status = `unhealthy`;
  }
  return next;
}

/** ps's STATUS suffix and --filter health=: the status, or `` for no health check. */
export function healthStatusOf(userdata: string, hc: unknown): HealthStatus | `` {
  if (!hc) return ``;
  return readHealth(userdata).Status || `starting`;
}
