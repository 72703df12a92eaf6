// What tspod needs from the host, each piece checked for real, and for each missing
// piece the exact command that fixes it. `tspod info` prints this report.
import {accessSync, constants, existsSync, readFileSync, statSync} from 'node:fs';
import {release} from 'node:os';
import {delimiter, join} from 'node:path';
import type {EngineContext} from './Engine';
import {readSubIds} from '../config/idmap';
import {uid, userName} from '../config/paths';
import {VERSION} from '../version';
import {detectCgroups} from '../cgroups/detect';
import {runtimeAvailability} from '../runtime/ociRuntime';

export interface Problem {
  what: string;
  fix: string;
}

export interface HostReport {
  host: {
    arch: string;
    os: string;
    kernel: string;
    hostname: string;
    rootless: boolean;
    uid: number;
    user: string;
    userns: {unprivileged: boolean, maxUserNamespaces: number};
    idMappings: {uidmap: Array<{start: number, count: number}>, gidmap: Array<{start: number, count: number}>};
    newuidmap: {path: string | null, privileged: boolean};
    newgidmap: {path: string | null, privileged: boolean};
    cgroupVersion: string;
    cgroupControllers: Array<string>;
    cgroupManager: string;
    resourceLimits: {available: boolean, reason: string};
    fuse: {fuseOverlayfs: string | null, devFuse: boolean};
    network: {pasta: string | null, slirp4netns: string | null, devNetTun: boolean, default: string};
    runtimes: Record<string, string | null>;
    /** runc and crun (`--runtime`): found, usable here, and if not, why. */
    ociRuntimes: Record<string, {path: string | null, version?: string, usable: boolean, reason?: string, fix?: string}>;
  };
  store: {graphRoot: string, runRoot: string, graphDriverName: string};
  version: {Version: string, NodeVersion: string};
  problems: Array<Problem>;
}

export function which(bin: string, path: string | undefined): string | null {
  for (const dir of (path || `/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`).split(delimiter)) {
    const p = join(dir, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

function readNumber(file: string): number | null {
  try {
    return Number(readFileSync(file, `utf8`).trim());
  } catch {
    return null;
  }
}

/** setuid root, or file capabilities (security.capability) that we cannot read cheaply: report setuid only. */
function isPrivileged(path: string | null): boolean {
  if (!path) return false;
  const st = statSync(path);
  return (st.mode & 0o4000) !== 0 && st.uid === 0;
}

function devAccessible(dev: string): boolean {
  try {
    accessSync(dev, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export async function probeHost(ctx: EngineContext): Promise<HostReport> {
  const problems: Array<Problem> = [];
  const me = userName();
  const myUid = uid();
  const PATH = ctx.env.PATH;

  const unprivClone = readNumber(`/proc/sys/kernel/unprivileged_userns_clone`);
  const maxUserNs = readNumber(`/proc/sys/user/max_user_namespaces`) ?? 0;
  const usernsOk = unprivClone !== 0 && maxUserNs > 0;
  if (unprivClone === 0)
    problems.push({what: `unprivileged user namespaces are disabled`, fix: `run "sysctl -w kernel.unprivileged_userns_clone=1" as root (and persist it in /etc/sysctl.d/)`});
  if (maxUserNs === 0)
    problems.push({what: `user.max_user_namespaces is 0`, fix: `run "sysctl -w user.max_user_namespaces=28633" as root (and persist it in /etc/sysctl.d/)`});

  const uidmap = readSubIds(`/etc/subuid`, me, myUid);
  const gidmap = readSubIds(`/etc/subgid`, me, myUid);
  if (myUid !== 0 && uidmap.length === 0)
    problems.push({what: `no subordinate uids for ${me} in /etc/subuid: containers get a single uid`, fix: `run "usermod --add-subuids 100000-165535 ${me}" as root`});
  if (myUid !== 0 && gidmap.length === 0)
    problems.push({what: `no subordinate gids for ${me} in /etc/subgid: containers get a single gid`, fix: `run "usermod --add-subgids 100000-165535 ${me}" as root`});

  const newuidmap = which(`newuidmap`, PATH);
  const newgidmap = which(`newgidmap`, PATH);
  if (!newuidmap || !newgidmap)
    problems.push({what: `newuidmap/newgidmap not found`, fix: `install the "uidmap" package: apt-get install uidmap`});
  else if (!isPrivileged(newuidmap) || !isPrivileged(newgidmap))
    problems.push({what: `newuidmap/newgidmap are not setuid root`, fix: `run "chmod u+s ${newuidmap} ${newgidmap}" as root, or reinstall the uidmap package`});

  const cg = detectCgroups();
  if (!cg.limitsAvailable)
    problems.push({what: `resource limits are unavailable: ${cg.reason}`, fix: cg.fix});

  const fuseOverlayfs = which(`fuse-overlayfs`, PATH);
  const devFuse = devAccessible(`/dev/fuse`);
  if (!fuseOverlayfs)
    problems.push({what: `fuse-overlayfs not found (the fallback when native overlay is unavailable)`, fix: `apt-get install fuse-overlayfs`});
  if (existsSync(`/dev/fuse`) && !devFuse)
    problems.push({what: `/dev/fuse is not accessible to ${me}`, fix: `run "chmod 0666 /dev/fuse" as root (udev sets this on a normal install)`});

  const pasta = which(`pasta`, PATH);
  const slirp = which(`slirp4netns`, PATH);
  const devNetTun = devAccessible(`/dev/net/tun`);
  if (!pasta && !slirp)
    problems.push({what: `no rootless network backend found (pasta or slirp4netns)`, fix: `apt-get install passt (or slirp4netns)`});
  if (!devNetTun)
    problems.push({what: `/dev/net/tun is not accessible to ${me}: pasta and slirp4netns cannot create a tap device`, fix: `run "chmod 0666 /dev/net/tun" as root (udev sets this on a normal install)`});

  let hostname = ``;
  try {
    hostname = readFileSync(`/proc/sys/kernel/hostname`, `utf8`).trim();
  } catch {}

  return {
    host: {
      arch: process.arch === `x64` ? `amd64` : process.arch,
      os: process.platform,
      kernel: release(),
      hostname,
      rootless: myUid !== 0,
      uid: myUid,
      user: me,
      userns: {unprivileged: usernsOk, maxUserNamespaces: maxUserNs},
      idMappings: {uidmap, gidmap},
      newuidmap: {path: newuidmap, privileged: isPrivileged(newuidmap)},
      newgidmap: {path: newgidmap, privileged: isPrivileged(newgidmap)},
      cgroupVersion: cg.version,
      cgroupControllers: cg.delegatedControllers,
      cgroupManager: cg.manager,
      resourceLimits: {available: cg.limitsAvailable, reason: cg.reason},
      fuse: {fuseOverlayfs, devFuse},
      network: {pasta, slirp4netns: slirp, devNetTun, default: pasta ? `pasta` : slirp ? `slirp4netns` : `none`},
      runtimes: {builtin: join(ctx.installDir, `helpers/tspod-helper`), runc: which(`runc`, PATH), crun: which(`crun`, PATH)},
      ociRuntimes: Object.fromEntries([`runc`, `crun`].map(name => {
        const a = runtimeAvailability(name, PATH);
        return [name, {path: a.path ?? null, ...(a.version ? {version: a.version} : {}), usable: a.available, ...(a.reason ? {reason: a.reason, fix: a.fix} : {})}];
      })),
    },
    store: {graphRoot: ctx.paths.graphRoot, runRoot: ctx.paths.runRoot, graphDriverName: ctx.storageDriver ?? `auto`},
    version: {Version: VERSION, NodeVersion: process.version},
    problems,
  };
}
