// Quadlet: `.container` files in the user's containers/systemd folders → systemd
// `.service` units that run the container with tspod (podman's quadlet, the subset
// tspod supports). Used by the user generator (contrib/systemd/user-generators) and
// by `tspod quadlet --dryrun`. The container lives in the unit's cgroup
// (`--cgroups split`, Delegate=yes) and tells systemd it is ready (`--sdnotify`).
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {basename, join} from 'node:path';
import {TspodError} from '../errors';

export type Section = Array<[string, string]>;
export type UnitFile = Map<string, Section>;

/** systemd's unit syntax: [Section], Key=Value, `#`/`;` comments, trailing `\` continues a line. */
export function parseUnit(text: string, file: string): UnitFile {
  const out: UnitFile = new Map();
  let cur: Section | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    while (line.endsWith(`\\`) && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
    if (line === `` || line.startsWith(`#`) || line.startsWith(`;`)) continue;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      cur = out.get(sec[1]!) ?? [];
      out.set(sec[1]!, cur);
      continue;
    }
    const eq = line.indexOf(`=`);
    if (!cur || eq <= 0) throw new TspodError(`InvalidArgument`, `${file}:${i + 1}: not a unit file line: ${line}`, {hint: `use [Section] headers and Key=Value lines`});
    cur.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** Splits a value the way systemd splits ExecStart= (double and single quotes). */
export function splitWords(v: string): Array<string> {
  const out: Array<string> = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m;
  while ((m = re.exec(v))) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, `$1`) : m[2] ?? m[3]!);
  return out;
}

/** Quotes one argument for an ExecStart= line. */
function q(a: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
  return `"${a.replace(/\\/g, `\\\\`).replace(/"/g, `\\"`)}"`;
}

// podman's [Container] keys that are one run flag each: a value of words (systemd
// quoting) gives the flag once per word; a single one, the value whole; a boolean,
// the flag alone when true.
const WORDS: Record<string, string> = {
  Environment: `--env`, AddCapability: `--cap-add`, DropCapability: `--cap-drop`, Annotation: `--annotation`,
  Label: `--label`, Sysctl: `--sysctl`, DNS: `--dns`, DNSSearch: `--dns-search`, DNSOption: `--dns-option`, AddHost: `--add-host`,
  GroupAdd: `--group-add`,
};
const EACH: Record<string, string> = {
  PublishPort: `--publish`, Volume: `--volume`, EnvironmentFile: `--env-file`, ExposeHostPort: `--expose`, AddDevice: `--device`,
  Mount: `--mount`, Tmpfs: `--tmpfs`, Ulimit: `--ulimit`, Secret: `--secret`,
};
const SINGLE: Record<string, string> = {
  Network: `--network`, Pull: `--pull`, HostName: `--hostname`, LogDriver: `--log-driver`, Timezone: `--tz`, UserNS: `--userns`,
  WorkingDir: `--workdir`, ShmSize: `--shm-size`, StopTimeout: `--stop-timeout`, Entrypoint: `--entrypoint`,
};
const BOOLEAN: Record<string, Array<string>> = {
  ReadOnly: [`--read-only`], RunInit: [`--init`], NoNewPrivileges: [`--security-opt`, `no-new-privileges`],
};
const SUPPORTED = new Set([`Image`, `Exec`, `ContainerName`, `User`, `Group`, `Notify`, `PodmanArgs`, `SeccompProfile`,
  ...Object.keys(WORDS), ...Object.keys(EACH), ...Object.keys(SINGLE), ...Object.keys(BOOLEAN)]);
const isTrue = (v: string | undefined) => [`true`, `yes`, `1`, `on`].includes((v ?? ``).toLowerCase());

export interface QuadletOptions {
  /** argv prefix that runs tspod (node + bundle), absolute: generators get no PATH. */
  tspod: Array<string>;
  source: string;
}

/** One `.container` file → the text of its `.service` unit. */
export function containerToService(unit: UnitFile, name: string, o: QuadletOptions): string {
  const c = unit.get(`Container`);
  if (!c) throw new TspodError(`InvalidArgument`, `${o.source}: no [Container] section`, {hint: `a .container file needs [Container] with Image=`});
  for (const [k] of c)
    if (!SUPPORTED.has(k)) throw new TspodError(`Unsupported`, `${o.source}: unsupported key ${k} in [Container]`, {hint: `tspod's quadlet supports ${[...SUPPORTED].join(`, `)}`});
  const get = (k: string) => c.filter(([x]) => x === k).map(([, v]) => v);
  const last = (k: string) => get(k).pop();
  const image = last(`Image`);
  if (!image) throw new TspodError(`InvalidArgument`, `${o.source}: no Image= in [Container]`, {hint: `add Image=docker.io/library/busybox (for example)`});
  const ctrName = last(`ContainerName`) ?? `systemd-%N`;
  const notify = (last(`Notify`) ?? `false`).toLowerCase();
  const args = [`run`, `--name`, ctrName, `--rm`, `--cgroups`, `split`, `--sdnotify`, isTrue(notify) ? `container` : `conmon`];
  // In the order of the file's keys, as podman's quadlet keeps repeated ones.
  for (const [k, v] of c) {
    if (EACH[k]) args.push(EACH[k]!, v);
    else if (WORDS[k]) for (const w of splitWords(v)) args.push(WORDS[k]!, w);
  }
  for (const [k, flag] of Object.entries(SINGLE)) {
    const v = last(k);
    if (v !== undefined && v !== ``) args.push(flag, v);
  }
  for (const [k, flags] of Object.entries(BOOLEAN)) if (isTrue(last(k))) args.push(...flags);
  const seccomp = last(`SeccompProfile`);
  if (seccomp !== undefined && seccomp !== ``) args.push(`--security-opt`, `seccomp=${seccomp}`);
  const user = last(`User`), group = last(`Group`);
  if (user || group) args.push(`--user`, group ? `${user ?? `0`}:${group}` : user!);
  for (const p of get(`PodmanArgs`)) args.push(...splitWords(p));
  args.push(image);
  const exec = last(`Exec`);
  if (exec) args.push(...splitWords(exec));
  const tspod = o.tspod.map(q).join(` `);

  const lines = [`# Automatically generated by tspod quadlet from ${o.source}`, `[Unit]`];
  for (const [k, v] of unit.get(`Unit`) ?? []) lines.push(`${k}=${v}`);
  lines.push(`SourcePath=${o.source}`, `RequiresMountsFor=%t/containers`, ``, `[Service]`,
    `Environment=TSPOD_SYSTEMD_UNIT=%n`,
    `KillMode=mixed`,
    `Delegate=yes`,
    `Type=notify`,
    `NotifyAccess=all`,
    `SyslogIdentifier=%N`,
    `ExecStartPre=-${tspod} rm --force --ignore ${q(ctrName)}`,
    `ExecStart=${tspod} ${args.map(q).join(` `)}`,
    `ExecStopPost=-${tspod} rm --force --ignore ${q(ctrName)}`);
  for (const [k, v] of unit.get(`Service`) ?? []) lines.push(`${k}=${v}`);
  const install = unit.get(`Install`);
  if (install && install.length > 0) {
    lines.push(``, `[Install]`);
    for (const [k, v] of install) lines.push(`${k}=${v}`);
  }
  void name;
  return `${lines.join(`\n`)}\n`;
}

/** The folders a rootless user's .container files are read from, most important first. */
export function quadletDirs(userContainersConfig: string, uid: number): Array<string> {
  return [join(userContainersConfig, `systemd`), `/etc/containers/systemd/users/${uid}`, `/etc/containers/systemd/users`];
}

export interface GeneratedUnit {
  source: string;
  service: string;
  text: string;
  /** `WantedBy=` targets: the generator links the unit into TARGET.wants. */
  wantedBy: Array<string>;
}

export function generateAll(dirs: Array<string>, o: {tspod: Array<string>}): Array<GeneratedUnit> {
  const seen = new Set<string>();
  const out: Array<GeneratedUnit> = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).filter(n => n.endsWith(`.container`)).sort()) {
      if (seen.has(f)) continue;
      seen.add(f);
      const source = join(d, f);
      const unit = parseUnit(readFileSync(source, `utf8`), source);
      const service = `${basename(f, `.container`)}.service`;
      const wantedBy = (unit.get(`Install`) ?? []).filter(([k]) => k === `WantedBy` || k === `RequiredBy`).flatMap(([, v]) => v.split(/\s+/)).filter(Boolean);
      out.push({source, service, text: containerToService(unit, service, {tspod: o.tspod, source}), wantedBy});
    }
  }
  return out;
}
