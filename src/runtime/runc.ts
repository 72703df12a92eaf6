// The alternative runtimes: hand a bundle (dir + config.json) to `runc run`.
// runc 1.1 runs rootless: with one mapping of the caller's own id it writes the maps
// itself; with several (subordinate ids) it calls newuidmap/newgidmap. crun 1.8 is
// refused on hosts with cgroup v1 hybrid mounts and no delegation (this one).
import {spawn, spawnSync} from 'node:child_process';
import {mkdirSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../engine/errors';
import type {RuntimeSpec} from '../oci/runtimeSpec';

export type OciRuntimeName = `runc` | `crun`;

export interface RuntimeAvailability {
  available: boolean;
  path?: string;
  version?: string;
  /** Why it cannot be used here, with the fix when we know it. */
  reason?: string;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? `/usr/bin:/bin`).split(`:`).concat([`/usr/sbin`, `/sbin`])) {
    const p = join(dir, name);
    if (spawnSync(`test`, [`-x`, p]).status === 0) return p;
  }
  return undefined;
}

/** Is runc/crun usable on this host, and if not, why. */
export function runtimeAvailability(name: OciRuntimeName): RuntimeAvailability {
  const path = which(name);
  if (!path) return {available: false, reason: `\`${name}\` is not installed (apt-get install ${name})`};
  const v = spawnSync(path, [`--version`], {encoding: `utf8`});
  const version = /version\s+(\S+)/.exec(v.stdout ?? ``)?.[1];
  if (name === `crun`) {
    // crun rootless needs cgroup v2 (or a delegated subtree); on a v1/hybrid host it fails at create.
    const unified = spawnSync(`stat`, [`-fc`, `%T`, `/sys/fs/cgroup`], {encoding: `utf8`}).stdout.trim();
    if (unified !== `cgroup2fs`)
      return {available: false, path, version, reason: `crun ${version ?? ``} refuses this host's cgroup v1/hybrid hierarchy for rootless containers; boot with systemd.unified_cgroup_hierarchy=1 or use --runtime runc`.replace(/\s+/g, ` `)};
  }
  return {available: true, path, version};
}

/** Make a spec fit rootless runc on this host: sysfs needs a network namespace. */
export function specForRunc(spec: RuntimeSpec): RuntimeSpec {
  const ns = new Set((spec.linux?.namespaces ?? []).map(n => n.type));
  const mounts = (spec.mounts ?? []).flatMap(m => {
    if (m.type === `sysfs` && !ns.has(`network`))
      return [{destination: m.destination, type: `bind`, source: `/sys`, options: [`rbind`, `nosuid`, `noexec`, `nodev`, `ro`]}];
    if ((m.type === `mqueue` && !ns.has(`ipc`)) || m.type === `cgroup` || m.type === `cgroup2`) return [];
    return [m];
  });
  return {...spec, mounts};
}

/** Write BUNDLE/config.json atomically. */
export function writeBundle(bundleDir: string, spec: RuntimeSpec): void {
  mkdirSync(bundleDir, {recursive: true});
  const final = join(bundleDir, `config.json`);
  const tmp = `${final}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, JSON.stringify(spec, null, 2));
  const fd = openSync(tmp, `r`);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, final);
}

export interface RuncRunOptions {
  bundleDir: string;
  /** tspod's run root; runc's state goes to RUNROOT/runc. */
  runRoot: string;
  id: string;
  stdio?: Array<any>;
}

/** `runc --root RUNROOT/runc run --bundle DIR ID`; resolves to the container's exit code. */
export async function runWithRunc(spec: RuntimeSpec, opts: RuncRunOptions): Promise<{exitCode: number, stdout?: string, stderr?: string}> {
  const avail = runtimeAvailability(`runc`);
  if (!avail.available) throw new TspodError(`Host`, avail.reason!, {hint: `apt-get install runc`});
  writeBundle(opts.bundleDir, specForRunc(spec));
  const root = join(opts.runRoot, `runc`);
  mkdirSync(root, {recursive: true, mode: 0o700});
  const child = spawn(avail.path!, [`--root`, root, `run`, `--bundle`, opts.bundleDir, opts.id], {stdio: opts.stdio ?? `inherit`});
  let out = ``, err = ``;
  child.stdout?.on(`data`, c => out += c);
  child.stderr?.on(`data`, c => err += c);
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on(`error`, reject);
    child.on(`close`, code => resolve(code ?? 125));
  });
  return {exitCode, ...(child.stdout ? {stdout: out} : {}), ...(child.stderr ? {stderr: err} : {})};
}
