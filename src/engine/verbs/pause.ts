// `pause`/`unpause` through the cgroup v2 freezer (cgroup.freeze of the container's
// own cgroup). A container without a cgroup (cgroup v1 host, --cgroups disabled) is
// refused with podman's reason. Called per container from verbs/stop.ts (lifecycle).
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import type {ContainerStore} from '../../storage/ContainerStore';
import type {ContainerRecord} from '../../storage/ContainerStore';
import {readPidFile, runFiles} from '../lifecycle/containers';
import type {LifeMeta} from '../lifecycle/state';
import {containerCgroup, freeze} from '../../cgroups/stats';
import {join} from 'node:path';

/** The running container's cgroup directory, or undefined. */
export function cgroupOf(ctx: EngineContext, cs: ContainerStore, c: ContainerRecord): string | undefined {
  const m = c.metadata as LifeMeta;
  const pids = [m.pid, readPidFile(runFiles(ctx.paths.runRoot, c.id).pidFile), readPidFile(join(cs.userdataDir(c.id), `pidfile`))];
  for (const pid of pids) {
    if (pid === undefined) continue;
    const dir = containerCgroup(pid);
    if (dir) return dir;
  }
  return undefined;
}

export async function setPaused(ctx: EngineContext, cs: ContainerStore, c: ContainerRecord, paused: boolean): Promise<void> {
  const m = c.metadata as LifeMeta;
  if (paused && m.state === `paused`) throw new TspodError(`CtrStateInvalid`, `"paused" is not running, can't pause: container state improper`);
  if (!paused && m.state !== `paused`) throw new TspodError(`CtrStateInvalid`, `"${m.state}" is not paused, can't unpause: container state improper`);
  const dir = cgroupOf(ctx, cs, c);
  if (!dir)
    throw new TspodError(`Unsupported`, `can not ${paused ? `pause` : `unpause`} containers on rootless containers with cgroup V1: this container does not have a cgroup`,
      {hint: `pausing needs the cgroup v2 freezer: boot with systemd.unified_cgroup_hierarchy=1 and a delegated user cgroup (systemd user session), and do not use --cgroups disabled`});
  await freeze(dir, paused);
  await cs.updateRecord(c.id, rec => {
    rec.metadata = {...rec.metadata, state: paused ? `paused` : `running`};
  });
}
