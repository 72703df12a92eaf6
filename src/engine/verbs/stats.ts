// `stats`: CPU %, memory usage/limit, pids, block and network I/O of running
// containers, read from each container's own cgroup (cgroups/stats.ts) and, for the
// network, from /proc/PID/net/dev in the container's network namespace.
import {readFileSync} from 'node:fs';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {listFresh, mustLookup, nameOf, openContainers, refresh} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {sample} from '../../cgroups/stats';
import type {CgroupSample} from '../../cgroups/stats';
import {cgroupOf} from './pause';

export interface StatsOptions {
  containers: Array<string>;
  all?: boolean;
  /** Time between the two samples a CPU percentage needs. */
  intervalMs?: number;
}

export interface StatsEntry {
  ContainerID: string;
  Name: string;
  /** Percent of one CPU over the interval (podman's CPU). */
  CPU: number;
  CPUNano: number;
  MemUsage: number;
  MemLimit: number;
  MemPerc: number;
  PIDs: number;
  PIDsLimit: number | null;
  BlockInput: number;
  BlockOutput: number;
  NetInput: number;
  NetOutput: number;
  Paused: boolean;
}

function netDev(pid: number | undefined): {rx: number, tx: number} {
  let rx = 0, tx = 0;
  if (pid === undefined) return {rx, tx};
  try {
    for (const l of readFileSync(`/proc/${pid}/net/dev`, `utf8`).split(`\n`).slice(2)) {
      const m = /^\s*([^:]+):\s*(.*)$/.exec(l);
      if (!m || m[1] === `lo`) continue;
      const f = m[2]!.trim().split(/\s+/).map(Number);
      rx += f[0] ?? 0;
      tx += f[8] ?? 0;
    }
  } catch {}
  return {rx, tx};
}

function totalMemory(): number {
  try {
    return Number(/MemTotal:\s+(\d+)/.exec(readFileSync(`/proc/meminfo`, `utf8`))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

export async function containerStats(ctx: EngineContext, o: StatsOptions): Promise<Array<StatsEntry>> {
  const cs = openContainers(ctx);
  if (!cs) {
    if (o.containers.length > 0) throw new TspodError(`NoSuchContainer`, `no container with name or ID "${o.containers[0]}" found: no such container`);
    return [];
  }
  try {
    const records = o.containers.length > 0
      ? await Promise.all(o.containers.map(async r => refresh(ctx, cs, await mustLookup(cs, r))))
      : (await listFresh(ctx, cs)).filter(c => isRunning(c.metadata as LifeMeta));
    const targets: Array<{id: string, name: string, dir: string, pid: number | undefined, paused: boolean}> = [];
    for (const c of records) {
      const m = c.metadata as LifeMeta;
      if (!isRunning(m)) {
        if (o.containers.length > 0) throw new TspodError(`CtrStateInvalid`, `container ${nameOf(c)} is not running: container state improper`, {hint: `start it first: tspod start ${nameOf(c)}`});
        continue;
      }
      const dir = cgroupOf(ctx, cs, c);
      if (!dir) {
        throw new TspodError(`Unsupported`, `stats is not supported for container ${nameOf(c)}: it has no cgroup of its own`,
          {hint: `stats needs cgroup v2 delegated to your user (a systemd user session); containers made with --cgroups disabled have none`});
      }
      targets.push({id: c.id, name: nameOf(c), dir, pid: m.pid, paused: m.state === `paused`});
    }
    const first = new Map<string, CgroupSample>(targets.map(t => [t.id, sample(t.dir)]));
    await new Promise(r => setTimeout(r, o.intervalMs ?? 1000));
    const mem = totalMemory();
    return targets.map(t => {
      const a = first.get(t.id)!, b = sample(t.dir);
      const net = netDev(t.pid);
      const limit = b.memLimit ?? mem;
      const wall = Math.max(1, b.at - a.at) * 1000;
      return {
        ContainerID: t.id, Name: t.name,
        CPU: Math.round(((b.cpuUsec - a.cpuUsec) / wall) * 10000) / 100, CPUNano: b.cpuUsec * 1000,
        MemUsage: b.memUsage, MemLimit: limit, MemPerc: limit > 0 ? Math.round((b.memUsage / limit) * 10000) / 100 : 0,
        PIDs: b.pids, PIDsLimit: b.pidsLimit ?? null, BlockInput: b.blockRead, BlockOutput: b.blockWrite,
        NetInput: net.rx, NetOutput: net.tx, Paused: t.paused,
      };
    });
  } finally {
    cs.close();
  }
}
