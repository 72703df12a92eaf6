// `top`: the processes of a running container, read from the host's /proc (podman's psgo
// descriptors), or, given ps(1) options no descriptor matches (`top web -eo pid,comm`),
// ps itself run in the container, its output as it is (podman's fallback).
import {readFileSync, readdirSync, readlinkSync} from 'node:fs';
import type {EngineContext} from '../Engine';
import {TspodError} from '../errors';
import {mustLookup, nameOf, openContainers, refresh} from '../lifecycle/containers';
import {isRunning} from '../lifecycle/state';
import type {LifeMeta} from '../lifecycle/state';
import {goDuration} from '../../util/goDuration';

/** A table (header first), or ps's own output. */
export type TopResult = {table: Array<Array<string>>} | {raw: string};

interface ProcRow {
  pid: number, hpid: number, ppid: number, user: string, huser: string, args: string, comm: string,
  etime: string, time: string, tty: string, state: string, nice: string, vsz: string,
}

function procRow(pid: number, rootPid: number, hz = 100): ProcRow | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, `utf8`);
    const close = stat.lastIndexOf(`)`);
    const comm = stat.slice(stat.indexOf(`(`) + 1, close);
    const f = stat.slice(close + 2).split(` `);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, `utf8`).split(`\0`).filter(Boolean).join(` `);
    const status = readFileSync(`/proc/${pid}/status`, `utf8`);
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? `?`;
    const nspid = /^NSpid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/).pop();
    // As podman's (psgo): the start is the boot time plus the start ticks, the age its distance to now, in Go's words.
    const startNs = BigInt(bootTime()) * 1_000_000_000n + BigInt(f[19] ?? 0) * 1_000_000_000n / BigInt(hz);
    const nowNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
    const cpuNs = (BigInt(f[11] ?? 0) + BigInt(f[12] ?? 0)) * 1_000_000_000n / BigInt(hz);
    const ppid = pid === rootPid ? 0 : Number(/^NSpid:\s+(.*)$/m.exec(readFileSync(`/proc/${f[1]}/status`, `utf8`))?.[1]?.trim().split(/\s+/).pop() ?? 0);
    return {
      pid: Number(nspid ?? pid), hpid: pid, ppid, user: userIn(rootPid, Number(uid)), huser: hostUser(Number(uid)), args: cmd || `[${comm}]`, comm,
      etime: goDuration(nowNs > startNs ? nowNs - startNs : 0n), time: goDuration(cpuNs), tty: `?`, state: f[0] ?? `?`, nice: f[16] ?? `0`, vsz: String(Math.floor(Number(f[20]) / 1024)),
    };
  } catch {
    return undefined;
  }
}

let btime: number | undefined;

/** Boot time, seconds since the epoch (/proc/stat btime). */
function bootTime(): number {
  return btime ??= Number(/^btime (\d+)$/m.exec(readFileSync(`/proc/stat`, `utf8`))?.[1] ?? 0);
}

/** A host uid as the container sees it (its uid_map), by name from its /etc/passwd. */
function userIn(rootPid: number, hostId: number): string {
  let id = hostId;
  try {
    for (const line of readFileSync(`/proc/${rootPid}/uid_map`, `utf8`).trim().split(`\n`)) {
      const [inside, outside, size] = line.trim().split(/\s+/).map(Number);
      if (hostId >= outside! && hostId < outside! + size!) id = inside! + hostId - outside!;
    }
    return nameIn(`/proc/${rootPid}/root/etc/passwd`, id);
  } catch {}
  return String(id);
}

/** The host's name for a host uid (a subordinate one has none: its number). */
function hostUser(uid: number): string {
  try {
    return nameIn(`/etc/passwd`, uid);
  } catch {
    return String(uid);
  }
}

function nameIn(passwd: string, id: number): string {
  for (const line of readFileSync(passwd, `utf8`).split(`\n`)) {
    const p = line.split(`:`);
    if (Number(p[2]) === id && p[0]) return p[0];
  }
  return String(id);
}

/** Host pids in the pid namespace of `root` (the container's init): those whose NSpid has it. */
function descendants(root: number): Array<number> {
  let nsIno: string | undefined;
  try { nsIno = readlinkSafe(`/proc/${root}/ns/pid`); } catch {}
  const out: Array<number> = [];
  for (const d of readdirSync(`/proc`)) {
    if (!/^\d+$/.test(d)) continue;
    const pid = Number(d);
    if (pid === root) { out.push(pid); continue; }
    if (nsIno && readlinkSafe(`/proc/${pid}/ns/pid`) === nsIno) out.push(pid);
  }
  return out.sort((a, b) => a - b);
}

function readlinkSafe(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

/** podman's (psgo's) descriptors and headers, those tspod reads. */
const DESCRIPTORS: Record<string, [string, (r: ProcRow) => string]> = {
  user: [`USER`, r => r.user],
  huser: [`HUSER`, r => r.huser],
  pid: [`PID`, r => String(r.pid)],
  hpid: [`HPID`, r => String(r.hpid)],
  ppid: [`PPID`, r => String(r.ppid)],
  pcpu: [`%CPU`, () => `0.000`],
  etime: [`ELAPSED`, r => r.etime],
  tty: [`TTY`, r => r.tty],
  time: [`TIME`, r => r.time],
  args: [`COMMAND`, r => r.args],
  comm: [`COMMAND`, r => r.comm],
  state: [`STATE`, r => r.state],
  nice: [`NI`, r => r.nice],
  vsz: [`VSZ`, r => r.vsz],
};

const DEFAULT = [`user`, `pid`, `ppid`, `pcpu`, `etime`, `tty`, `time`, `args`];

/** ps(1) output is capped (it is printed as it is). */
const PS_MAX_BYTES = 1 << 20;

/** `allowPs`: options no descriptor matches run ps in the container (pod top does not). */
export async function topContainer(ctx: EngineContext, o: {container: string, descriptors: Array<string>, allowPs?: boolean}): Promise<TopResult> {
  const cs = openContainers(ctx);
  let id: string;
  try {
    const c = await refresh(ctx, cs!, await mustLookup(cs, o.container));
    const m = c.metadata as LifeMeta;
    if (!isRunning(m) || typeof m.pid !== `number`)
      throw new TspodError(`CtrStateInvalid`, `top can only be used on running containers: container ${nameOf(c)} is ${m.state === `stopped` ? `exited` : m.state}: container state improper`);
    const desc = o.descriptors.length ? o.descriptors.flatMap(d => d.split(`,`)) : DEFAULT;
    if (desc.every(d => DESCRIPTORS[d])) {
      const rows = descendants(m.pid).map(p => procRow(p, m.pid!)).filter((r): r is ProcRow => r !== undefined);
      return {table: [desc.map(d => DESCRIPTORS[d]![0]), ...rows.map(r => desc.map(d => DESCRIPTORS[d]![1](r)))]};
    }
    if (!o.allowPs) {
      const bad = desc.find(d => !DESCRIPTORS[d]);
      throw new TspodError(`InvalidArgument`, `unknown descriptor: ${bad}`, {hint: `use ${Object.keys(DESCRIPTORS).join(`, `)}`});
    }
    id = c.id;
  } finally {
    cs?.close();
  }
  const {execInContainer} = await import(`./exec`);
  const r = await execInContainer(ctx, {container: id, command: [`ps`, ...o.descriptors], hostEnv: {}, capture: {timeoutMs: 30_000, maxBytes: PS_MAX_BYTES}});
  const out = r.output ?? ``;
  if (r.exitCode !== 0)
    throw new TspodError(`InvalidArgument`, `ps ${o.descriptors.join(` `)} in the container failed (exit ${r.exitCode}): ${out.trim().split(`\n`)[0] ?? ``}`,
      {hint: `these are not descriptors (${Object.keys(DESCRIPTORS).join(`, `)}), so they went to the container's ps, which refused them or is missing`});
  return {raw: out};
}
