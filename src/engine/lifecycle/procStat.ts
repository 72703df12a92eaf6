// /proc/PID/stat: a pid is only "ours" when its start time (field 22, clock ticks
// since boot) is the one recorded when we started it; that defeats pid reuse.
import {readFileSync} from 'node:fs';

/** Field 22 of /proc/PID/stat as a string, or undefined when the process is gone. */
export function parseStartTime(stat: string): string | undefined {
  // comm (field 2) may hold spaces and parentheses: split after the last `)`.
  const close = stat.lastIndexOf(`)`);
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(` `);
  // fields[0] is field 3 (state), so field 22 is fields[19].
  return fields[19];
}

/** The state letter (field 3): Z for a zombie. */
export function parseProcState(stat: string): string | undefined {
  const close = stat.lastIndexOf(`)`);
  return close < 0 ? undefined : stat.slice(close + 2, close + 3);
}

export function readStat(pid: number): string | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/stat`, `utf8`);
  } catch {
    return undefined;
  }
}

export function startTimeOf(pid: number): string | undefined {
  const s = readStat(pid);
  return s === undefined ? undefined : parseStartTime(s);
}

/** True when PID runs (not a zombie) and started at `start` (when given). */
export function isAlive(pid: unknown, start?: unknown): boolean {
  if (typeof pid !== `number`) return false;
  const s = readStat(pid);
  if (s === undefined || parseProcState(s) === `Z`) return false;
  return start === undefined || start === null || parseStartTime(s) === start;
}
