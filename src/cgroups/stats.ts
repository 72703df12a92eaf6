// A running container's cgroup (found from its pid: /proc/PID/cgroup), its numbers for
// `stats`, limit changes for `update`, and the v2 freezer for `pause`.
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {cgroupOfPid} from './detect';

const MOUNT = `/sys/fs/cgroup`;

/** The container's cgroup directory, or undefined when it has none (cgroup v1 host, --cgroups disabled). */
export function containerCgroup(pid: number): string | undefined {
  const rel = cgroupOfPid(pid);
  if (rel === undefined || !rel.endsWith(`/container`)) return undefined;
  return join(MOUNT, rel);
}

function read(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), `utf8`).trim();
  } catch {
    return undefined;
  }
}

function keyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of (text ?? ``).split(`\n`)) {
    const [k, v] = l.split(` `);
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

const num = (v: string | undefined): number | undefined => v === undefined || v === `max` ? undefined : Number(v);

export interface CgroupSample {
  /** Cumulative CPU time, microseconds (cpu.stat usage_usec). */
  cpuUsec: number;
  memUsage: number;
  /** memory.max, or undefined = no limit. */
  memLimit: number | undefined;
  pids: number;
  pidsLimit: number | undefined;
  blockRead: number;
  blockWrite: number;
  cpuMax: string | undefined;
  throttledUsec: number;
  at: number;
}

export function sample(dir: string): CgroupSample {
  const cpu = keyed(read(dir, `cpu.stat`));
  let blockRead = 0, blockWrite = 0;
  for (const l of (read(dir, `io.stat`) ?? ``).split(`\n`)) {
    blockRead += Number(/rbytes=(\d+)/.exec(l)?.[1] ?? 0);
    blockWrite += Number(/wbytes=(\d+)/.exec(l)?.[1] ?? 0);
  }
  return {
    cpuUsec: cpu.usage_usec ?? 0, throttledUsec: cpu.throttled_usec ?? 0,
    memUsage: num(read(dir, `memory.current`)) ?? 0, memLimit: num(read(dir, `memory.max`)),
    pids: num(read(dir, `pids.current`)) ?? 0, pidsLimit: num(read(dir, `pids.max`)),
    blockRead, blockWrite, cpuMax: read(dir, `cpu.max`), at: Date.now(),
  };
}

/** memory.events saved by the cgroup hook's watcher (or read live): was a process OOM-killed? */
export function oomKilled(eventsText: string | undefined): boolean {
  const e = keyed(eventsText);
  return (e.oom_kill ?? 0) > 0 || (e.oom_group_kill ?? 0) > 0;
}

export function readEvents(dir: string): string | undefined {
  return read(dir, `memory.events`);
}

/** Writes limit files into a live container cgroup (`update`). */
export function writeFiles(dir: string, files: Array<{file: string, value: string, optional?: boolean}>): void {
  for (const f of files) {
    if (f.optional && read(dir, f.file) === undefined) continue;
    writeFileSync(join(dir, f.file), f.value);
  }
}

/** cgroup.freeze: 1 freezes every process of the cgroup, 0 thaws them; waits until the kernel reports it. */
export async function freeze(dir: string, frozen: boolean): Promise<void> {
  writeFileSync(join(dir, `cgroup.freeze`), frozen ? `1` : `0`);
  for (let i = 0; i < 200; i++) {
    if (keyed(read(dir, `cgroup.events`)).frozen === (frozen ? 1 : 0)) return;
    await new Promise(r => setTimeout(r, 25));
  }
}

export function isFrozen(dir: string): boolean {
  return keyed(read(dir, `cgroup.events`)).frozen === 1;
}
