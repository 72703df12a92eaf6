// Which cgroup hierarchy this host has, and which v2 controllers are delegated to
// the calling user. Rootless limits need a v2 subtree the user owns (systemd's
// Delegate=yes); anything else means limits must be refused, never faked.
import {accessSync, constants, readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';

export interface CgroupInfo {
  version: `v1` | `v2` | `hybrid` | `none`;
  /** Path of the unified (v2) mount, if any. */
  unifiedMount: string | null;
  /** This process's v2 cgroup path (from /proc/self/cgroup "0::"). */
  ownCgroup: string | null;
  delegatedControllers: Array<string>;
  manager: `systemd` | `cgroupfs` | `none`;
  limitsAvailable: boolean;
  reason: string;
  fix: string;
  /** The user's systemd instance (user@UID.service) when it runs and owns a delegated subtree. */
  userManager?: {cgroup: string, controllers: Array<string>, bus: string} | undefined;
  /** Controllers of the caller's own cgroup when the caller owns it (cgroupfs, --cgroups split). */
  ownControllers?: Array<string> | undefined;
}

const STATFS_CGROUP2 = `cgroup2fs`;

function fsType(path: string): string | null {
  // statfs without koffi: the mount table says what is mounted where.
  try {
    for (const line of readFileSync(`/proc/self/mounts`, `utf8`).split(`\n`)) {
      const f = line.split(` `);
      if (f[1] === path) return f[2] === `cgroup2` ? STATFS_CGROUP2 : (f[2] ?? null);
    }
  } catch {}
  return null;
}

function readLines(file: string): Array<string> {
  try {
    return readFileSync(file, `utf8`).split(`\n`).filter(Boolean);
  } catch {
    return [];
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function uid(): number {
  return process.getuid?.() ?? 0;
}

/**
 * The user's systemd instance: its cgroup (owned by the user, the subtree systemd
 * delegates to them) and its private bus, which `systemd-run --user` talks to.
 */
export function detectUserManager(mountsRoot = `/sys/fs/cgroup`): {cgroup: string, controllers: Array<string>, bus: string} | undefined {
  const u = uid();
  const cgroup = `/user.slice/user-${u}.slice/user@${u}.service`;
  const dir = join(mountsRoot, cgroup);
  const bus = `/run/user/${u}/systemd/private`;
  try {
    if (statSync(dir).uid !== u) return undefined;
    statSync(bus);
  } catch {
    return undefined;
  }
  return {cgroup, bus, controllers: readLines(join(dir, `cgroup.controllers`)).join(` `).split(` `).filter(Boolean)};
}

/** The v2 cgroup of a process (`0::` line of /proc/PID/cgroup), as a path below the mount. */
export function cgroupOfPid(pid: number | `self`): string | undefined {
  return readLines(`/proc/${pid}/cgroup`).find(l => l.startsWith(`0::`))?.slice(3);
}

export function detectCgroups(mountsRoot = `/sys/fs/cgroup`): CgroupInfo {
  const rootType = fsType(mountsRoot);
  const hasUnifiedChild = fsType(join(mountsRoot, `unified`)) === STATFS_CGROUP2;
  const own = readLines(`/proc/self/cgroup`).find(l => l.startsWith(`0::`))?.slice(3) ?? null;
  const v1Lines = readLines(`/proc/self/cgroup`).filter(l => !l.startsWith(`0::`));

  if (rootType === STATFS_CGROUP2) {
    const dir = join(mountsRoot, own ?? `/`);
    const controllers = readLines(join(dir, `cgroup.controllers`)).join(` `).split(` `).filter(Boolean);
    let owned = false;
    try {
      owned = statSync(dir).uid === (process.getuid?.() ?? 0) && writable(join(dir, `cgroup.procs`));
    } catch {}
    const userManager = detectUserManager(mountsRoot);
    const ownControllers = owned && controllers.length > 0 ? controllers : undefined;
    if (userManager && userManager.controllers.length > 0) {
      return {version: `v2`, unifiedMount: mountsRoot, ownCgroup: own, delegatedControllers: userManager.controllers,
        manager: `systemd`, limitsAvailable: true, reason: ``, fix: ``, userManager, ownControllers};
    }
    if (ownControllers) {
      return {version: `v2`, unifiedMount: mountsRoot, ownCgroup: own, delegatedControllers: ownControllers,
        manager: `cgroupfs`, limitsAvailable: true, reason: ``, fix: ``, userManager, ownControllers};
    }
    if (userManager) {
      return {version: `v2`, unifiedMount: mountsRoot, ownCgroup: own, delegatedControllers: [], manager: `systemd`, limitsAvailable: false, userManager,
        reason: `cgroup v2 is mounted but user@${uid()}.service delegates no controllers to this user`,
        fix: `delegate them: a drop-in /etc/systemd/system/user@.service.d/delegate.conf with "[Service]\nDelegate=cpu cpuset io memory pids", then systemctl daemon-reload and log in again`};
    }
    return {version: `v2`, unifiedMount: mountsRoot, ownCgroup: own, delegatedControllers: [],
      manager: `none`, limitsAvailable: false,
      reason: `cgroup v2 is mounted but no controllers are delegated to this user (cgroup ${own ?? `unknown`})`,
      fix: `run tspod inside a systemd user session (loginctl enable-linger USER) whose user@.service has "Delegate=cpu cpuset io memory pids" (a drop-in in /etc/systemd/system/user@.service.d/delegate.conf)`};
  }
  if (v1Lines.length > 0 || rootType === `tmpfs`) {
    return {version: hasUnifiedChild ? `hybrid` : `v1`, unifiedMount: hasUnifiedChild ? join(mountsRoot, `unified`) : null,
      ownCgroup: own, delegatedControllers: [], manager: `none`, limitsAvailable: false,
      reason: hasUnifiedChild
        ? `the host uses cgroup v1 with an empty v2 hierarchy (hybrid mode): controllers cannot be delegated to a rootless user`
        : `the host uses cgroup v1: controllers cannot be delegated to a rootless user`,
      fix: `boot with the unified cgroup v2 hierarchy (kernel parameter "systemd.unified_cgroup_hierarchy=1") and delegate controllers to users with systemd (Delegate=yes in user@.service)`};
  }
  return {version: `none`, unifiedMount: null, ownCgroup: null, delegatedControllers: [], manager: `none`,
    limitsAvailable: false, reason: `no cgroup filesystem is mounted`, fix: `mount cgroup2 on /sys/fs/cgroup`};
}
