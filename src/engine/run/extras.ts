// run/create flags beyond the core set, parsed and checked before anything is made:
// --stop-signal/--stop-timeout (kept for stop), --umask, --shm-size, --group-add,
// --tz, --uts/--ipc/--pid host|container:NAME, --health-* (checked here, resolved in lifecycle/healthConfig.ts), --read-only-tmpfs, --sysctl, --device, --env-merge, --expose, --annotation, --label-file, and which host
// variables the container gets (--env-host, --http-proxy, --unsetenv[-all]).
import {readFileSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {TspodError} from '../errors';
import {parseSignal, signalName} from '../signals';
import {parseLabels} from './options';
import {parseOnFailure, resolveHealthcheck} from '../lifecycle/healthConfig';
import type {HealthFlags} from '../lifecycle/healthConfig';

export interface ExtraFlags extends HealthFlags {
  stopSignal?: string | undefined;
  stopTimeout?: string | undefined;
  umask?: string | undefined;
  shmSize?: string | undefined;
  groupAdd?: Array<string>;
  tz?: string | undefined;
  uts?: string | undefined;
  /** --pid host: share the user's pid namespace (host /proc bound in). */
  pid?: string | undefined;
  ipc?: string | undefined;
  expose?: Array<string>;
  annotations?: Array<string>;
  labelFiles?: Array<string>;
  envHost?: boolean;
  /** --http-proxy (default true): the host's proxy variables go in. */
  httpProxy?: boolean;
  unsetEnv?: Array<string>;
  unsetEnvAll?: boolean;
  /** --read-only-tmpfs (default true): with --read-only, /tmp, /var/tmp and /run are writable tmpfs. */
  readOnlyTmpfs?: boolean;
  sysctl?: Array<string>;
  device?: Array<string>;
  /** --env-merge KEY=VALUE, VALUE with ${VAR} of the default environment. */
  envMerge?: Array<string>;
}

export interface Extras {
  /** Canonical name (SIGINT), for the spec's stopSignal annotation. */
  stopSignal?: string;
  stopTimeout?: number;
  umask?: number;
  /** tmpfs size option for /dev/shm (`size=65536k`). */
  shmSize?: string;
  /** Group names or ids, resolved against the image's /etc/group. */
  groupAdd: Array<string>;
  /** Host file bound at /etc/localtime. */
  localtime?: string;
  hostUts: boolean;
  hostIpc: boolean;
  hostPid: boolean;
  /** --cgroupns private (podman's default on cgroup v2): a cgroup namespace rooted at the container's cgroup. */
  privateCgroupns: boolean;
  /** `container:NAME`: that running container's namespace is joined (with its user namespace). */
  joinUts?: string;
  joinIpc?: string;
  joinPid?: string;
  /** `80/tcp` keys, as the image config's ExposedPorts. */
  expose: Record<string, Record<string, never>>;
  annotations: Record<string, string>;
  /** Labels from --label-file, below --label. */
  fileLabels: Record<string, string>;
  /** Host variables below the image's Env (podman: --env-host, or the proxy ones). */
  hostEnv: Array<[string, string]>;
  unsetEnv: Array<string>;
  unsetEnvAll: boolean;
  readOnlyTmpfs: boolean;
  /** --sysctl KEY=VALUE, each key of a namespace the container has its own of (checkSysctls). */
  sysctls: Record<string, string>;
  /** --device: host device → container path, bound (a rootless user cannot mknod). */
  devices: Array<{source: string, destination: string}>;
  envMerge: Array<[string, string]>;
}

const bad = (message: string, hint?: string) => new TspodError(`InvalidArgument`, message, hint === undefined ? {} : {hint});

/** The variables --http-proxy passes (podman's list). */
export const PROXY_VARS = [`http_proxy`, `https_proxy`, `ftp_proxy`, `no_proxy`, `HTTP_PROXY`, `HTTPS_PROXY`, `FTP_PROXY`, `NO_PROXY`];

export function parseExtras(f: ExtraFlags, hostEnv: Readonly<Record<string, string | undefined>>): Extras {
  const out: Extras = {
    groupAdd: [], hostUts: false, hostIpc: false, hostPid: false, privateCgroupns: false, expose: {}, annotations: {}, fileLabels: {}, hostEnv: [],
    unsetEnv: f.unsetEnv ?? [], unsetEnvAll: Boolean(f.unsetEnvAll), readOnlyTmpfs: f.readOnlyTmpfs !== false, sysctls: {}, devices: [], envMerge: [],
  };
  resolveHealthcheck(f, undefined); // the --health-* flags checked now; the image's Healthcheck joins them at create
  parseOnFailure(f.healthOnFailure);
  for (const d of f.device ?? []) out.devices.push(...parseDevice(d));
  for (const e of f.envMerge ?? []) {
    const i = e.indexOf(`=`);
    if (i <= 0) throw bad(`invalid --env-merge "${e}": want KEY=VALUE, such as PATH=\${PATH}:/opt/bin`);
    out.envMerge.push([e.slice(0, i), e.slice(i + 1)]);
  }
  if (f.stopSignal !== undefined) out.stopSignal = signalName(parseSignal(f.stopSignal));
  if (f.stopTimeout !== undefined) {
    if (!/^\d+$/.test(f.stopTimeout)) throw bad(`invalid --stop-timeout "${f.stopTimeout}": want a number of seconds`);
    out.stopTimeout = Number(f.stopTimeout);
  }
  if (f.umask !== undefined) {
    if (!/^[0-7]{1,4}$/.test(f.umask)) throw bad(`invalid --umask "${f.umask}": want an octal mask such as 0022`);
    out.umask = parseInt(f.umask, 8);
  }
  if (f.shmSize !== undefined) out.shmSize = `size=${shmBytes(f.shmSize) / 1024}k`;
  for (const g of f.groupAdd ?? []) {
    if (g === `keep-groups`) throw new TspodError(`Unsupported`, `--group-add keep-groups is not supported by tspod`, {hint: `give the groups by name or id (they are looked up in the image's /etc/group)`});
    if (g.trim() === ``) throw bad(`invalid --group-add "": give a group name or id`);
    out.groupAdd.push(g);
  }
  if (f.tz !== undefined) out.localtime = zoneFile(f.tz);
  out.hostUts = hostNamespace(`--uts`, f.uts);
  out.hostIpc = hostNamespace(`--ipc`, f.ipc);
  out.hostPid = hostNamespace(`--pid`, f.pid);
  const uts = joinedContainer(f.uts), ipc = joinedContainer(f.ipc), pid = joinedContainer(f.pid);
  if (uts !== undefined) out.joinUts = uts;
  if (ipc !== undefined) out.joinIpc = ipc;
  if (pid !== undefined) out.joinPid = pid;
  for (const e of f.expose ?? []) for (const key of exposeKeys(e)) out.expose[key] = {};
  for (const a of f.annotations ?? []) {
    const i = a.indexOf(`=`);
    if (i <= 0) throw bad(`invalid --annotation "${a}": want KEY=VALUE`);
    out.annotations[a.slice(0, i)] = a.slice(i + 1);
  }
  for (const file of f.labelFiles ?? []) out.fileLabels = {...out.fileLabels, ...parseLabels(readLines(file, `--label-file`))};
  for (const kv of f.sysctl ?? []) {
    const i = kv.indexOf(`=`);
    const key = i < 0 ? `` : kv.slice(0, i).trim();
    if (!/^[a-z0-9_][a-z0-9_.-]*$/i.test(key) || key.includes(`..`)) throw bad(`invalid --sysctl "${kv}": want KEY=VALUE, such as net.ipv4.ip_unprivileged_port_start=80`);
    out.sysctls[key] = kv.slice(i + 1);
  }
  if (f.envHost) {
    for (const [k, v] of Object.entries(hostEnv)) if (v !== undefined) out.hostEnv.push([k, v]);
  } else if (f.httpProxy !== false) {
    for (const k of PROXY_VARS) if (hostEnv[k] !== undefined) out.hostEnv.push([k, hostEnv[k]!]);
  }
  return out;
}

/** `64m`, `1g`, `65536` (bytes; a `b` suffix is allowed), as podman reads --shm-size. */
export function shmBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(v.trim());
  const units: Record<string, number> = {'': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3};
  const n = m ? Math.floor(Number(m[1]) * units[m[2]!.toLowerCase()]!) : NaN;
  if (!(n >= 1024)) throw bad(`invalid --shm-size "${v}": want a size of at least 1k, such as 64m`);
  return Math.ceil(n / 1024) * 1024;
}

/**
 * `SRC[:DST][:PERMS]`: a host device node, or a directory of them (each one under DST).
 * PERMS (rwm) is accepted as podman does; a bound node keeps the host's permissions.
 */
function parseDevice(spec: string): Array<{source: string, destination: string}> {
  const parts = spec.split(`:`);
  const perms = parts.length > 1 && /^[rwm]+$/.test(parts[parts.length - 1]!) ? parts.pop() : undefined;
  void perms;
  const [source, destination = source] = parts;
  if (parts.length > 2 || !source?.startsWith(`/`) || !destination?.startsWith(`/`) || source.split(`/`).includes(`..`) || destination.split(`/`).includes(`..`))
    throw bad(`invalid --device "${spec}": want an absolute HOST-PATH[:CONTAINER-PATH][:PERMISSIONS]`);
  let st;
  try {
    st = statSync(source);
  } catch (err) {
    throw bad(`--device ${source}: ${(err as NodeJS.ErrnoException).code === `ENOENT` ? `no such device on this host` : (err as Error).message}`);
  }
  if (st.isCharacterDevice() || st.isBlockDevice()) return [{source, destination}];
  if (!st.isDirectory()) throw bad(`--device ${source}: not a device node or a directory of them`);
  const out: Array<{source: string, destination: string}> = [];
  for (const e of readdirSync(source, {withFileTypes: true, recursive: true})) {
    if (!e.isCharacterDevice() && !e.isBlockDevice()) continue;
    const rel = join(e.parentPath ?? e.path, e.name).slice(source.length);
    out.push({source: join(source, rel), destination: join(destination, rel)});
  }
  return out;
}

/** `local` (the host's /etc/localtime) or a zone under /usr/share/zoneinfo. */
function zoneFile(tz: string): string {
  if (tz === `local`) {
    try {
      statSync(`/etc/localtime`);
      return `/etc/localtime`;
    } catch {
      throw new TspodError(`Host`, `--tz local: this host has no /etc/localtime`, {hint: `give a zone such as Europe/Paris`});
    }
  }
  const file = join(`/usr/share/zoneinfo`, tz);
  let ok = false;
  try {
    ok = !tz.split(`/`).includes(`..`) && !tz.startsWith(`/`) && statSync(file).isFile();
  } catch {}
  if (!ok) throw bad(`invalid --tz "${tz}": no such time zone in /usr/share/zoneinfo`, `use local, or a zone such as Europe/Paris or UTC (the tzdata package installs them)`);
  return file;
}

function hostNamespace(flag: string, v: string | undefined): boolean {
  if (v === undefined || v === `private` || v === `` || (flag === `--ipc` && (v === `shareable` || v === `none`))) return false;
  if (v === `host`) return true;
  if (joinedContainer(v) !== undefined) return false;
  throw bad(`invalid ${flag} "${v}"`, `use host, private or container:NAME`);
}

/** NAME of `container:NAME`. */
function joinedContainer(v: string | undefined): string | undefined {
  if (v === undefined || !v.startsWith(`container:`)) return undefined;
  const name = v.slice(`container:`.length);
  if (name === ``) throw bad(`invalid "${v}": container: needs a container's name or ID`);
  return name;
}

/** `80`, `80/udp`, `8000-8002/tcp` → `80/tcp`… keys. */
function exposeKeys(spec: string): Array<string> {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(spec.trim());
  const a = m ? Number(m[1]) : 0, b = m?.[2] !== undefined ? Number(m[2]) : a;
  if (!m || a < 1 || b > 65535 || b < a) throw bad(`invalid --expose "${spec}": want PORT[-PORT][/tcp|/udp]`);
  const out: Array<string> = [];
  for (let p = a; p <= b; p++) out.push(`${p}/${m[3] ?? `tcp`}`);
  return out;
}

/** The non-empty, non-comment lines of a file given to a flag. */
function readLines(file: string, flag: string): Array<string> {
  let text: string;
  try {
    text = readFileSync(file, `utf8`);
  } catch (err) {
    throw bad(`${flag} ${file}: ${(err as NodeJS.ErrnoException).code === `ENOENT` ? `no such file` : (err as Error).message}`);
  }
  return text.split(/\r?\n/).map(l => l.trim()).filter(l => l !== `` && !l.startsWith(`#`));
}

/** The namespace a sysctl belongs to (podman's list), or none: those are the host's, never the container's. */
function sysctlNamespace(key: string): `ipc` | `net` | `uts` | undefined {
  if (/^kernel\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)$/.test(key) || key.startsWith(`fs.mqueue.`)) return `ipc`;
  if (key.startsWith(`net.`)) return `net`;
  if (key === `kernel.domainname` || key === `kernel.hostname`) return `uts`;
  return undefined;
}

/** --sysctl may set only what the container has its own namespace of. */
export function checkSysctls(sysctls: Record<string, string>, shared: {net: boolean, ipc: boolean, uts: boolean}): void {
  for (const key of Object.keys(sysctls)) {
    const ns = sysctlNamespace(key);
    if (ns === undefined) throw bad(`--sysctl ${key} is not allowed: it is not namespaced, so it would change the host`, `only net.*, fs.mqueue.*, kernel.msg*/sem/shm* and kernel.hostname/domainname can be set`);
    if (shared[ns]) throw bad(`--sysctl ${key} is not allowed with a shared --${ns === `net` ? `network` : ns} (host or container:NAME): it would change the host's or the other container's`);
  }
}
