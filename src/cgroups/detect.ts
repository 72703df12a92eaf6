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
    const hasSystemdUser = own !== null && /\/user@\d+\.service/.test(own);
    if (owned && controllers.length > 0) {
      return {version: `v2`, unifiedMount: mountsRoot, ownCgroup: own, delegatedControllers: controllers,
        manager: hasSystemdUser ? `systemd` : `cgroupfs`, limitsAvailable: true, reason: ``, fix: ``};
    }
    return {version: `v2`, unifiedMount: mountsRoot, ownCgroup: own, delegatedControllers: [],
      manager: hasSystemdUser ? `systemd` : `none`, limitsAvailable: false,
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
