// Which runtime runs a container: the built-in tspod-helper, or an OCI runtime (runc,
// crun) handed the spec as a bundle (runtime/runc.ts). `--runtime` takes a name or a
// path, as podman's does. Each OCI runtime is checked for real on this host; when it
// cannot work here, the reason says why and how to fix it.
import {accessSync, constants, readFileSync, statSync} from 'node:fs';
import {childProcess} from '../util/lazyBuiltins';
import {basename, delimiter, isAbsolute, join} from 'node:path';
import {TspodError} from '../engine/errors';

export type OciRuntimeName = `runc` | `crun`;

export type RuntimeChoice =
  | {kind: `builtin`}
  | {kind: `oci`, name: OciRuntimeName, path: string, version: string | undefined};

export interface RuntimeAvailability {
  available: boolean;
  path?: string;
  version?: string;
  /** Why it cannot be used here, and the fix. */
  reason?: string;
  fix?: string;
}

const BUILTIN_NAMES = new Set([`tspod`, `tspod-helper`, `helper`, `builtin`]);

/** Directories searched besides PATH: Debian installs runc in /usr/sbin. */
const EXTRA_DIRS = [`/usr/local/sbin`, `/usr/local/bin`, `/usr/sbin`, `/usr/bin`, `/sbin`, `/bin`];

export function findExecutable(name: string, path: string | undefined): string | undefined {
  const dirs = [...(path ?? ``).split(delimiter).filter(d => d !== ``), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return undefined;
}

function fsType(path: string): string | undefined {
  const r = childProcess().spawnSync(`stat`, [`-fc`, `%T`, path], {encoding: `utf8`});
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * crun 1.8 refuses a hybrid hierarchy (cgroup v1 controllers, plus a cgroup v2 mount at
 * /sys/fs/cgroup/unified that has controllers): "cgroups in hybrid mode not supported,
 * drop all controllers from cgroupv2". Pure cgroup v1 and pure v2 are fine.
 */
export function crunCgroupProblem(): string | undefined {
  if (fsType(`/sys/fs/cgroup`) === `cgroup2fs`) return undefined;
  if (fsType(`/sys/fs/cgroup/unified`) !== `cgroup2fs`) return undefined;
  let controllers = ``;
  try {
    controllers = readFileSync(`/sys/fs/cgroup/unified/cgroup.controllers`, `utf8`).trim();
  } catch {}
  if (controllers === ``) return undefined;
  return `this host's cgroups are hybrid (v1 controllers, and the v2 hierarchy has ${controllers.split(/\s+/).join(`, `)}), which crun refuses ("cgroups in hybrid mode not supported")`;
}

/** Is runc/crun (a name or a path) usable on this host, and if not, why. */
export function runtimeAvailability(nameOrPath: string, path: string | undefined): RuntimeAvailability {
  const name = basename(nameOrPath);
  const bin = isAbsolute(nameOrPath) ? nameOrPath : findExecutable(nameOrPath, path);
  if (!bin) return {available: false, reason: `${name} is not installed`, fix: `apt-get install ${name}`};
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    return {available: false, path: bin, reason: `\`${bin}\` is not an executable file`, fix: `give the path of a ${name} binary`};
  }
  const v = childProcess().spawnSync(bin, [`--version`], {encoding: `utf8`, timeout: 10_000});
  const version = /version\s+(\S+)/.exec(v.stdout ?? ``)?.[1];
  if (v.status !== 0) return {available: false, path: bin, reason: `\`${bin} --version\` failed${v.stderr ? `: ${v.stderr.trim().split(`\n`)[0]}` : ``}`, fix: `reinstall ${name}`};
  if (name === `crun`) {
    const problem = crunCgroupProblem();
    if (problem)
      return {
        available: false, path: bin, ...(version ? {version} : {}),
        reason: `crun${version ? ` ${version}` : ``} cannot run containers on this host: ${problem}`,
        fix: `use --runtime runc, or boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2 only)`,
      };
  }
  return {available: true, path: bin, ...(version ? {version} : {})};
}

/** `--runtime` value (or containers.conf's engine.runtime) → the runtime to use; refused with the reason. */
export function resolveRuntime(value: string | undefined, path: string | undefined): RuntimeChoice {
  if (value === undefined || value === `` || BUILTIN_NAMES.has(value)) return {kind: `builtin`};
  const name = basename(value);
  if (name !== `runc` && name !== `crun`)
    throw new TspodError(`InvalidArgument`, `unknown OCI runtime "${value}"`, {hint: `use runc or crun (a name or a path), or drop --runtime for the built-in runtime`});
  const a = runtimeAvailability(value, path);
  if (!a.available) throw new TspodError(`Host`, `--runtime ${value}: ${a.reason}`, {hint: `${a.fix}; or drop --runtime for the built-in runtime`});
  return {kind: `oci`, name, path: a.path!, version: a.version};
}
