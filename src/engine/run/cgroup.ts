// The container's cgroup in its spec (owned by the cgroups work, called from prepare.ts):
// linux.resources for inspect and crun, and the keeper hook that creates the cgroup
// at each start, ahead of the network hooks in the same annotation (runtime/specToPlan).
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import type {RuntimeSpec} from '../../oci/runtimeSpec';
import {cgroupHooks} from '../../cgroups';
import type {ContainerCgroup, LinuxResources} from '../../cgroups';
import {oomKilled} from '../../cgroups/stats';
import {HOOKS_ANNOTATION} from './network';

export const CGROUP_ANNOTATION = `io.tspod.cgroup`;

export function applyCgroup(spec: RuntimeSpec, c: ContainerCgroup, id: string, eventsFile: string): void {
  const hooks = cgroupHooks(c, id, eventsFile);
  const ann = {...(spec.annotations ?? {})};
  ann[CGROUP_ANNOTATION] = JSON.stringify({mode: c.mode, manager: c.choice.manager?.name ?? `none`, files: c.limits.files});
  if (hooks.length > 0) {
    const net = ann[HOOKS_ANNOTATION] ? JSON.parse(ann[HOOKS_ANNOTATION]) as Array<Array<string>> : [];
    ann[HOOKS_ANNOTATION] = JSON.stringify([...hooks, ...net]);
  }
  spec.annotations = ann;
  if (Object.keys(c.limits.resources).length > 0 || c.limits.oomScoreAdj !== undefined) {
    (spec.linux ??= {} as never);
    (spec.linux as {resources?: unknown}).resources = c.limits.resources;
    if (c.limits.oomScoreAdj !== undefined) (spec.process as {oomScoreAdj?: number} | undefined)!.oomScoreAdj = c.limits.oomScoreAdj;
  }
}

/** inspect's cgroup fields: OOMKilled (memory.events the hook's watcher saved) and HostConfig limits. */
export function inspectCgroup(spec: RuntimeSpec | undefined, userdata: string): {oomKilled: boolean, hostConfig: Record<string, unknown>} {
  let events: string | undefined;
  try { events = readFileSync(join(userdata, `memory.events`), `utf8`); } catch {}
  const info = (() => { try { return JSON.parse(spec?.annotations?.[CGROUP_ANNOTATION] ?? `{}`); } catch { return {}; } })() as {manager?: string, mode?: string};
  const r = ((spec?.linux as {resources?: LinuxResources} | undefined)?.resources ?? {}) as LinuxResources;
  const cpus = r.cpu?.quota !== undefined && r.cpu.quota > 0 && r.cpu.period ? Math.round((r.cpu.quota / r.cpu.period) * 1e9) : 0;
  return {
    oomKilled: oomKilled(events),
    hostConfig: {
      CgroupManager: info.manager === `systemd` ? `systemd` : `cgroupfs`,
      Cgroups: info.mode ?? `enabled`,
      Memory: r.memory?.limit ?? 0, MemoryReservation: r.memory?.reservation ?? 0, MemorySwap: r.memory?.swap ?? 0,
      NanoCpus: cpus, CpuPeriod: r.cpu?.period ?? 0, CpuQuota: r.cpu?.quota ?? 0, CpuShares: r.cpu?.shares ?? 0,
      CpusetCpus: r.cpu?.cpus ?? ``, CpusetMems: r.cpu?.mems ?? ``, PidsLimit: r.pids?.limit ?? 0,
      BlkioWeight: r.blockIO?.weight ?? 0, OomScoreAdj: (spec?.process as {oomScoreAdj?: number} | undefined)?.oomScoreAdj ?? 0,
    },
  };
}
