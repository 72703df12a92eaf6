// Parsers for `run`/`create` flag values, podman's syntax (pkg/specgen, pkg/util,
// cmd/podman/parse). Each throws TspodError('InvalidArgument') with a one-line
// message naming the bad value; none touches the file system except parseEnvFile.
import {isAbsolute, posix} from 'node:path';
import {readFileSync} from 'node:fs';
import {TspodError} from '../errors';

function bad(message: string, hint?: string): TspodError {
  return new TspodError(`InvalidArgument`, message, hint === undefined ? {} : {hint});
}

/** `--label KEY=VALUE` (`KEY` alone: an empty value), as podman; a later one wins. */
export function parseLabels(specs: ReadonlyArray<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of specs) {
    const i = s.indexOf(`=`);
    const key = i < 0 ? s : s.slice(0, i);
    if (key.trim() === ``) throw bad(`invalid label "${s}": the key is empty`, `use --label KEY=VALUE`);
    out[key] = i < 0 ? `` : s.slice(i + 1);
  }
  return out;
}

// ---------------------------------------------------------------- volumes / mounts

export type MountKind = `bind` | `volume` | `tmpfs` | `devpts`;

export interface MountRequest {
  kind: MountKind;
  /** Host path (bind), volume name (volume; empty = anonymous), unused for tmpfs. */
  source: string;
  destination: string;
  readonly: boolean;
  /** Extra mount options passed through (nosuid, nodev, noexec, propagation, size=, mode=). */
  options: Array<string>;
  /** Where it came from, for error messages. */
  spec: string;
  /** A volume's `nocopy` (--mount volume-nocopy): an empty volume does not get the image's content. */
  noCopy?: boolean;
}

const VOLUME_FORMAT = `incorrect volume format, should be [host-dir:]ctr-dir[:option]`;
const PROPAGATION = new Set([`shared`, `rshared`, `slave`, `rslave`, `private`, `rprivate`, `unbindable`, `runbindable`]);
const PASSTHROUGH = new Set([`nosuid`, `suid`, `nodev`, `dev`, `noexec`, `exec`, `bind`, `rbind`, ...PROPAGATION]);
// Accepted and ignored here: SELinux relabel (off on this host), chown. (copy/nocopy are read by parseVolume.)
const IGNORED = new Set([`z`, `Z`, `copy`, `nocopy`, `U`, `O`, `idmap`]);

function checkDestination(dst: string, spec: string): string {
  if (dst === ``) throw bad(`${VOLUME_FORMAT}: "${spec}"`);
  if (!isAbsolute(dst)) throw bad(`invalid container path "${dst}", must be an absolute path`, `give the destination inside the container as an absolute path, e.g. /data`);
  return posix.normalize(dst);
}

function isBindSource(src: string): boolean {
  return src.startsWith(`/`) || src.startsWith(`.`);
}

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkVolumeName(name: string): string {
  if (!VOLUME_NAME.test(name)) throw bad(`invalid volume name "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  return name;
}

/** `-v SRC:DST[:OPTS]` or `-v DST` (anonymous volume). Relative bind sources resolve against cwd. */
export function parseVolume(spec: string, cwd: string): MountRequest {
  const parts = spec.split(`:`);
  if (parts.length > 3 || parts.some(p => p === ``)) throw bad(`${VOLUME_FORMAT}: "${spec}"`);
  let src = ``, dst: string, opts = ``;
  if (parts.length === 1) {
    dst = parts[0]!;
  } else if (parts.length === 2) {
    // `/ctr:ro` is a destination with options only when the second part is an option list.
    if (parts[1]!.split(`,`).every(o => o === `ro` || o === `rw` || IGNORED.has(o) || PASSTHROUGH.has(o)) && !parts[1]!.startsWith(`/`)) {
      dst = parts[0]!;
      opts = parts[1]!;
    } else {
      src = parts[0]!;
      dst = parts[1]!;
    }
  } else {
    [src, dst, opts] = parts as [string, string, string];
  }
  const destination = checkDestination(dst, spec);
  const {readonly, options} = parseMountOptions(opts, spec);
  const noCopy = opts.split(`,`).includes(`nocopy`) ? {noCopy: true} : {};
  if (src === ``) return {kind: `volume`, source: ``, destination, readonly, options, spec, ...noCopy};
  if (isBindSource(src)) return {kind: `bind`, source: posix.resolve(cwd, src), destination, readonly, options, spec};
  return {kind: `volume`, source: checkVolumeName(src), destination, readonly, options, spec, ...noCopy};
}

function parseMountOptions(opts: string, spec: string): {readonly: boolean, options: Array<string>} {
  let readonly = false, rwSeen = false, copy = false, nocopy = false;
  const options: Array<string> = [];
  if (opts === ``) return {readonly, options};
  for (const o of opts.split(`,`)) {
    if (o === `ro`) readonly = true;
    else if (o === `rw`) rwSeen = true;
    else if (o === `copy`) copy = true;
    else if (o === `nocopy`) nocopy = true;
    else if (IGNORED.has(o)) continue;
    else if (PASSTHROUGH.has(o)) options.push(o);
    else throw bad(`invalid option "${o}" in volume "${spec}"`, `use ro, rw, z, Z, nosuid, nodev, noexec or a propagation mode`);
  }
  if (readonly && rwSeen) throw bad(`cannot set both ro and rw in volume "${spec}"`);
  if (copy && nocopy) throw bad(`cannot set both copy and nocopy in volume "${spec}"`);
  return {readonly, options};
}

/** `--mount type=bind|volume|tmpfs|devpts,source=…,target=…[,readonly][,…]` */
export function parseMount(spec: string, cwd: string): MountRequest {
  let kind: MountKind | undefined;
  let source = ``, target = ``, readonly = false, noCopy = false;
  const options: Array<string> = [];
  for (const field of spec.split(`,`)) {
    const eq = field.indexOf(`=`);
    const key = (eq < 0 ? field : field.slice(0, eq)).trim();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    const flagValue = () => {
      if (value === undefined || value === `true`) return true;
      if (value === `false`) return false;
      throw bad(`invalid value "${value}" for ${key} in --mount "${spec}": want true or false`);
    };
    const need = () => {
      if (value === undefined || value === ``) throw bad(`${key} needs a value in --mount "${spec}"`);
      return value;
    };
    switch (key) {
      case `type`: {
        const v = need();
        if (v !== `bind` && v !== `volume` && v !== `tmpfs` && v !== `devpts`) throw bad(`unsupported mount type "${v}" in --mount "${spec}"`, `use type=bind, type=volume, type=tmpfs or type=devpts`);
        kind = v;
      } break;
      case `src`: case `source`: source = need(); break;
      case `dst`: case `destination`: case `target`: target = need(); break;
      case `ro`: case `readonly`: readonly = flagValue(); break;
      case `rw`: readonly = !flagValue(); break;
      case `volume-nocopy`: noCopy = flagValue(); break;
      case `relabel`: case `z`: case `Z`: case `U`: case `idmap`: case `chown`: case `consistency`: break;
      case `bind-propagation`: {
        const v = need();
        if (!PROPAGATION.has(v)) throw bad(`invalid bind-propagation "${v}" in --mount "${spec}"`);
        options.push(v);
      } break;
      case `bind-nonrecursive`: if (flagValue()) options.push(`bind`); break;
      case `nosuid`: case `nodev`: case `noexec`: case `suid`: case `dev`: case `exec`: options.push(key); break;
      case `tmpfs-size`: options.push(`size=${checkSize(need(), spec)}`); break;
      // devpts's own (podman's): owner, group and mode of new terminals, and their number.
      case `uid`: case `gid`: case `mode`: case `max`: {
        const v = need();
        if (!(key === `mode` ? /^[0-7]{1,4}$/ : /^\d+$/).test(v)) throw bad(`invalid ${key} "${v}" in --mount "${spec}"`);
        options.push(`${key}=${v}`);
      } break;
      case `tmpfs-mode`: {
        const v = need();
        if (!/^[0-7]{1,4}$/.test(v)) throw bad(`invalid tmpfs-mode "${v}" in --mount "${spec}": want an octal mode`);
        options.push(`mode=${v}`);
      } break;
      default:
        throw bad(`unknown option "${key}" in --mount "${spec}"`);
    }
  }
  if (!kind) throw bad(`--mount "${spec}" has no type`, `add type=bind, type=volume or type=tmpfs`);
  const devptsOption = kind === `devpts` ? undefined : options.find(o => /^(uid|gid|max)=/.test(o) || (kind !== `tmpfs` && o.startsWith(`mode=`)));
  if (devptsOption !== undefined) throw bad(`${devptsOption.split(`=`)[0]} is an option of type=devpts, not of type=${kind}, in --mount "${spec}"`);
  if (target === ``) throw bad(`--mount "${spec}" has no target`, `add target=/path/in/container`);
  const destination = checkDestination(target, spec);
  if (kind === `bind`) {
    if (source === ``) throw bad(`--mount "${spec}" has no source`, `add source=/path/on/host`);
    return {kind, source: posix.resolve(cwd, source), destination, readonly, options, spec};
  }
  if (kind === `volume`) return {kind, source: source === `` ? `` : checkVolumeName(source), destination, readonly, options, spec, ...(noCopy ? {noCopy} : {})};
  if (source !== ``) throw bad(`${kind} mounts take no source in --mount "${spec}"`);
  if (kind === `devpts`) return {kind, source: ``, destination, readonly, options, spec};
  return {kind, source: ``, destination, readonly, options: tmpfsDefaults(options), spec};
}

function checkSize(v: string, spec: string): string {
  if (!/^\d+[kmgKMG]?[bB]?$/.test(v)) throw bad(`invalid size "${v}" in "${spec}"`);
  return v.replace(/[bB]$/, ``).toLowerCase();
}

/** podman 4's defaults for --tmpfs and --mount type=tmpfs: nosuid and nodev (not noexec, nor a size). */
function tmpfsDefaults(options: Array<string>): Array<string> {
  const out = [...options];
  for (const d of [`nosuid`, `nodev`]) {
    const opposite = d.slice(2);
    if (!out.includes(d) && !out.includes(opposite)) out.push(d);
  }
  return out;
}

/** `--tmpfs /path[:opts]` (rw,nosuid,nodev unless the options say otherwise, as podman 4.3 mounts it). */
export function parseTmpfs(spec: string): MountRequest {
  const colon = spec.indexOf(`:`);
  const dst = colon < 0 ? spec : spec.slice(0, colon);
  const opts = colon < 0 ? `` : spec.slice(colon + 1);
  const destination = checkDestination(dst, spec);
  let readonly = false;
  const options: Array<string> = [];
  for (const o of opts === `` ? [] : opts.split(`,`)) {
    if (o === `ro`) readonly = true;
    else if (o === `rw`) readonly = false;
    else if (/^size=/.test(o)) options.push(`size=${checkSize(o.slice(5), spec)}`);
    else if (/^mode=[0-7]{1,4}$/.test(o) || /^(uid|gid|nr_inodes)=\d+$/.test(o)) options.push(o);
    else if (PASSTHROUGH.has(o) || o === `tmpcopyup` || o === `notmpcopyup`) { if (!o.endsWith(`tmpcopyup`)) options.push(o); }
    else throw bad(`invalid option "${o}" in --tmpfs "${spec}"`);
  }
  return {kind: `tmpfs`, source: ``, destination, readonly, options: tmpfsDefaults(options), spec};
}

// ---------------------------------------------------------------- environment

const ENV_KEY_SPACE = /\s/;

/**
 * `-e KEY=VAL`, `-e KEY` (the host's value, or nothing when unset), `-e PREFIX*`
 * (every host variable with that prefix). Returns entries in order.
 */
export function parseEnv(spec: string, hostEnv: Readonly<Record<string, string | undefined>>, where = `--env`): Array<[string, string]> {
  const eq = spec.indexOf(`=`);
  if (eq === 0) throw bad(`invalid environment variable "${spec}" in ${where}: the name is empty`);
  if (eq > 0) {
    const key = spec.slice(0, eq);
    if (ENV_KEY_SPACE.test(key)) throw bad(`invalid environment variable "${spec}" in ${where}: the name contains white space`);
    return [[key, spec.slice(eq + 1)]];
  }
  if (spec === ``) throw bad(`invalid environment variable "" in ${where}: the name is empty`);
  if (ENV_KEY_SPACE.test(spec)) throw bad(`invalid environment variable "${spec}" in ${where}: the name contains white space`);
  if (spec.endsWith(`*`)) {
    const prefix = spec.slice(0, -1);
    return Object.entries(hostEnv).filter((e): e is [string, string] => e[0].startsWith(prefix) && e[1] !== undefined).sort((a, b) => a[0] < b[0] ? -1 : 1);
  }
  const v = hostEnv[spec];
  return v === undefined ? [] : [[spec, v]];
}

/** podman's env-file: one KEY=VAL or KEY per line, `#` comments, blank lines, left-trimmed. */
export function parseEnvFileText(text: string, hostEnv: Readonly<Record<string, string | undefined>>, file: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+/, ``);
    if (line === `` || line.startsWith(`#`)) return;
    out.push(...parseEnv(line, hostEnv, `${file} line ${i + 1}`));
  });
  return out;
}

export function parseEnvFile(file: string, hostEnv: Readonly<Record<string, string | undefined>>): Array<[string, string]> {
  let text: string;
  try {
    text = readFileSync(file, `utf8`);
  } catch (err) {
    throw bad(`cannot read env file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseEnvFileText(text, hostEnv, file);
}

/** Merges `KEY=VAL` lists, later wins, order of first appearance kept. */
export function mergeEnv(...lists: Array<Iterable<[string, string]>>): Array<string> {
  const m = new Map<string, string>();
  for (const l of lists) for (const [k, v] of l) m.set(k, v);
  return [...m].map(([k, v]) => `${k}=${v}`);
}

export function envPairs(list: ReadonlyArray<string> | undefined): Array<[string, string]> {
  return (list ?? []).map(e => {
    const eq = e.indexOf(`=`);
    return eq < 0 ? [e, ``] : [e.slice(0, eq), e.slice(eq + 1)];
  });
}

// ---------------------------------------------------------------- user, ulimit, userns, caps

export interface UserSpec {
  user: string;
  group?: string;
}

export function parseUserSpec(spec: string): UserSpec {
  const parts = spec.split(`:`);
  if (parts.length > 2 || parts[0] === `` || parts[1] === ``) throw bad(`invalid user "${spec}": want user[:group]`);
  return parts.length === 2 ? {user: parts[0]!, group: parts[1]!} : {user: parts[0]!};
}

export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

const ULIMITS = new Set([`as`, `core`, `cpu`, `data`, `fsize`, `locks`, `memlock`, `msgqueue`, `nice`, `nofile`, `nproc`, `rss`, `rtprio`, `rttime`, `sigpending`, `stack`]);
const UNLIMITED = 2 ** 64 - 1;

/** `--ulimit nofile=1024[:2048]`, -1 for unlimited. */
export function parseUlimit(spec: string): Rlimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) throw bad(`invalid ulimit "${spec}": want type=soft[:hard]`, `e.g. --ulimit nofile=1024:2048`);
  const name = m[1]!;
  if (!ULIMITS.has(name)) throw bad(`invalid ulimit type "${name}" in "${spec}"`, `use one of ${[...ULIMITS].join(`, `)}`);
  const num = (s: string) => {
    const n = Number(s);
    if (n === -1) return UNLIMITED;
    if (n < 0) throw bad(`invalid ulimit value "${s}" in "${spec}"`);
    return n;
  };
  const soft = num(m[2]!);
  const hard = m[3] === undefined ? soft : num(m[3]);
  if (soft > hard) throw bad(`ulimit soft limit must be less than or equal to hard limit: ${m[2]} > ${m[3]}`);
  return {type: `RLIMIT_${name.toUpperCase()}`, soft, hard};
}

export type UsernsMode = {mode: `default`} | {mode: `keep-id`, uid?: number, gid?: number} | {mode: `auto`} | {mode: `nomap`};

export function parseUserns(spec: string | undefined): UsernsMode {
  // Rootless, podman's default is `host`: the caller's user namespace, the user as root and
  // the subordinate ids after it. That is tspod's default mapping.
  if (spec === undefined || spec === `` || spec === `private` || spec === `host`) return {mode: `default`};
  if (spec === `nomap`) return {mode: `nomap`};
  if (spec === `auto` || spec.startsWith(`auto:`)) return {mode: `auto`};
  if (spec === `keep-id` || spec.startsWith(`keep-id:`)) {
    const r: {mode: `keep-id`, uid?: number, gid?: number} = {mode: `keep-id`};
    for (const o of spec === `keep-id` ? [] : spec.slice(8).split(`,`)) {
      const m = /^(uid|gid)=(\d+)$/.exec(o);
      if (!m) throw bad(`invalid --userns option "${o}" in "${spec}": want uid=N or gid=N`);
      r[m[1] as `uid` | `gid`] = Number(m[2]);
    }
    return r;
  }
  throw bad(`invalid --userns "${spec}"`, `use keep-id, host, auto, nomap or private`);
}

export type PullPolicy = `always` | `missing` | `never` | `newer`;

export function parsePullPolicy(v: string | undefined): PullPolicy {
  const p = (v ?? `missing`).toLowerCase();
  if (p === `always` || p === `missing` || p === `never` || p === `newer`) return p;
  if (p === `true`) return `always`;
  if (p === `false` || p === `ifmissing`) return `missing`;
  throw bad(`invalid pull policy "${v}"`, `use always, missing, never or newer`);
}

/** `--cap-add NET_ADMIN`, `cap_net_admin`, `all` → `CAP_NET_ADMIN` / `ALL`. */
export function normalizeCap(c: string, known: ReadonlyArray<string>): string {
  const up = c.trim().toUpperCase();
  if (up === `ALL`) return `ALL`;
  const name = up.startsWith(`CAP_`) ? up : `CAP_${up}`;
  if (!known.includes(name)) throw bad(`unknown capability "${c}"`);
  return name;
}

/** `--security-opt`: no-new-privileges, and seccomp's profile (`unconfined`, or a file's path). */
export function parseSecurityOpt(spec: string): {noNewPrivileges?: boolean, seccomp?: string} {
  if (spec === `no-new-privileges` || spec === `no-new-privileges=true` || spec === `no-new-privileges:true`) return {noNewPrivileges: true};
  if (spec === `no-new-privileges=false` || spec === `no-new-privileges:false`) return {noNewPrivileges: false};
  const seccomp = /^seccomp[=:](.+)$/.exec(spec)?.[1];
  if (seccomp !== undefined) return {seccomp};
  // No SELinux or AppArmor profile is applied (a rootless container gets none on most hosts).
  if (/^(label|apparmor)[=:]/.test(spec)) return {};
  throw bad(`invalid --security-opt "${spec}"`, `tspod supports no-new-privileges and seccomp=unconfined|PROFILE.json; label and apparmor are accepted and ignored`);
}

/** A name for `--name`: podman's rule. */
export function checkContainerName(name: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw bad(`invalid container name "${name}": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
  return name;
}

export function checkHostname(name: string): string {
  if (name.length > 64 || !/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(name)) throw bad(`invalid hostname "${name}"`);
  return name;
}
