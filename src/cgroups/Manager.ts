// The cgroup manager, chosen once per container (STYLE rule 9; crun's
// libcrun_cgroup_manager): `systemd` puts each container in a transient scope of the
// user's systemd instance; `cgroupfs` in a child of a cgroup the user already owns
// (tspod inside a Delegate=yes unit: `--cgroups split`). Both hand the runtime a keeper
// hook (cgroups/hook.ts) and leave the container in BASE/container.
import {writeFileSync, mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../engine/errors';
import type {CgroupInfo} from './detect';
import type {LimitPlan} from './limits';
import {CONTROLLER_OF} from './limits';
import {cgroupfsHook, oomScoreHook, systemdHook} from './hook';
import type {HookRequest} from './hook';

export type CgroupsMode = `enabled` | `disabled` | `no-conmon` | `split`;
export type ManagerName = `systemd` | `cgroupfs`;

export interface CgroupManager {
  readonly name: ManagerName;
  /** The keeper hooks that place the container (its pid is @PID@) into its cgroup. */
  hooks(id: string, r: HookRequest): Array<Array<string>>;
}

class SystemdManager implements CgroupManager {
  readonly name = `systemd` as const;
  hooks(id: string, r: HookRequest): Array<Array<string>> {
    return [systemdHook(`tspod-${id.slice(0, 12)}`, r)];
  }
}

class CgroupfsManager implements CgroupManager {
  readonly name = `cgroupfs` as const;
  constructor(private readonly parent: string) {}
  hooks(id: string, r: HookRequest): Array<Array<string>> {
    return [cgroupfsHook(join(this.parent, `tspod-${id.slice(0, 12)}`), r)];
  }
}

export function parseCgroupsMode(v: string | undefined): CgroupsMode {
  const m = v ?? `enabled`;
  if (m === `enabled` || m === `disabled` || m === `no-conmon` || m === `split`) return m;
  throw new TspodError(`InvalidArgument`, `invalid --cgroups mode "${m}"`, {hint: `use enabled, disabled, no-conmon or split`});
}

export interface CgroupChoice {
  manager: CgroupManager | null;
  /** Refusal text for `info` and errors: what is missing. */
  reason?: string;
}

function refuse(flags: Array<string>, what: string, fix: string): TspodError {
  return new TspodError(`Unsupported`, `cannot apply ${flags.join(`, `)}: ${what}`, {hint: fix});
}

/**
 * Picks the manager for one container, or refuses: a limit flag whose controller is
 * not delegated is an error (exit 125) naming what is missing and the fix, never ignored.
 * Without limit flags, a host without delegation runs the container without a cgroup of its own.
 */
export function chooseManager(info: CgroupInfo, o: {mode: CgroupsMode, requested?: ManagerName | undefined, limits: LimitPlan}): CgroupChoice {
  const flags = o.limits.cgroupFlags;
  if (o.mode === `disabled`) {
    if (flags.length > 0) throw new TspodError(`InvalidArgument`, `${flags.join(`, `)} cannot be used with --cgroups disabled`, {hint: `drop --cgroups disabled or the limit flags`});
    return {manager: null};
  }
  let manager: CgroupManager | null = null;
  let controllers: Array<string> = [];
  const wantSystemd = o.requested === `systemd` || (o.requested === undefined && o.mode !== `split`);
  if (o.mode === `split` || o.requested === `cgroupfs`) {
    if (info.ownControllers && info.ownCgroup) {
      manager = new CgroupfsManager(join(info.unifiedMount ?? `/sys/fs/cgroup`, info.ownCgroup.replace(/\/supervisor$/, ``)));
      controllers = info.ownControllers;
    } else if (flags.length > 0 || o.mode === `split`) {
      throw refuse(flags.length > 0 ? flags : [`--cgroups split`], `tspod's own cgroup (${info.ownCgroup ?? `none`}) is not delegated to this user${info.reason ? `; ${info.reason}` : ``}`,
        `run tspod in a systemd unit with Delegate=yes (a Quadlet .container does this), or use --cgroup-manager systemd`);
    }
  } else if (wantSystemd && info.userManager && info.version === `v2`) {
    manager = new SystemdManager();
    controllers = info.userManager.controllers;
  } else if (flags.length > 0) {
    if (info.version !== `v2`) throw refuse(flags, info.reason, info.fix);
    throw refuse(flags, `no systemd user instance is reachable (no /run/user/${process.getuid?.() ?? 0}/systemd/private)${info.reason ? `; ${info.reason}` : ``}`,
      `start one with "loginctl enable-linger $USER" and log in again, or run tspod inside a Delegate=yes unit with --cgroups split`);
  }
  const missing = o.limits.controllers.filter(c => !controllers.includes(c));
  if (missing.length > 0) {
    const which = flags.filter(f => missing.includes(CONTROLLER_OF[f]!));
    throw refuse(which, `the ${missing.join(`, `)} controller${missing.length > 1 ? `s are` : ` is`} not delegated to this user (delegated: ${controllers.join(` `) || `none`})`,
      `delegate ${missing.join(` `)} with a drop-in /etc/systemd/system/user@.service.d/delegate.conf: "[Service]\\nDelegate=cpu cpuset io memory pids", then systemctl daemon-reload and log in again`);
  }
  return {manager};
}

/** The keeper hooks of one container: its cgroup (if any) and --oom-score-adj. */
export function containerHooks(choice: CgroupChoice, id: string, limits: LimitPlan, eventsFile: string): Array<Array<string>> {
  const hooks: Array<Array<string>> = [];
  if (choice.manager) {
    const files = limits.files.map(f => `${f.optional ? `?` : ``}${f.file}=${f.value}`);
    hooks.push(...choice.manager.hooks(id, {files, controllers: limits.controllers, eventsFile}));
  }
  if (limits.oomScoreAdj !== undefined) hooks.push(oomScoreHook(limits.oomScoreAdj));
  return hooks;
}

/**
 * cgroupfs under `--cgroups split`: the unit's own cgroup gets the processes out of its
 * root (into `supervisor`) so that controllers can be enabled for the containers below.
 */
export function prepareSplit(info: CgroupInfo, controllers: Array<string>): void {
  if (!info.ownCgroup) return;
  const own = join(info.unifiedMount ?? `/sys/fs/cgroup`, info.ownCgroup);
  if (info.ownCgroup.endsWith(`/supervisor`)) return;
  mkdirSync(join(own, `supervisor`), {recursive: true});
  for (const pid of readFileSync(join(own, `cgroup.procs`), `utf8`).split(`\n`).filter(Boolean))
    try { writeFileSync(join(own, `supervisor/cgroup.procs`), pid); } catch {}
  for (const c of controllers) writeFileSync(join(own, `cgroup.subtree_control`), `+${c}`);
}
