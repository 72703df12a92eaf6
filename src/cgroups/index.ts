// The cgroups layer's one entry point for the engine: flags → plan → manager → hooks.
import {statSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {TspodError} from '../engine/errors';
import {detectCgroups} from './detect';
import {planLimits} from './limits';
import type {LimitFlags, LimitPlan} from './limits';
import {chooseManager, containerHooks, parseCgroupsMode, prepareSplit} from './Manager';
import type {CgroupChoice, CgroupsMode, ManagerName} from './Manager';

export type {LimitFlags, LimitPlan, LinuxResources} from './limits';
export type {CgroupsMode, ManagerName} from './Manager';

export interface ContainerCgroup {
  mode: CgroupsMode;
  limits: LimitPlan;
  choice: CgroupChoice;
  /** The host's cgroup version (v2: podman's default is a cgroup namespace of the container's own). */
  hostVersion: string;
}

function statDevice(path: string): {major: number, minor: number} {
  let rdev: number;
  try {
    const st = statSync(path);
    if (!st.isBlockDevice()) throw new TspodError(`InvalidArgument`, `${path} is not a block device`, {hint: `give a block device such as /dev/vda`});
    rdev = st.rdev;
  } catch (err) {
    if (err instanceof TspodError) throw err;
    throw new TspodError(`InvalidArgument`, `cannot stat device ${path}: ${(err as NodeJS.ErrnoException).code}`, {hint: `give an existing block device`});
  }
  return {major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | (Math.floor(rdev / 4096) & 0xfff00)};
}

/** Every check before anything is created: refuses what this host cannot enforce. */
export function planContainerCgroup(flags: LimitFlags, o: {cgroups?: string | undefined, manager?: string | undefined}): ContainerCgroup {
  const mode = parseCgroupsMode(o.cgroups);
  if (o.manager !== undefined && o.manager !== `systemd` && o.manager !== `cgroupfs`)
    throw new TspodError(`InvalidArgument`, `invalid --cgroup-manager "${o.manager}"`, {hint: `use systemd or cgroupfs`});
  const limits = planLimits(flags, {cpuCount: availableParallelism(), statDevice});
  const info = detectCgroups();
  const choice = chooseManager(info, {mode, requested: o.manager as ManagerName | undefined, limits});
  // cgroupfs (a Delegate=yes unit): the unit's processes move to `supervisor` so that
  // controllers can be enabled for the containers' cgroups beside it.
  if (choice.manager?.name === `cgroupfs`) {
    try {
      prepareSplit(info, info.ownControllers ?? []);
    } catch (err) {
      throw new TspodError(`Host`, `cannot prepare tspod's cgroup ${info.ownCgroup} for containers: ${(err as Error).message}`, {hint: `run tspod in a unit with Delegate=yes (a Quadlet .container gets it)`});
    }
  }
  return {mode, limits, choice, hostVersion: info.version};
}

export function cgroupHooks(c: ContainerCgroup, id: string, eventsFile: string): Array<Array<string>> {
  return containerHooks(c.choice, id, c.limits, eventsFile);
}
